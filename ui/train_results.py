"""What the Train page shows once runs A and B have ended: curves, notes, metrics, weights, downloads.

Figures of completed runs are built once per server and shared by every
visitor who looks at the same runs (the byte-bounded 'figures' cache): a run
never changes once it exists, so (dataset, config) identifies its figures.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable

import streamlit as st

from explainer.config import FIELDS, RunConfig
from explainer.figures import curves, weights
from explainer.i18n import render
from explainer.persistence import npz_bytes
from explainer.presets import PRESETS
from ui import charts, experiments, inside, resources, state
from ui.i18n import _, language, option_labels
from ui.training import CHART_HEIGHT, Comparison, Watched, same_configs

LOG_KEY = "train.log_loss"


def shared_figure(key: tuple, build: Callable[[], Any]) -> Any:
    """The figure ``build()`` makes, kept in the server's byte-bounded figure cache under ``key``."""
    return resources.server_cache("figures").get_or_compute(key, build)


def show_results(comparison: Comparison) -> None:
    """Curves, what happened to each run, final accuracies, the weights and the downloads."""
    log_loss = st.session_state.get(LOG_KEY, False)
    key = ("curves", language(), log_loss, *(run.identity() for run in comparison.runs),
           *(run.name for run in comparison.runs))
    runs = comparison.curves()
    figure = shared_figure(key, lambda: curves.training_curves(runs, log_loss=log_loss, height=CHART_HEIGHT,
                                                               translate=_))
    charts.show_chart(figure, key="train.curves", summary=charts.curves_summary(runs), table=charts.curves_table(runs))
    st.toggle(_("Logarithmic loss axis"), key=LOG_KEY, help=_("Useful when the loss spans several orders of magnitude."))
    _notes(comparison)
    _metrics(comparison)
    if st.toggle(_("Look inside the network: gradients per layer, dead and saturated units, first-layer templates, "
                   "the loss along the way"), key=inside.SHOW_KEY,
                 help=_("What happened inside A and B while they learned, measured by the trainer at every "
                        "evaluation. Off by default so the results come first; the one-click experiments whose "
                        "lesson is inside turn it on.")):
        inside.inside_section([(run.letter, run.label, run.result()) for run in comparison.runs],
                              focus=experiments.shown_experiment(comparison.pair))
    usable = [run for run in comparison.runs if run.result() is not None and not run.result().diverged]
    if not usable:
        st.info(_("Neither run has weights worth evaluating, so Evaluate and Draw keep their previous model."))
        return
    chosen = _choose_run(usable)
    state.remember_result(chosen.result())
    st.subheader(_("What training did to run {letter}'s weights", letter=chosen.letter))
    st.caption(_("Grey: the initial weights; blue: after training. Each panel is one weight matrix."))
    result = chosen.result()
    figure = shared_figure(("weights", language(), chosen.identity()),
                           functools.partial(weights.weight_histograms, result.initial_params, result.params,
                                             translate=_))
    charts.show_chart(figure, key="train.weights", summary=charts.weights_summary(result.initial_params, result.params),
                      table=charts.weights_table(result.initial_params, result.params))
    _downloads(comparison, chosen, runs)


def _notes(comparison: Comparison) -> None:
    for run in comparison.runs:
        result = run.result()
        if run.left:
            st.info(_("You stopped watching run {letter} ({label}); it goes on training for the other visitors who "
                      "watch it. Press **Train both runs** to watch it again.", letter=run.letter, label=run.label))
        elif result is None and run.job is not None and run.job.error is not None:
            template, values = run.job.error
            st.error(_("Run {letter} ({label}): ", letter=run.letter, label=run.label) + _(template, **values))
        elif result is None:
            st.warning(_("Run {letter} ({label}) has no result to show any more: train it again.",
                         letter=run.letter, label=run.label))
        elif result.diverged:
            st.error(_("Run {letter} ({label}) diverged: {reason} Its curves stop where the loss blew up.",
                       letter=run.letter, label=run.label, reason=render(result.stop_notice, _)))
        elif result.stop_reason:
            st.warning(_("Run {letter} ({label}) was stopped after {steps:,} of {total:,} steps. Stopped runs are not "
                         "kept in the server's cache; press **Train both runs** to start again from scratch.",
                         letter=run.letter, label=run.label, steps=len(result.step_loss), total=result.total_steps))
    cached = [run.letter for run in comparison.runs if run.job is not None and run.job.from_cache]
    if cached:
        st.caption(_("Runs {letters} came from this server's cache (trained earlier with identical settings on the "
                     "same data).", letters=" & ".join(cached)))


def _metrics(comparison: Comparison) -> None:
    columns = st.columns(len(comparison.runs))
    reference = None
    for column, run in zip(columns, comparison.runs):
        result = run.result()
        title = _("Run {letter}: final validation accuracy", letter=run.letter)
        with column:
            if result is not None and result.diverged:
                st.metric(title, _("diverged"))
                continue
            last = _last_evaluation(run)
            if last is None:
                st.metric(title, "—")
                continue
            gain = None if reference is None else round(100 * (last.val_accuracy - reference), 2)
            delta = None if gain is None else (_("{gain:+.2f} pp vs A", gain=gain) if gain else _("same as A"))
            st.metric(title, f"{last.val_accuracy:.2%}", delta=delta, delta_color="normal" if gain else "off",
                      help=_("After {steps:,} steps ({epochs:.3g} epochs). Training accuracy {train:.2%}. {seconds:.1f} s "
                             "of training in a worker process.", steps=last.step, epochs=last.epoch,
                             train=last.train_accuracy, seconds=last.seconds))
            st.caption(_("{label} · train accuracy {train:.2%}", label=run.label, train=last.train_accuracy))
            if run.letter == "A":
                reference = last.val_accuracy


def _last_evaluation(run: Watched):
    curve = run.curve()
    return curve.evaluations[-1] if curve.evaluations else None


def _choose_run(usable: list[Watched]) -> Watched:
    """The radio that picks the run Evaluate and Draw use (default: the one matching the sidebar)."""
    letters = [run.letter for run in usable]
    matching = [i for i, run in enumerate(usable) if same_configs([run.config], [state.current()])]
    by_letter = {run.letter: run for run in usable}

    def label(letter: str) -> str:
        run = by_letter[letter]
        return f"{letter}: {run.label}" + (_(" (stopped)") if run.result().stop_reason else "")

    letter = st.radio(_("Run used on the Evaluate and Draw pages"), letters, index=matching[0] if matching else 0,
                      horizontal=True, format_func=option_labels(letters, label))
    return by_letter[letter]


def _downloads(comparison: Comparison, chosen: Watched, runs: list[curves.CurveData]) -> None:
    stem = file_stem(state.preset_name(), chosen.config)
    result = chosen.result()
    left, right = st.columns(2)
    with left:
        st.download_button(_("Download run {letter}'s model (.npz)", letter=chosen.letter),
                           functools.partial(npz_bytes, result.params, chosen.config),
                           file_name=f"{stem}.npz", mime="application/octet-stream", on_click="ignore",
                           key="train.download_model", icon=":material/download:",
                           help=_("Weights W1, b1, … and the config as JSON; load it with explainer.persistence."))
    with right:
        st.download_button(_("Download both runs' curves (.csv)"),
                           functools.partial(curves.curves_csv, runs),
                           file_name=f"curves-{file_stem(state.preset_name(), comparison.runs[0].config)}.csv",
                           mime="text/csv", on_click="ignore", key="train.download_curves", icon=":material/download:",
                           help=_("One row per gradient step and one per evaluation, for both runs."))


def file_stem(preset: str, config: RunConfig) -> str:
    """A file name for a run: the preset plus each field that differs from it, e.g. 'recommended_schedule-constant'."""
    base = PRESETS[preset].config if preset in PRESETS else RunConfig()
    parts = [preset]
    for name in FIELDS:
        value = getattr(config, name)
        if value != getattr(base, name):
            parts.append(f"{name}-{'-'.join(map(str, value)) if name == 'hidden' else value}")
    return re.sub(r"[^A-Za-z0-9._-]", "", "_".join(parts))[:120]
