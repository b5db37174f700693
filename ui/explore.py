"""The Explore page's set-up: widgets ↔ :class:`~explainer.sweeps.SweepSpec` ↔ URL, the budget, start and cancel.

The whole sweep lives in the URL (``sweep``, ``sampler``, ``trials``,
``seeds``; the base config is the sidebar's own keys), so a teacher can send
a sweep as a link. A link is read once when it arrives; after that the
widgets are the truth and the URL follows them. The last valid sweep is also
kept in the session (Streamlit forgets a page's widgets while the visitor is
on another page, and a page switch clears the URL's sweep keys).

Before a sweep starts the page shows what it will cost (runs and estimated
CPU time) and refuses it, with what to lower, above the server's limits.
Starting makes a :class:`~explainer.sweep_runner.SweepRunner` kept in this
session; it drives the sweep's jobs from its own thread while the page only
watches (:mod:`ui.explore_results`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from explainer import costs
from explainer.config import RunConfig
from explainer.i18n import N_, render
from explainer.sweep_analysis import setting_label, shown
from explainer.sweep_runner import Budget, SweepRunner
from explainer.sweeps import (MAX_AXES, MAX_SEEDS, MAX_TRIALS, MAX_VALUES, SAMPLERS, SWEEPABLE, Axis, SweepError,
                              SweepSpec, axis_bounds, axis_choices, axis_kind, check_configs, parse_axis, spaced)
from ui import jobs as job_layer
from ui import resources
from ui.i18n import _, ngettext, option_labels
from ui.text import inert

URL_KEYS = ("sweep", "sampler", "trials", "seeds")
RUNNER_KEY = "explore.runner"
SAVED_KEY = "explore.saved"  # the last valid sweep as URL query values (survives visits to other pages)
READ_KEY = "explore.read"  # the sweep query last read from a link
NOTICE_KEY = "explore.notice"
ERROR_KEY = "explore.start_error"
COUNT_KEY = "explore.count"
SAMPLER_KEY = "explore.sampler"
TRIALS_KEY = "explore.trials"
SEEDS_KEY = "explore.seeds"
DEFAULT_QUERY = {"sweep": "learning_rate:0.01,0.1,1*log;batch_size:32,128", "sampler": "grid", "seeds": "1"}
DEFAULT_NAMES = ("learning_rate", "batch_size", "activation")
GRID_MODES = ("list", "linear", "log")
RANGE_MODES = ("list", "range", "logrange")
MODE_LABELS = {"list": N_("Typed"), "linear": N_("Evenly spaced"), "log": N_("Log-spaced"),
               "range": N_("Range"), "logrange": N_("Log range")}
SAMPLER_LABELS = {"grid": N_("Grid"), "random": N_("Random"), "tpe": N_("TPE (Optuna)")}
SAMPLER_HELP = N_("Grid trains every combination of the values. Random draws points from the ranges. TPE (Optuna's "
                  "Tree-structured Parzen Estimator) also draws them, but more often near the best points so far.")
TYPICAL = {  # starting values when a setting is picked: (typed text, low, high, count, log)
    "learning_rate": ("0.01, 0.1, 1", 0.001, 1.0, 4, True),
    "batch_size": ("32, 128", 16, 256, 3, True),
    "width": ("32, 128", 16, 256, 3, True),
    "depth": ("1, 2", 1, 3, 3, False),
    "l2": ("0, 0.0001, 0.001", 0.00001, 0.01, 4, True),
    "momentum": ("0, 0.9", 0.0, 0.9, 4, False),
    "init_scale": ("0.01, 0.1, 1", 0.001, 1.0, 4, True),
    "epochs": ("2, 5", 1, 10, 4, False),
    "decay_rate": ("0.9, 0.99", 0.5, 0.99, 4, False),
    "decay_steps": ("50, 200", 10, 1000, 4, True),
    "train_size": ("5000, 20000", 1000, 50000, 4, True),
    "steps": ("500, 2000", 100, 5000, 4, True),
}


def _key(index: int, name: str, part: str) -> str:
    """Widget key of one part of axis ``index`` while it varies ``name`` (each setting keeps its own values)."""
    return f"explore.axis{index}.{name}.{part}"


def _name_key(index: int) -> str:
    return f"explore.axis{index}.name"


def _typed(name: str, value: float) -> int | float:
    return int(round(value)) if axis_kind(name) == "int" else float(value)


def _defaults(index: int, name: str) -> None:
    """Give axis ``index``'s widgets for ``name`` typical starting values (keeps what the visitor typed)."""
    if axis_kind(name) == "choice":
        st.session_state.setdefault(_key(index, name, "choices"), list(axis_choices(name)))
        return
    low_bound, high_bound = axis_bounds(name)
    text, low, high, count, log = TYPICAL.get(name, (shown(_typed(name, low_bound)), low_bound, high_bound, 3, False))
    for part, value in (("mode", "list"), ("text", text), ("listlog", log), ("low", _typed(name, low)),
                        ("high", _typed(name, high)), ("count", count)):
        st.session_state.setdefault(_key(index, name, part), value)


def load(spec: SweepSpec) -> None:
    """Put a sweep into the widgets (before they are drawn in this run)."""
    st.session_state[COUNT_KEY] = len(spec.axes)
    st.session_state[SAMPLER_KEY] = spec.sampler
    if spec.sampler != "grid":
        st.session_state[TRIALS_KEY] = max(spec.trials, 1)
    st.session_state[SEEDS_KEY] = spec.seeds
    for index, axis in enumerate(spec.axes):
        st.session_state[_name_key(index)] = axis.name
        if axis.kind == "choice":
            st.session_state[_key(index, axis.name, "choices")] = list(axis.values)
        elif axis.is_range:
            st.session_state[_key(index, axis.name, "mode")] = "logrange" if axis.log else "range"
            st.session_state[_key(index, axis.name, "low")] = _typed(axis.name, axis.low)
            st.session_state[_key(index, axis.name, "high")] = _typed(axis.name, axis.high)
        else:
            st.session_state[_key(index, axis.name, "mode")] = "list"
            st.session_state[_key(index, axis.name, "text")] = ", ".join(shown(v) for v in axis.values)
            st.session_state[_key(index, axis.name, "listlog")] = axis.log


def _query_in_link() -> dict[str, str]:
    return {key: st.query_params[key] for key in URL_KEYS if key in st.query_params}


def read_link(base: RunConfig) -> None:
    """Fill the widgets from the link when it carries a sweep not read yet, else from the session's last sweep.

    A broken sweep in a link leaves the widgets as they were and says why (quoting the link inertly).
    """
    query = _query_in_link()
    if query.get("sweep") and query != st.session_state.get(READ_KEY):
        st.session_state[READ_KEY] = query
        try:
            load(SweepSpec.from_query(query, base))
            return
        except SweepError as error:
            st.session_state[NOTICE_KEY] = _("The sweep in this link could not be used ({reason}); showing the "
                                             "last one instead.", reason=inert(render(error, _), limit=160))
    if COUNT_KEY not in st.session_state:
        load(SweepSpec.from_query(st.session_state.get(SAVED_KEY, DEFAULT_QUERY), base))


def write_link(spec: SweepSpec) -> None:
    """Keep the URL's sweep keys (and the session's copy) in step with a valid sweep."""
    query = spec.to_query()
    st.session_state[SAVED_KEY] = query
    st.session_state[READ_KEY] = query  # what the URL now says is not news
    for key in URL_KEYS:
        if key in query and st.query_params.get(key) != query[key]:
            st.query_params[key] = query[key]
        elif key not in query and key in st.query_params:
            del st.query_params[key]


# --- the widgets ----------------------------------------------------------------------------------

def _label(name: str) -> str:
    return _(setting_label(name))


def axis_widgets(index: int, sampler: str) -> Axis:
    """The widgets of one varied setting; returns its :class:`Axis` (raises SweepError when it is not valid)."""
    st.session_state.setdefault(_name_key(index), DEFAULT_NAMES[index])
    name = st.selectbox(_("Setting {number}", number=index + 1), SWEEPABLE, key=_name_key(index),
                        format_func=option_labels(SWEEPABLE, _label))
    _defaults(index, name)
    if axis_kind(name) == "choice":
        chosen = st.multiselect(_("Values"), axis_choices(name), key=_key(index, name, "choices"), format_func=shown,
                                placeholder=_("Choose one or more values"))  # Streamlit's own is English
        if not chosen:
            raise SweepError(_("{setting}: choose at least one value", setting=_label(name)))
        return Axis(name, tuple(chosen))
    modes = GRID_MODES if sampler == "grid" else RANGE_MODES
    mode_key = _key(index, name, "mode")
    if st.session_state.get(mode_key) not in modes:
        st.session_state[mode_key] = "list"
    mode = st.segmented_control(_("Values"), modes, key=mode_key, required=True,
                                format_func=option_labels(modes, lambda m: _(MODE_LABELS[m])),
                                help=_("Typed: the values you list. Spaced: that many values from low to high, "
                                       "evenly or logarithmically. Range: random and TPE draw from low to high."))
    if mode == "list":
        text = st.text_input(_("Values, separated by commas"), key=_key(index, name, "text"), max_chars=200)
        log = st.checkbox(_("Logarithmic axis"), key=_key(index, name, "listlog"),
                          help=_("Draw this setting on a log scale (for values like 0.001, 0.01, 0.1)."))
        return parse_axis(f"{name}:{text.replace(';', ',')}" + ("*log" if log else ""))
    low, high = _range_inputs(index, name)
    if mode in ("linear", "log"):
        count = st.number_input(_("How many values"), 2, MAX_VALUES, step=1, key=_key(index, name, "count"))
        return spaced(name, low, high, int(count), mode == "log")
    return Axis(name, low=low, high=high, log=mode == "logrange")


def _range_inputs(index: int, name: str) -> tuple[float, float]:
    bottom, top = axis_bounds(name)
    left, right = st.columns(2)
    if axis_kind(name) == "int":
        options = dict(min_value=int(bottom), max_value=int(top), step=1)
    else:
        options = dict(min_value=float(bottom), max_value=float(top), format="%g", step=None)
    low = left.number_input(_("From"), key=_key(index, name, "low"), **options)
    high = right.number_input(_("To"), key=_key(index, name, "high"), **options)
    return low, high


def setup(base: RunConfig) -> SweepSpec | None:
    """Draw the sweep's widgets; the sweep they describe, or None after showing what is wrong with it."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice, icon=":material/link_off:")
    count = st.segmented_control(_("Settings to vary"), list(range(1, MAX_AXES + 1)), key=COUNT_KEY, required=True,
                                 help=_("One setting draws a line, two a heatmap, three a heatmap per value of the "
                                        "third. Everything else stays as in the sidebar."))
    sampler = st.segmented_control(_("Sampler"), SAMPLERS, key=SAMPLER_KEY, required=True,
                                   format_func=option_labels(SAMPLERS, lambda s: _(SAMPLER_LABELS[s])),
                                   help=_(SAMPLER_HELP))
    axes, problems = [], []
    for index, column in enumerate(st.columns(MAX_AXES)):
        if index >= (count or 1):
            continue
        with column, st.container(border=True):
            try:
                axes.append(axis_widgets(index, sampler))
            except SweepError as error:
                problems.append(render(error, _))
    left, right = st.columns(2)
    seeds = left.slider(_("Seeds per point"), 1, MAX_SEEDS, key=SEEDS_KEY,
                        help=_("Each point is trained with this many seeds (different initial weights and batch "
                               "orders). Two or more show how much luck alone moves the result."))
    trials = 0
    if sampler != "grid":
        st.session_state.setdefault(TRIALS_KEY, 20)
        trials = right.number_input(_("Points to try"), 1, MAX_TRIALS, step=1, key=TRIALS_KEY)
    if problems:
        st.error(_("This sweep cannot run yet: {reason}", reason=inert(problems[0], limit=200)),
                 icon=":material/error:")
        return None
    try:
        spec = SweepSpec(base, tuple(axes), sampler, int(trials), int(seeds))
        check_configs(spec)
    except SweepError as error:
        st.error(_("This sweep cannot run yet: {reason}", reason=inert(render(error, _), limit=200)),
                 icon=":material/error:")
        return None
    write_link(spec)
    return spec


# --- budget, start and cancel --------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """What a sweep will cost here and whether this server takes it; ``refusals`` are sentences."""

    budget: Budget
    dearest: float  # estimated CPU seconds of its costliest run
    refusals: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals


def sizes() -> tuple[int, int]:
    """(training images, test images) of the server's dataset."""
    data = resources.mnist()
    return len(data.train_labels), len(data.test_labels)


def plan(spec: SweepSpec) -> Plan:
    """The sweep's budget against this server's limits (sweep runs, sweep CPU time, time per run)."""
    settings = resources.settings()
    budget = Budget.of(spec, sizes())
    dearest = budget.seconds / max(budget.runs, 1)
    if spec.sampler == "grid":
        dearest = max(costs.estimate(spec.config_at(point), *sizes()).seconds for point in spec.grid())
    max_runs = getattr(settings, "max_sweep_runs", 500)
    max_seconds = getattr(settings, "max_sweep_seconds", 14400.0)
    refusals = []
    if budget.runs > max_runs:
        refusals.append(_("It has {runs:,} runs; this server allows {limit:,} per sweep. Use fewer values, points or "
                          "seeds.", runs=budget.runs, limit=max_runs))
    if budget.seconds > max_seconds:
        refusals.append(_("It needs about {minutes:,.0f} CPU-minutes; this server allows {limit:,.0f} per sweep. Fewer "
                          "epochs, fewer training images (sidebar) or fewer runs would fit.",
                          minutes=budget.seconds / 60, limit=max_seconds / 60))
    if dearest > settings.max_job_seconds:
        refusals.append(_("Its costliest run needs about {minutes:.1f} CPU-minutes; this server allows {limit:.1f} per "
                          "run.", minutes=dearest / 60, limit=settings.max_job_seconds / 60))
    return Plan(budget, dearest, tuple(refusals))


def show_plan(spec: SweepSpec, found: Plan) -> None:
    """The cost before starting, and the refusal (with what to lower) above the limits."""
    settings = resources.settings()
    workers = max(1, int(getattr(settings, "workers", 1)))
    minutes, wall = found.budget.seconds / 60, found.budget.seconds / 60 / workers
    if found.budget.seconds < 90:
        seconds = max(round(found.budget.seconds), 1)
        cost = ngettext("about **{n} CPU-second** in all", "about **{n} CPU-seconds** in all", seconds)
    else:
        cost = _("about **{minutes:.1f} CPU-minutes** in all: roughly {wall:.1f} minutes on this server's {workers} "
                 "workers when nobody else trains", minutes=minutes, wall=wall, workers=workers)
    text = ngettext("**{runs:,} runs** ({points:,} points × {n} seed), {cost}.",
                    "**{runs:,} runs** ({points:,} points × {n} seeds), {cost}.", spec.seeds,
                    runs=found.budget.runs, points=spec.points_planned, cost=cost)
    if spec.sampler != "grid":
        text += " " + _("(Random and TPE points are costed at the dearest end of each range.)")
    if found.allowed:
        st.markdown(text)
        st.caption(_("Runs anyone already trained on this server with the same settings come from its store at once."))
    else:
        st.error(text + "\n\n" + _("This server will not start it:") + "\n"
                 + "\n".join(f"- {reason}" for reason in found.refusals), icon=":material/block:")


def runner() -> SweepRunner | None:
    """This visitor's current (or last) sweep."""
    return st.session_state.get(RUNNER_KEY)


def start(spec: SweepSpec) -> None:
    """Button callback: cancel the visitor's running sweep, then start ``spec``."""
    previous = runner()
    if previous is not None and not previous.done:
        previous.cancel()
    st.session_state.pop(ERROR_KEY, None)
    try:
        st.session_state[RUNNER_KEY] = SweepRunner(spec, job_layer.manager(), job_layer.dataset(), sizes(),
                                                   f"{job_layer.me()}/sweep").start()
    except SweepError as error:
        st.session_state[ERROR_KEY] = render(error, _)


def cancel() -> None:
    """Button callback: stop the sweep; its queued runs are dropped, running ones stop unless others watch them."""
    current = runner()
    if current is not None and not current.done:
        current.cancel()


def controls(spec: SweepSpec | None) -> None:
    """The budget, and the Start / Cancel buttons."""
    current = runner()
    going = current is not None and not current.done
    found = plan(spec) if spec is not None else None
    if spec is not None:
        show_plan(spec, found)
    left, right = st.columns([1, 3])
    left.button(_("Start the sweep"), type="primary", icon=":material/play_arrow:", key="explore.start",
                disabled=found is None or not found.allowed, on_click=start, args=(spec,),
                help=_("Every run is a shared job: trained once per server, queued fairly next to other visitors' "
                       "runs. Starting a new sweep cancels your running one."))
    if going:
        right.button(_("Cancel the sweep"), icon=":material/stop:", key="explore.cancel", on_click=cancel,
                     help=_("Queued runs are dropped; running ones stop unless another visitor watches them."))
    error = st.session_state.get(ERROR_KEY)
    if error:
        st.error(_("This sweep cannot run: {reason}", reason=inert(error, limit=200)), icon=":material/error:")


def point_text(point: dict[str, Any]) -> str:
    """'Learning rate = 0.1, Batch size = 32' in the visitor's language."""
    return ", ".join(f"{_label(name)} = {shown(value)}" for name, value in point.items())
