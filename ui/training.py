"""The Train page's machinery: ask for runs A and B as shared jobs, watch them live, then show results.

Nothing here trains. :func:`start` asks the job manager (:mod:`ui.jobs`) for
the two runs; identical runs already queued, running or finished anywhere on
the server are joined rather than trained again. While either run is going, a
fragment (:func:`live`) reruns every :data:`LIVE_SECONDS` to draw what the
workers have sent so far. A click elsewhere (a slider, another page) only
reruns the script: the jobs go on in their worker processes, and the visitor
finds them again on coming back. Stopping is explicit (the Stop button), and a
job stops only once nobody is watching it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import compare, jobs, trainer
from explainer.config import FIELDS, RunConfig
from explainer.figures import curves
from explainer.figures import live as live_chart
from explainer.jobs import Job, JobRefused, JobView
from ui import jobs as job_layer
from ui import charts, my_runs, resources
from ui.state import choice_text
from ui.errors import guarded
from ui.i18n import _, ngettext, option_labels

FIELD_KEY = "train.field"
AUTOSTART_KEY = "train.autostart"
COMPARISON_KEY = "train.comparison"
LIVE_SECONDS = 1.0  # the live view redraws this often while runs train
QUICK_WAIT_SECONDS = 0.5  # small runs finish within this: their results come in the same rerun
CHART_HEIGHT = 640
LIVE_HEIGHT = 520

PREFERRED_B = {"activation": ("sigmoid", "relu"), "init": ("zeros", "he"), "loss": ("mse", "cross_entropy"),
               "normalization": ("standardize", "unit")}
NUMBER_B = {"batch_size": (32, 128), "l2": (0.001, 0.0), "learning_rate": (0.01, 0.1), "momentum": (0.9, 0.0),
            "epochs": (20, 10), "init_scale": (1.0, 0.01)}  # B's first suggestion, or the second if A has it


def field_label(name: str) -> str:
    """What the 'what differs' box calls a field."""
    return _("Learning-rate decay (decay vs none)") if name == compare.DECAY else _(FIELDS[name].label)


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


def take_autostart() -> bool:
    """True once after an experiment or a Seeds-page button asked for training."""
    return bool(st.session_state.pop(AUTOSTART_KEY, False))


# --- choosing A and B ---------------------------------------------------------------------------

def comparison_controls(config: RunConfig) -> tuple[RunConfig, RunConfig]:
    """The 'what differs' selectbox and B's value; returns (run A, run B) and describes them."""
    st.session_state.setdefault(FIELD_KEY, compare.DECAY)
    left, right = st.columns(2)
    with left:
        name = st.selectbox(_("What differs between A and B"), compare.COMPARABLE, key=FIELD_KEY,
                            format_func=option_labels(compare.COMPARABLE, field_label),
                            help=_("Both runs use the sidebar's settings and the same random seed (so the same "
                                   "starting weights and batches wherever the setting allows); only this one differs."))
    if name == compare.DECAY:
        a, b = compare.decay_pair(config)
    else:
        with right:
            value_b = _value_b_widget(config, name)
        a, b = compare.comparison_pair(config, name, value_b)
    label_a, label_b = compare.describe_difference(a, b, _)
    st.markdown(_("**Run A:** {a} &nbsp;·&nbsp; **Run B:** {b} &nbsp;— everything else as in the sidebar.",
                  a=label_a, b=label_b))
    if a == b:
        st.warning(_("B is identical to A ({a}): choose a different value for B.", a=label_a))
    return a, b


def _value_b_widget(config: RunConfig, name: str) -> Any:
    spec, key, current = FIELDS[name], value_key(name), getattr(config, name)
    label = _("Run B's {setting}", setting=_(spec.label).lower())
    if spec.choices:
        options = [choice for choice in spec.choices if choice != current]
        if st.session_state.get(key) not in options:
            preferred = [choice for choice in PREFERRED_B.get(name, ()) if choice in options]
            st.session_state[key] = (preferred or options)[0]
        return st.selectbox(label, options, key=key, help=_(spec.help),
                            format_func=option_labels(options, choice_text))
    first, second = NUMBER_B[name]
    if not isinstance(st.session_state.get(key), type(first)):
        st.session_state[key] = first if first != current else second
    if isinstance(first, int):
        return st.number_input(label, int(spec.low), int(spec.high), step=1, key=key, help=_(spec.help))
    return st.number_input(label, float(spec.low), float(spec.high), step=0.0001, format="%g", key=key,
                           help=_(spec.help))


# --- what a visitor watches ---------------------------------------------------------------------

@dataclass(eq=False)
class Watched:
    """One run of the pair as this visitor sees it: its job (once asked for) and what became of it."""

    letter: str
    label: str
    config: RunConfig
    per_epoch: int
    job: Job | None = None
    left: bool = False  # this visitor stopped watching while others keep it training
    left_view: JobView | None = None  # what it looked like then
    refusal: JobRefused | None = None

    @property
    def name(self) -> str:
        """Legend name, e.g. 'A: schedule = exponential'."""
        text = f"{self.letter}: {self.label}"
        return text if len(text) <= 48 else text[:47] + "…"

    @property
    def going(self) -> bool:
        """Queued or training, and still watched by this visitor."""
        return self.job is not None and self.job.active and not self.left

    def view(self) -> JobView | None:
        if self.left:
            return self.left_view
        return None if self.job is None else job_layer.manager().view(self.job)

    def result(self) -> trainer.TrainResult | None:
        """The finished (or stopped) run, once there is one."""
        if self.job is None or self.job.active or self.left:
            return None
        return job_layer.manager().result(self.job)

    def identity(self) -> tuple:
        """A key for figures of this run: its config when complete (shared), else its job."""
        if self.job is not None and self.job.status == jobs.DONE:
            return ("run", resources.dataset_key(), self.config.key())
        return ("job", self.job.id if self.job is not None else 0)

    def curve(self) -> curves.CurveData:
        """What the chart draws, from the result or else from the progress so far (finite evaluations only)."""
        result = self.result()
        if result is not None:
            steps = np.arange(1, len(result.step_loss) + 1)
            return curves.CurveData(self.name, steps / self.per_epoch, result.step_loss, result.step_lr,
                                    _finite(result.evaluations), steps)
        view = self.view()
        points = view.points if view is not None else np.empty((0, 3))
        evaluations = view.evaluations if view is not None else ()
        return curves.CurveData(self.name, points[:, 0] / self.per_epoch, points[:, 1], points[:, 2],
                                _finite(evaluations), points[:, 0].astype(np.int64))


def _finite(evaluations) -> list[trainer.Evaluation]:
    return [e for e in evaluations
            if all(math.isfinite(v) for v in (e.train_loss, e.val_loss, e.train_accuracy, e.val_accuracy))]


@dataclass(eq=False)
class Comparison:
    """Runs A and B of one comparison."""

    runs: list[Watched] = field(default_factory=list)
    seen_with: tuple[str, ...] = ()  # the sidebar's pair (config keys) when this was last shown going

    @classmethod
    def of(cls, pair: tuple[RunConfig, RunConfig]) -> Comparison:
        """The pair, not yet asked for: runs already finished on this server come with a finished job."""
        runs = []
        for letter, label, config in zip("AB", compare.describe_difference(*pair, _), pair):
            n_train = resources.split_sizes_for(config)[0]
            _batch, per_epoch, _total = trainer.plan(config, n_train)
            runs.append(Watched(letter, label, config, per_epoch))
        return cls(runs)

    @property
    def pair(self) -> tuple[RunConfig, ...]:
        return tuple(run.config for run in self.runs)

    @property
    def going(self) -> bool:
        return any(run.going for run in self.runs)

    @property
    def finished(self) -> bool:
        """Every run has a result."""
        return all(run.result() is not None for run in self.runs)

    @property
    def refused(self) -> list[Watched]:
        return [run for run in self.runs if run.refusal is not None]

    def jobs(self) -> list[Job]:
        return [run.job for run in self.runs if run.job is not None]

    def curves(self) -> list[curves.CurveData]:
        return [run.curve() for run in self.runs]


def same_configs(first, second) -> bool:
    """Equal configs, compared by value (Streamlit re-imports edited modules, which makes classes differ)."""
    return [config.key() for config in first] == [config.key() for config in second]


def _keys(pair) -> tuple[str, ...]:
    return tuple(config.key() for config in pair)


def stored_comparison() -> Comparison | None:
    """The comparison this visitor last trained or viewed (kept across reruns and pages)."""
    return st.session_state.get(COMPARISON_KEY)


def start(pair: tuple[RunConfig, RunConfig]) -> Comparison:
    """Ask for both runs (joining or reusing identical ones); this visitor leaves its other jobs."""
    manager = job_layer.manager()
    previous = stored_comparison()
    keep = {config.key() for config in pair}
    for run in previous.runs if previous is not None else ():
        if run.going and run.config.key() not in keep:
            manager.leave(run.job, job_layer.me())
    comparison = Comparison.of(pair)
    comparison.seen_with = _keys(pair)
    for run in comparison.runs:
        try:
            run.job = job_layer.request(run.config)
        except JobRefused as refusal:
            run.refusal = refusal
    if comparison.refused:  # all or nothing: a lone run is no comparison
        for run in comparison.runs:
            if run.job is not None:
                manager.leave(run.job, job_layer.me())
                run.job = None
    st.session_state[COMPARISON_KEY] = comparison
    for job in comparison.jobs():
        my_runs.remember(job, "train")
    manager.wait(comparison.jobs(), QUICK_WAIT_SECONDS)
    return comparison


def answered_by_store(pair: tuple[RunConfig, RunConfig]) -> Comparison | None:
    """The comparison, finished, when the server already holds both runs; else None (nothing is trained)."""
    if any(job_layer.finished_run(config) is None for config in pair):
        return None
    return start(pair)


def stop_watching() -> None:
    """The Stop button: this visitor leaves both runs; a run nobody else watches stops within a step."""
    comparison = stored_comparison()
    if comparison is None:
        return
    manager = job_layer.manager()
    for run in comparison.runs:
        if run.going:
            manager.leave(run.job, job_layer.me())
            if run.job.active and not run.job.cancelling:  # others still watch it: it goes on for them
                run.left_view = manager.view(run.job)
                run.left = True


# --- the live view ------------------------------------------------------------------------------

def status_line(run: Watched) -> str:
    """One line on where a run is: waiting in line, training, finished, stopped, failed."""
    view = run.view()
    if run.left:
        return _("Run {letter}: you stopped watching at step {step:,}; it goes on for the other visitors "
                 "watching it.", letter=run.letter, step=view.steps_done)
    if view is None:
        return _("Run {letter}: not started.", letter=run.letter)
    if view.status == jobs.QUEUED:
        return _("Run {letter}: waiting, number {position} in line, starts in about {wait:.0f} s.",
                 letter=run.letter, position=view.position, wait=max(view.wait_seconds, 1))
    if view.status == jobs.RUNNING:
        line = _("Run {letter}: step {step:,} of {total:,}", letter=run.letter, step=view.steps_done,
                 total=view.total_steps)
        if view.cancelling:
            line += " · " + _("stopping…")
        elif view.watchers > 1:
            line += " · " + ngettext("{n} other visitor watches it too", "{n} other visitors watch it too",
                                     view.watchers - 1)
        return line
    if view.status == jobs.FAILED and view.error is not None:
        return _("Run {letter}: ", letter=run.letter) + _(view.error[0], **view.error[1])
    return _("Run {letter}: finished.", letter=run.letter)


def live(comparison: Comparison) -> None:
    """Draw the runs as they train, refreshed every :data:`LIVE_SECONDS` by a fragment."""

    @st.fragment(run_every=LIVE_SECONDS)
    def watch() -> None:
        current = stored_comparison()
        if current is None or not current.going:
            st.rerun()  # the whole page: show the results
        with guarded(_("the live view")):
            _draw(current)

    watch()


def _draw(current: Comparison) -> None:
    """The live view's contents: progress, the Stop button, the chart so far."""
    views = [run.view() for run in current.runs]
    done = sum(view.steps_done for view in views if view is not None)
    total = sum(view.total_steps for view in views if view is not None)
    st.progress(min(done / max(total, 1), 1.0), text=" · ".join(status_line(run) for run in current.runs))
    st.button(_("Stop training"), key="train.stop", icon=":material/stop:", on_click=stop_watching,
              help=_("Stops both runs where they are; their curves and weights so far are kept. A run that "
                     "other visitors also watch goes on for them."))
    runs = current.curves()
    # The summary says where each run stands; the numbers come as a table with the finished chart (a table
    # rebuilt every second cost the server more than the chart itself).
    charts.show_chart(live_figure(current, views, runs), key="train.curves.live", summary=charts.curves_summary(runs))
    st.caption(_("The runs train in the server's worker processes: you can move sliders or visit other pages "
                 "meanwhile, and come back here to see them."))


def live_figure(current: Comparison, views: list[JobView | None], runs: list[curves.CurveData]) -> go.Figure:
    """The live chart, built once per new piece of progress and shared by everyone watching the same runs.

    Streamlit turns a ready ``Figure`` into JSON cheaply; building one (validation included) is what
    costs, so watchers of the same jobs at the same moment share one.
    """
    texts = {"loss": _("loss"), "accuracy": _("accuracy"), "epoch": _("epoch"), "batch loss": _("batch loss"),
             "train": _("train"), "validation": _("validation")}
    progress = tuple((run.identity(), run.name, view.steps_done if view else 0, len(view.evaluations) if view else 0)
                     for run, view in zip(current.runs, views))
    key = ("live", progress, tuple(texts.values()))
    return resources.server_cache("figures").get_or_compute(
        key, lambda: go.Figure(live_chart.live_curves(runs, height=LIVE_HEIGHT, texts=texts)))


def show_refusals(comparison: Comparison) -> None:
    """Why the server would not train the pair, and what to lower."""
    for run in comparison.refused:
        refusal = run.refusal
        text = _("Run {letter} was not started. ", letter=run.letter) + _(refusal.template, **refusal.values)
        tips = [_(template, **values) for template, values in refusal.tips]
        if tips:
            text += "\n\n" + _("Any one of these would make it fit:") + "\n" + "\n".join(f"- {tip}" for tip in tips)
        st.error(text, icon=":material/block:")


def plan_text(comparison: Comparison) -> str:
    """How many steps each run takes, e.g. 'Each run: 4,692 steps of 128 images (12 epochs of 50,000).'"""
    parts = []
    for run in comparison.runs:
        n = resources.split_sizes_for(run.config)[0]
        batch, per_epoch, total = trainer.plan(run.config, n)
        parts.append(_("{steps:,} steps of {batch:,} images ({epochs:.3g} epochs of {n:,})",
                       steps=total, batch=batch, epochs=total / per_epoch, n=n))
    if parts[0] == parts[1]:
        return _("Each run: {plan}.", plan=parts[0])
    return _("Run A: {a}; run B: {b}.", a=parts[0], b=parts[1])


def prompt(comparison: Comparison) -> None:
    """Before training: an empty chart, what pressing Train will do, and which run is cached already."""
    charts.show_chart(curves.training_curves([], height=280, translate=_), key="train.curves.empty",
                      summary=_("An empty chart: nothing has been trained yet."))
    st.info(_("Press **Train both runs** to watch A and B learn side by side."))
    cached = [run.letter for run in comparison.runs if job_layer.finished_run(run.config) is not None]
    if cached:
        st.caption(_("Run {letter} is already in this server's cache; only the other run will be trained.",
                     letter=cached[0]))
    st.caption(plan_text(comparison))


# --- the page's main area -----------------------------------------------------------------------

def training_area(pair: tuple[RunConfig, RunConfig], start_now: bool) -> None:
    """Start the pair (when asked), watch the visitor's runs live, or show what is known about them.

    Runs the visitor started keep being shown (and keep training) when the sidebar changes; a
    finished comparison gives way to the sidebar's new pair.
    """
    from ui import train_results  # results need this module's Comparison; imported here to avoid a cycle

    comparison = stored_comparison()
    from_store = False
    if start_now and not same_configs(pair[:1], pair[1:]):
        comparison = start(pair)
    elif comparison is None or (not comparison.going and comparison.seen_with != _keys(pair)):
        comparison = answered_by_store(pair)
        from_store = comparison is not None
        if comparison is None:
            prompt(Comparison.of(pair))
            return
    if comparison.refused:
        show_refusals(comparison)
        prompt(comparison)
        return
    if comparison.going:
        comparison.seen_with = _keys(pair)  # its results will show under the sidebar it was watched with
        if not same_configs(comparison.pair, pair):
            st.info(_("These are the runs you started earlier; they keep training. The sidebar now describes "
                      "another pair: press **Train both runs** to train that one instead."))
        live(comparison)
        return
    if from_store:
        st.success(_("Both runs were already trained on this server with exactly these settings and this data, "
                     "so they are shown from the cache: no training needed."))
    train_results.show_results(comparison)
