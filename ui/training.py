"""The Train page's machinery: two runs watched side by side, then their results.

The trainer is a generator (:func:`explainer.trainer.train`), so this module
owns the loop. It pulls events from run A and run B in turns of about 50 ms,
so both curves grow together, and redraws the chart at most twice a second
(thinned to a few hundred points per run) rather than after every step.

Streamlit stops a running script as soon as any widget is clicked: the next
``st.*`` call raises its rerun signal. That is how the Stop button works. So
every event is kept in ``st.session_state`` the moment it arrives, and on the
way out each unfinished run is asked to stop (``should_stop``) and hands back a
proper stopped result, weights included. Stopped and diverged runs are shown
but never put in the server-wide run store.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import streamlit as st

from explainer import compare, trainer
from explainer.config import FIELDS, RunConfig
from explainer.figures import curves, weights
from explainer.persistence import npz_bytes
from explainer.presets import PRESETS
from ui import resources, state

FIELD_KEY = "train.field"
AUTOSTART_KEY = "train.autostart"
COMPARISON_KEY = "train.comparison"
FIGURE_CACHE_KEY = "train.figures"
FIGURE_CACHE_SIZE = 6  # finished figures kept per visitor (a few comparisons × log axis on/off)
SLICE_SECONDS = 0.05  # each run trains this long before the other gets its turn
REDRAW_SECONDS = 1.0  # the live chart is redrawn at most this often
REDRAW_FACTOR = 20  # …and never sooner than this many times its last draw time (drawing stays near 5%)
LIVE_POINTS = 300  # per-step series points per run on the live chart; the final chart keeps full detail
CHART_HEIGHT = 640

FIELD_LABELS = {"schedule": "Learning-rate decay (decay vs none)",
                **{name: FIELDS[name].label for name in compare.COMPARABLE if name != "schedule"}}
PREFERRED_B = {"activation": ("sigmoid", "relu"), "init": ("zeros", "he"), "loss": ("mse", "cross_entropy"),
               "normalization": ("standardize", "unit")}
NUMBER_B = {"batch_size": (32, 128), "l2": (0.001, 0.0)}  # B's first suggestion, or the second if A has it


def value_key(name: str) -> str:
    """Session-state key of the widget that holds B's value of config field ``name``."""
    return f"train.value_b.{name}"


def request_training(name: str = compare.DECAY, value_b: Any = None) -> None:
    """Compare on ``name`` (B gets ``value_b``) and train as soon as the Train page runs.

    Call from a button's ``on_click`` callback (it writes widget keys), e.g.
    after :func:`ui.state.set_config`.
    """
    st.session_state[FIELD_KEY] = name
    if name != compare.DECAY and value_b is not None:
        st.session_state[value_key(name)] = FIELDS[name].coerce(value_b)
    st.session_state[AUTOSTART_KEY] = True


# --- choosing A and B ---------------------------------------------------------------------------

def comparison_controls(config: RunConfig) -> tuple[RunConfig, RunConfig]:
    """The 'what differs' selectbox and B's value; returns (run A, run B) and describes them."""
    st.session_state.setdefault(FIELD_KEY, compare.DECAY)
    left, right = st.columns(2)
    with left:
        name = st.selectbox("What differs between A and B", compare.COMPARABLE, key=FIELD_KEY,
                            format_func=FIELD_LABELS.get,
                            help="Both runs use the sidebar's settings and the same random seed (so the same "
                                 "starting weights and batches wherever the setting allows); only this one differs.")
    if name == compare.DECAY:
        a, b = compare.decay_pair(config)
    else:
        with right:
            value_b = _value_b_widget(config, name)
        a, b = compare.comparison_pair(config, name, value_b)
    label_a, label_b = compare.describe_difference(a, b)
    st.markdown(f"**Run A:** {label_a} &nbsp;·&nbsp; **Run B:** {label_b} "
                "&nbsp;— everything else as in the sidebar.")
    if a == b:
        st.warning(f"B is identical to A ({label_a}): choose a different value for B.")
    return a, b


def _value_b_widget(config: RunConfig, name: str) -> Any:
    spec, key, current = FIELDS[name], value_key(name), getattr(config, name)
    if spec.choices:
        options = [choice for choice in spec.choices if choice != current]
        if st.session_state.get(key) not in options:
            preferred = [choice for choice in PREFERRED_B.get(name, ()) if choice in options]
            st.session_state[key] = (preferred or options)[0]
        return st.selectbox(f"Run B's {spec.label.lower()}", options, key=key, help=spec.help)
    first, second = NUMBER_B[name]
    if not isinstance(st.session_state.get(key), type(first)):
        st.session_state[key] = first if first != current else second
    if isinstance(first, int):
        return st.number_input(f"Run B's {spec.label.lower()}", int(spec.low), int(spec.high), step=1, key=key,
                               help=spec.help)
    return st.number_input(f"Run B's {spec.label.lower()}", float(spec.low), float(spec.high), step=0.0001,
                           format="%g", key=key, help=spec.help)


def take_autostart() -> bool:
    """True once after an experiment or a Seeds-page button asked for training."""
    return bool(st.session_state.pop(AUTOSTART_KEY, False))


# --- what is kept while watching ----------------------------------------------------------------

@dataclass(eq=False)
class Watched:
    """One run of the pair as the page sees it: events so far, then its result."""

    letter: str
    label: str
    config: RunConfig
    per_epoch: int
    total: int
    losses: np.ndarray | None = None  # (total,) batch loss per step while training, filled up to steps_done
    lrs: np.ndarray | None = None
    count: int = 0
    evaluations: list[trainer.Evaluation] = field(default_factory=list)
    result: trainer.TrainResult | None = None
    from_cache: bool = False

    @property
    def name(self) -> str:
        """Legend name, e.g. 'A: schedule = exponential'."""
        text = f"{self.letter}: {self.label}"
        return text if len(text) <= 48 else text[:47] + "…"

    @property
    def steps_done(self) -> int:
        return len(self.result.step_loss) if self.result is not None else self.count

    @property
    def usable(self) -> bool:
        """Has weights worth evaluating: finished or stopped, not diverged."""
        return self.result is not None and not self.result.diverged

    @property
    def last_evaluation(self) -> trainer.Evaluation | None:
        finite = _finite(self.result.evaluations if self.result is not None else self.evaluations)
        return finite[-1] if finite else None

    def record(self, event: trainer.Event) -> None:
        """Keep one event from the trainer."""
        if isinstance(event, trainer.Step):
            if self.losses is None:
                self.losses, self.lrs = np.empty(self.total), np.empty(self.total)
            self.losses[self.count], self.lrs[self.count] = event.loss, event.lr
            self.count += 1
        elif isinstance(event, trainer.Evaluation):
            self.evaluations.append(event)
        else:
            self.result = event.result
            self.losses, self.lrs, self.evaluations = None, None, []  # the result holds them now

    def curve(self) -> curves.CurveData:
        """What the chart draws; evaluations with a NaN or infinite value are left out."""
        if self.result is not None:
            loss, lr, evaluations = self.result.step_loss, self.result.step_lr, self.result.evaluations
        elif self.losses is not None:
            loss, lr, evaluations = self.losses[:self.count], self.lrs[:self.count], self.evaluations
        else:
            loss, lr, evaluations = np.empty(0), np.empty(0), self.evaluations
        steps = np.arange(1, len(loss) + 1)
        return curves.CurveData(self.name, steps / self.per_epoch, loss, lr, _finite(evaluations), steps)


def _finite(evaluations) -> list[trainer.Evaluation]:
    return [e for e in evaluations
            if all(math.isfinite(v) for v in (e.train_loss, e.val_loss, e.train_accuracy, e.val_accuracy))]


@dataclass(eq=False)
class Comparison:
    """Runs A and B of one comparison, with what the store already knew."""

    runs: list[Watched]

    @classmethod
    def of(cls, pair: tuple[RunConfig, RunConfig]) -> Comparison:
        """A fresh comparison; runs already in the server's run store come filled in."""
        store = resources.run_store()
        runs = []
        for letter, label, config in zip("AB", compare.describe_difference(*pair), pair):
            _, per_epoch, total = trainer.plan(config, len(resources.splits_for(config).y_train))
            cached = store.get(config)
            runs.append(Watched(letter, label, config, per_epoch, total, result=cached, from_cache=cached is not None))
        return cls(runs)

    @property
    def pair(self) -> tuple[RunConfig, ...]:
        return tuple(run.config for run in self.runs)

    @property
    def finished(self) -> bool:
        return all(run.result is not None for run in self.runs)

    def curves(self) -> list[curves.CurveData]:
        return [run.curve() for run in self.runs]


def same_configs(first, second) -> bool:
    """Equal configs, compared by value (Streamlit re-imports edited modules, which makes classes differ)."""
    return [config.key() for config in first] == [config.key() for config in second]


def stored_comparison() -> Comparison | None:
    """The comparison this visitor last trained or viewed (kept across reruns)."""
    return st.session_state.get(COMPARISON_KEY)


# --- the live loop ------------------------------------------------------------------------------

def watch(comparison: Comparison, chart, progress, stop_slot) -> None:
    """Train every unfinished run of ``comparison``, interleaved, drawing into the given placeholders.

    A click anywhere (the Stop button, a sidebar control) ends the script run;
    the ``finally`` block then stops the runs cleanly so their results survive.
    """
    stop_slot.button("Stop training", key="train.stop", icon=":material/stop:",
                     help="Stops both runs where they are; their curves and weights so far are kept.")
    progress.progress(0.0, text="Preparing the data…")
    stop = threading.Event()
    pending = [(run, trainer.train(run.config, resources.splits_for(run.config), should_stop=stop.is_set))
               for run in comparison.runs if run.result is None]
    start, draws = time.perf_counter(), 0
    next_draw = start + REDRAW_SECONDS / 2  # the first picture once there is something to see
    try:
        while pending:
            for item in list(pending):
                if _advance(*item, SLICE_SECONDS):
                    pending.remove(item)
            if time.perf_counter() >= next_draw and pending:
                draws += 1
                began = time.perf_counter()
                _draw_live(comparison, chart, progress, draws, began - start)
                # Never spend more than about a twentieth of the time drawing, however slow the machine.
                drawn_in = time.perf_counter() - began
                next_draw = time.perf_counter() + max(REDRAW_SECONDS, REDRAW_FACTOR * drawn_in)
    finally:
        stop.set()
        for run, events in pending:
            _advance(run, events, math.inf)  # asked to stop, each run ends within a step
    progress.empty()
    stop_slot.empty()


def _advance(run: Watched, events: Iterator[trainer.Event], seconds: float) -> bool:
    """Let one run train for about ``seconds``; True when it has finished."""
    deadline = time.perf_counter() + seconds
    for event in events:
        run.record(event)
        if isinstance(event, trainer.Finished):
            resources.run_store().put(event.result)
            return True
        if time.perf_counter() >= deadline:
            return False
    return True


def _draw_live(comparison: Comparison, chart, progress, draws: int, seconds: float) -> None:
    done = sum(run.steps_done for run in comparison.runs)
    total = sum(run.total for run in comparison.runs)
    status = " · ".join(f"{run.letter}: step {run.steps_done:,} of {run.total:,}" for run in comparison.runs)
    progress.progress(min(done / max(total, 1), 1.0), text=f"{status} · {seconds:.0f} s")
    figure = curves.training_curves(comparison.curves(), height=CHART_HEIGHT, max_points=LIVE_POINTS)
    # A fresh key per redraw: reusing one key in the same script run raises StreamlitDuplicateElementKey.
    chart.plotly_chart(figure, key=f"train.curves.live{draws}", width="stretch")


# --- the page's main area -----------------------------------------------------------------------

def training_area(pair: tuple[RunConfig, RunConfig], start: bool) -> None:
    """Train (when asked), or show what is known about ``pair``: curves, notes, metrics, downloads.

    Every slot is claimed up front, so a new run clears the previous run's results at once
    instead of leaving them greyed out below the live chart.
    """
    stop_slot, chart, progress, details = st.empty(), st.empty(), st.empty(), st.empty()
    comparison = stored_comparison()
    answered_from_cache = False
    if start and not same_configs(pair[:1], pair[1:]):
        comparison = Comparison.of(pair)
        st.session_state[COMPARISON_KEY] = comparison
        answered_from_cache = comparison.finished
        if not comparison.finished:
            details.caption("Final accuracies, the weights and the downloads appear here once both runs have "
                            "finished or been stopped.")
            watch(comparison, chart, progress, stop_slot)
    elif comparison is None or not same_configs(comparison.pair, pair):
        comparison = Comparison.of(pair)
        if not comparison.finished:
            with details.container():
                _prompt(comparison, chart)
            return
        st.session_state[COMPARISON_KEY] = comparison
    with details.container():
        if answered_from_cache:
            st.success("Both runs were already trained on this server with exactly these settings and this data, "
                       "so they are shown from the cache: no training needed.")
        show_results(comparison, chart)


def _prompt(comparison: Comparison, chart) -> None:
    chart.plotly_chart(curves.training_curves([], height=280), key="train.curves.empty", width="stretch")
    st.info("Press **Train both runs** to watch A and B learn side by side.")
    cached = [run.letter for run in comparison.runs if run.result is not None]
    if cached:
        st.caption(f"Run {cached[0]} is already in this server's cache; only the other run will be trained.")
    st.caption(plan_text(comparison))


def plan_text(comparison: Comparison) -> str:
    """How many steps each run takes, e.g. 'Each run: 4,692 steps of 128 images (12 epochs of 50,000).'"""
    parts = []
    for run in comparison.runs:
        n = len(resources.splits_for(run.config).y_train)
        batch, _, _ = trainer.plan(run.config, n)
        parts.append(f"{run.total:,} steps of {batch:,} images ({run.total / run.per_epoch:.3g} epochs of {n:,})")
    if parts[0] == parts[1]:
        return f"Each run: {parts[0]}."
    return f"Run A: {parts[0]}; run B: {parts[1]}."


def show_results(comparison: Comparison, chart) -> None:
    """Curves, what happened to each run, final accuracies, the weights and the downloads."""
    log_loss = st.session_state.get("train.log_loss", False)
    def build():
        return curves.training_curves(comparison.curves(), log_loss=log_loss, height=CHART_HEIGHT)

    results = [run.result for run in comparison.runs]
    figure = _kept_figure(("curves", log_loss), results, build) if comparison.finished else build()
    chart.plotly_chart(figure, key="train.curves", width="stretch")
    st.toggle("Logarithmic loss axis", key="train.log_loss",
              help="Useful when the loss spans several orders of magnitude.")
    _notes(comparison)
    _metrics(comparison)
    usable = [run for run in comparison.runs if run.usable]
    if not usable:
        st.info("Neither run has weights worth evaluating, so Evaluate and Draw keep their previous model.")
        return
    chosen = _choose_run(usable)
    state.remember_result(chosen.result)
    st.subheader(f"What training did to run {chosen.letter}'s weights")
    st.caption("Grey: the initial weights; blue: after training. Each panel is one weight matrix.")
    figure = _kept_figure(("weights",), [chosen.result], functools.partial(
        weights.weight_histograms, chosen.result.initial_params, chosen.result.params))
    st.plotly_chart(figure, key="train.weights", width="stretch")
    _downloads(comparison, chosen)


def _kept_figure(kind: tuple, results: list[trainer.TrainResult], build) -> Any:
    """The figure ``build()`` makes from finished ``results``, built once per visitor and then reused.

    A result never changes once it exists, so its identity is a complete key. Each entry holds its
    results, so their ids stay unique while it is kept. Rebuilding the curves and histograms took
    over 100 ms per rerun.
    """
    cache = st.session_state.setdefault(FIGURE_CACHE_KEY, {})
    key = (*kind, *(id(result) for result in results))
    entry = cache.pop(key, None) or (results, build())
    cache[key] = entry  # most recently used last
    while len(cache) > FIGURE_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    return entry[1]


def _notes(comparison: Comparison) -> None:
    for run in comparison.runs:
        result = run.result
        if result is None:
            st.warning(f"Run {run.letter} ({run.label}) was interrupted at step {run.steps_done:,} "
                       f"of {run.total:,}.")
        elif result.diverged:
            st.error(f"Run {run.letter} ({run.label}) diverged: {result.stop_reason} "
                     "Its curves stop where the loss blew up.")
        elif result.stop_reason:
            st.warning(f"Run {run.letter} ({run.label}) {result.stop_reason}. Stopped runs are not kept in the "
                       "server's cache; press **Train both runs** to start again from scratch.")
    cached = [run.letter for run in comparison.runs if run.from_cache]
    if cached:
        st.caption(f"Run{'s' if len(cached) > 1 else ''} {' and '.join(cached)} came from this server's cache "
                   "(trained earlier with identical settings on the same data).")


def _metrics(comparison: Comparison) -> None:
    columns = st.columns(len(comparison.runs))
    reference = None
    for column, run in zip(columns, comparison.runs):
        last = run.last_evaluation
        with column:
            if run.result is not None and run.result.diverged:
                st.metric(f"Run {run.letter}: final validation accuracy", "diverged")
                continue
            if last is None:
                st.metric(f"Run {run.letter}: final validation accuracy", "—")
                continue
            gain = None if reference is None else round(100 * (last.val_accuracy - reference), 2)
            delta = None if gain is None else (f"{gain:+.2f} pp vs A" if gain else "same as A")
            st.metric(f"Run {run.letter}: final validation accuracy", f"{last.val_accuracy:.2%}", delta=delta,
                      delta_color="normal" if gain else "off",
                      help=f"After {last.step:,} steps ({last.epoch:.3g} epochs). Training accuracy "
                           f"{last.train_accuracy:.2%}. {last.seconds:.1f} s wall clock (the two runs share the CPU).")
            st.caption(f"{run.label} · train accuracy {last.train_accuracy:.2%}")
            if run.letter == "A":
                reference = last.val_accuracy


def _choose_run(usable: list[Watched]) -> Watched:
    """The radio that picks the run Evaluate and Draw use (default: the one matching the sidebar)."""
    letters = [run.letter for run in usable]
    matching = [i for i, run in enumerate(usable) if same_configs([run.config], [state.current()])]
    by_letter = {run.letter: run for run in usable}
    letter = st.radio("Run used on the Evaluate and Draw pages", letters, index=matching[0] if matching else 0,
                      horizontal=True, format_func=lambda x: f"{x}: {by_letter[x].label}"
                      + (" (stopped)" if by_letter[x].result.stop_reason else ""))
    return by_letter[letter]


def _downloads(comparison: Comparison, chosen: Watched) -> None:
    stem = file_stem(state.preset_name(), chosen.config)
    left, right = st.columns(2)
    with left:
        st.download_button(f"Download run {chosen.letter}'s model (.npz)",
                           functools.partial(npz_bytes, chosen.result.params, chosen.config),
                           file_name=f"{stem}.npz", mime="application/octet-stream", on_click="ignore",
                           key="train.download_model", icon=":material/download:",
                           help="Weights W1, b1, … and the config as JSON; load it with explainer.persistence.")
    with right:
        st.download_button("Download both runs' curves (.csv)",
                           functools.partial(curves.curves_csv, comparison.curves()),
                           file_name=f"curves-{file_stem(state.preset_name(), comparison.runs[0].config)}.csv",
                           mime="text/csv", on_click="ignore", key="train.download_curves", icon=":material/download:",
                           help="One row per gradient step and one per evaluation, for both runs.")


def file_stem(preset: str, config: RunConfig) -> str:
    """A file name for a run: the preset plus each field that differs from it, e.g. 'recommended_schedule-constant'."""
    base = PRESETS[preset].config if preset in PRESETS else RunConfig()
    parts = [preset]
    for name in FIELDS:
        value = getattr(config, name)
        if value != getattr(base, name):
            parts.append(f"{name}-{'-'.join(map(str, value)) if name == 'hidden' else value}")
    return re.sub(r"[^A-Za-z0-9._-]", "", "_".join(parts))[:120]


# --- one-click experiments ----------------------------------------------------------------------

def _start_experiment(name: str) -> None:
    experiment = compare.EXPERIMENTS[name]
    state.set_config(experiment.config)
    request_training(experiment.field, experiment.value_b)


def experiments_section() -> None:
    """A button per experiment in :data:`explainer.compare.EXPERIMENTS`, with what to notice."""
    st.subheader("One-click experiments")
    st.caption("Each button loads a small setup into the sidebar (a 64-unit hidden layer, 10,000 training images "
               "or fewer, a few epochs) and trains its two runs right away. Only the named setting differs.")
    experiments = list(compare.EXPERIMENTS.values())
    for row in range(0, len(experiments), 3):
        for column, experiment in zip(st.columns(3), experiments[row:row + 3]):
            with column.container(border=True, height="stretch"):
                st.markdown(f"**{experiment.title}**")
                st.caption(experiment.notice)
                st.button("Run this experiment", key=f"train.experiment.{experiment.name}", icon=":material/play_arrow:",
                          on_click=_start_experiment, args=(experiment.name,))
