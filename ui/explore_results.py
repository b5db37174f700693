"""The Explore page's results: the sweep filling in live, why a setting wins, why a run failed, and where to go next.

Nothing here trains. The visitor's :class:`~explainer.sweep_runner.SweepRunner`
drives its jobs from its own thread; while it runs, a fragment
(:func:`live`) redraws the progress, the main chart and the runs table every
:data:`LIVE_SECONDS`. Once it has ended the page draws everything, including
the analyses (:mod:`explainer.sweep_analysis`), which are too costly to redo
every second. Clicking a cell (or choosing it in the box under the chart)
explains it: its seeds, its failure causes, and buttons that open it on
Evaluate or Draw. Two cells go to the Train page as runs A and B when they
differ in one setting the Train page can compare.
"""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from explainer import compare
from explainer import sweep_analysis as analysis
from explainer.config import FIELDS
from explainer.figures import sweeps as figures
from explainer.i18n import render
from explainer.sweep_analysis import Cell, setting_label
from explainer.sweep_runner import SweepRunner
from explainer.sweeps import SweepRecord
from ui import charts, my_runs, state, training
from ui import explore as setup
from ui import jobs as job_layer
from ui.errors import guarded
from ui.i18n import _, language, ngettext, option_labels

LIVE_SECONDS = 1.0
CHART_KEY = "explore.chart"
CELL_KEY = "explore.cell"
PAIR_KEYS = ("explore.pair.a", "explore.pair.b")
MESSAGE_KEY = "explore.message"
REMEMBERED_KEY = "explore.remembered"
MEMO_KEY = "explore.memo"
SWITCH_KEY = "explore.switch"
PAGES = {"train": "pages/train.py", "evaluate": "pages/evaluate.py", "draw": "pages/draw.py"}


def say(sentence: tuple[str, dict]) -> str:
    """A core sentence (template, values) in the visitor's language (the setting's label translated too, and
    any value that is a message itself, e.g. why a run diverged)."""
    template, values = sentence
    values = dict(values)
    if "setting" in values:
        values["setting"] = _(values["setting"])
    return render((template, values), _)


def memo(runner: SweepRunner, key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``, kept for the session while ``runner`` is its last finished sweep (whose runs no longer change).

    A finished 12 × 12 sweep's figures and analyses take about a second to build; any click on the page
    reruns it. Only the current sweep's are kept (in the visitor's language), so the memo stays small.
    """
    if not runner.done:
        return build()
    kept = st.session_state.get(MEMO_KEY)
    if kept is None or kept[0] is not runner:
        kept = (runner, {})
        st.session_state[MEMO_KEY] = kept
    key = (language(), *key)
    if key not in kept[1]:
        kept[1][key] = build()
    return kept[1][key]


def switch_if_asked() -> None:
    """Open the page a button asked for (call at the top of the page: a callback cannot switch pages under
    AppTest, which runs the page scripts without the app's navigation)."""
    target = st.session_state.pop(SWITCH_KEY, None)
    if target in PAGES:
        st.switch_page(PAGES[target])


def _cells(runner: SweepRunner) -> tuple[list[SweepRecord], list[Cell]]:
    records = runner.records()
    return records, analysis.cells(records, runner.spec.names)


def _remember_finished(runner: SweepRunner, records: list[SweepRecord]) -> None:
    """File this sweep's finished runs under My runs (once each)."""
    seen = st.session_state.setdefault(REMEMBERED_KEY, {})
    done = seen.setdefault(id(runner), set())
    for index, record in enumerate(records):
        if index not in done and record.finished and record.status != "cancelled":
            my_runs.remember(record, "sweep")
            done.add(index)


# --- the main chart -------------------------------------------------------------------------------

def main_figure(runner: SweepRunner, records: list[SweepRecord], found: list[Cell], live: bool):
    """The chart that fits the sweep: line (1 setting), heatmap (2), small multiples (3), scatter (random/TPE)."""
    spec = runner.spec
    live_loss = {}
    if live:
        position = {id(record): index for index, record in enumerate(records)}
        for k, cell in enumerate(found):
            running = next((r for r in cell.records if r.status == "running"), None)
            if running is not None:
                live_loss[k] = runner.live_loss(position[id(running)])
    translate = _
    if len(spec.axes) == 1:
        return figures.seed_line(found, spec.axes[0], translate=translate)
    if spec.sampler != "grid":
        return figures.sweep_scatter(found, spec.axes[0], spec.axes[1], translate=translate)
    if len(spec.axes) == 2:
        return figures.sweep_heatmap(found, spec.axes[0], spec.axes[1], translate=translate, live_loss=live_loss)
    return figures.small_multiples(found, spec.axes, translate=translate, live_loss=live_loss)


def chart_summary(runner: SweepRunner, found: list[Cell]) -> str:
    """One sentence for the main chart: how many points are measured and which is best so far."""
    measured = sum(1 for cell in found if cell.mean is not None)
    best = analysis.best_cell([cell for cell in found if cell.mean is not None]) or next(
        (cell for cell in found if cell.mean is not None), None)
    text = _("Sweep over {settings}: {measured} of {total} points measured.",
             settings=", ".join(_(setting_label(n)) for n in runner.spec.names), measured=measured,
             total=runner.spec.points_planned)
    if best is not None:
        text += " " + _("Best so far: {point} with {accuracy:.1f}% validation accuracy.",
                        point=setup.point_text(best.point), accuracy=100 * best.mean)
    return text


def cells_table(runner: SweepRunner, found: list[Cell]) -> dict[str, list]:
    """The chart's numbers: one row per point (status, mean and spread, seeds, badges)."""
    return {_("point"): [setup.point_text(cell.point) for cell in found],
            _("status"): [_(figures.STATUS_WORDS.get(cell.status, cell.status)) for cell in found],
            _("mean validation accuracy"): ["—" if cell.mean is None else f"{100 * cell.mean:.2f}%" for cell in found],
            _("spread over seeds"): ["—" if cell.spread is None else f"± {100 * cell.spread:.2f}" for cell in found],
            _("seeds finished"): [f"{len(cell.scores)} / {len(cell.records)}" for cell in found],
            _("failure causes"): [", ".join(_(c.badge) for c in cell.causes) for cell in found]}


def _clicked() -> None:
    """Chart callback: the clicked cell becomes the one explained below the chart."""
    event = st.session_state.get(CHART_KEY)
    points = event.selection.points if event is not None and event.selection else []
    for point in points:
        data = point.get("customdata")
        data = data[0] if isinstance(data, list) and data else data
        if isinstance(data, (int, float)):
            st.session_state[CELL_KEY] = int(data)
            return


def show_main_chart(runner: SweepRunner, records: list[SweepRecord], found: list[Cell], live: bool) -> None:
    """The main chart (click a cell to explain it) with its sentence and its numbers."""
    figure = memo(runner, ("main",), lambda: main_figure(runner, records, found, live))
    summary = chart_summary(runner, found)
    st.plotly_chart(figure, key=CHART_KEY, width="stretch", config=charts.PLAIN, alt=summary, on_select=_clicked,
                    selection_mode="points")
    st.caption(summary + " " + _("Every cell is a measured point, never an interpolation. Click one to see why it "
                                 "did well or badly."))
    with st.expander(_("The numbers in this chart"), icon=":material/table:"):
        charts.show_table(cells_table(runner, found), key="explore.chart.table")


def progress(runner: SweepRunner, records: list[SweepRecord]) -> None:
    """A progress bar with how many runs are done, running, queued, diverged or failed."""
    counts = {status: sum(1 for r in records if r.status == status) for status in figures.STATUS_WORDS}
    finished = sum(1 for r in records if r.finished)
    total = max(runner.spec.runs_planned, len(records), 1)
    parts = [f"{_(figures.STATUS_WORDS[s])}: {n}" for s, n in counts.items() if n]
    text = _("{finished} of {total} runs ended", finished=finished, total=total) + " · " + " · ".join(parts)
    st.progress(min(finished / total, 1.0), text=text)
    if runner.refusal is not None:
        refusal = runner.refusal
        st.error(_("The server stopped taking this sweep's runs: ") + _(refusal.template, **refusal.values),
                 icon=":material/block:")


def runs_table(records: list[SweepRecord]) -> None:
    """Every run of the sweep, sortable, with only the settings that differ between them."""
    frame = figures.runs_frame(records, translate=_)
    headers = {name: _(setting_label(name)) if name in FIELDS else name for name in frame.columns}
    headers.update(status=_("status"), val_accuracy=_("validation %"),
                   train_accuracy=_("training %"), test_accuracy=_("test %"), seconds=_("seconds"),
                   causes=_("failure causes"))
    st.dataframe(frame.rename(columns=headers), hide_index=True, width="stretch", key="explore.runs",
                 column_config={headers["val_accuracy"]: st.column_config.NumberColumn(format="%.2f"),
                                headers["train_accuracy"]: st.column_config.NumberColumn(format="%.2f"),
                                headers["test_accuracy"]: st.column_config.NumberColumn(format="%.2f")})


def live(runner: SweepRunner) -> None:
    """The sweep as it runs, redrawn every second; the whole page once it has ended."""

    @st.fragment(run_every=LIVE_SECONDS)
    def watch() -> None:
        current = setup.runner()
        if current is None or current.done:
            st.rerun()  # the whole page: the analyses come in
        with guarded(_("the live view")):  # a fragment rerun is outside the page's own guard
            records, found = _cells(current)
            _remember_finished(current, records)
            progress(current, records)
            show_main_chart(current, records, found, live=True)
            cell_panel(current, found)
            with st.expander(_("Every run so far"), icon=":material/table_rows:"):
                runs_table(records)

    watch()


# --- one cell: why it did well or badly, and where to open it ---------------------------------------

def _cell_options(found: list[Cell]) -> list[int]:
    return list(range(len(found)))


def cell_panel(runner: SweepRunner, found: list[Cell]) -> None:
    """The chosen cell explained: its seeds, mean and spread, failure causes, and buttons to open it elsewhere."""
    if not found:
        return
    if st.session_state.get(CELL_KEY) not in _cell_options(found):
        st.session_state[CELL_KEY] = 0
    index = st.selectbox(_("Explain a point"), _cell_options(found), key=CELL_KEY,
                         format_func=option_labels(_cell_options(found), lambda k: setup.point_text(found[k].point)),
                         help=_("Or click its cell in the chart."))
    cell = found[index]
    scores = ", ".join(f"{100 * r.val_accuracy:.2f}%" if r.val_accuracy is not None else
                       _(figures.STATUS_WORDS.get(r.status, r.status)) for r in cell.records)
    lines = [_("**{point}** — {status}. Seeds: {scores}.", point=setup.point_text(cell.point),
               status=_(figures.STATUS_WORDS.get(cell.status, cell.status)), scores=scores)]
    if cell.mean is not None:
        lines.append(_("Mean {mean:.2f}%.", mean=100 * cell.mean) if cell.spread is None else
                     _("Mean {mean:.2f}% ± {spread:.2f} points between seeds.", mean=100 * cell.mean,
                       spread=100 * cell.spread))
    st.markdown(" ".join(lines))
    for cause in cell.causes:
        seeds = "" if cell.records and len(cell.records) == 1 else " " + _(
            "(in {count} of {total} finished seeds)", count=cause.seeds[0], total=cause.seeds[1])
        st.warning(f"**{_(cause.badge)}** — " + say((cause.template, cause.values)) + seeds, icon=":material/warning:")
    if cell.finished and not cell.causes and cell.mean is not None:
        st.caption(_("No failure cause: it trained normally."))
    left, middle, _right = st.columns(3)
    record = next((r for r in cell.records if r.status in ("done", "stopped")), None)
    disabled = record is None
    left.button(_("Open on Evaluate"), key="explore.open.evaluate", icon=":material/grid_on:", disabled=disabled,
                on_click=open_cell, args=(record, "evaluate"))
    middle.button(_("Open on Draw"), key="explore.open.draw", icon=":material/draw:", disabled=disabled,
                  on_click=open_cell, args=(record, "draw"))
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        st.info(message)


def open_cell(record: SweepRecord | None, page: str) -> None:
    """Button callback: make the cell's first finished seed the visitor's model (and sidebar) and open ``page``."""
    if record is None:
        return
    result = job_layer.finished_run(record.config)
    if result is None:
        st.session_state[MESSAGE_KEY] = _("This run is no longer kept on this server (its store is bounded). "
                                          "Start the sweep again to train it once more.")
        return
    # A switch made by the script (st.switch_page) forgets every widget value not set in this callback, the
    # sidebar's preset included: set the whole sidebar here (the cell's config, the same preset).
    state.set_config(record.config, preset=state.preset_name())
    state.remember_result(result)
    st.session_state[SWITCH_KEY] = page


# --- two cells on the Train page ------------------------------------------------------------------

def train_pair(a, b) -> tuple[str | None, Any, str]:
    """How the Train page can compare configs ``a`` and ``b``: (field, B's value, '') or (None, None, why not).

    The Train page compares two runs that differ in one of :data:`explainer.compare.COMPARABLE`
    ('schedule' meaning decay vs none).
    """
    differing = [name for name in figures.differing_fields([a, b]) if name != "seed"]
    if not differing:
        return None, None, _("These two points are the same run.")
    if len(differing) == 1 and differing[0] in compare.COMPARABLE:
        name = differing[0]
        if name == compare.DECAY:
            if compare.decay_pair(a) == (a, b):
                return name, None, ""
            return None, None, _("The Train page compares a decaying schedule (A) with a constant one (B); pick A "
                                 "with decay and B without.")
        if compare.comparison_pair(a, name, getattr(b, name)) == (a, b):
            return name, getattr(b, name), ""
    names = ", ".join(_(figures_label(n)) for n in differing)
    comparable = ", ".join(_(figures_label(n)) for n in compare.COMPARABLE)
    if len(differing) > 1:
        return None, None, _("These points differ in {names}; the Train page compares runs that differ in one "
                             "setting only. Pick two points in the same row or column.", names=names)
    return None, None, _("The Train page cannot compare {names} yet (it compares {comparable}). Open each point "
                         "on Evaluate instead, or compare them here.", names=names, comparable=comparable)


def figures_label(name: str) -> str:
    """The label of a config field or a virtual setting (untranslated)."""
    return FIELDS[name].label if name in FIELDS else setting_label(name)


def send_to_train(a_record: SweepRecord, field: str, value_b: Any) -> None:
    """Button callback: the sidebar becomes A's config and the Train page trains A against B."""
    state.set_config(a_record.config, preset=state.preset_name())  # (see open_cell)
    training.request_training(field, value_b)
    st.session_state[SWITCH_KEY] = "train"


def pair_section(runner: SweepRunner, found: list[Cell]) -> None:
    """Choose two points and send them to the Train page as runs A and B (first seed of each)."""
    if len(found) < 2:
        return
    options = _cell_options(found)
    for key, default in zip(PAIR_KEYS, (0, 1)):
        if st.session_state.get(key) not in options:
            st.session_state[key] = default
    left, right = st.columns(2)
    point_name = option_labels(options, lambda k: setup.point_text(found[k].point))
    a = left.selectbox(_("Run A"), options, key=PAIR_KEYS[0], format_func=point_name)
    b = right.selectbox(_("Run B"), options, key=PAIR_KEYS[1], format_func=point_name)
    first_a, first_b = found[a].records[0], found[b].records[0]
    field, value_b, why_not = train_pair(first_a.config, first_b.config)
    st.button(_("Compare A and B on the Train page"), key="explore.pair.send", icon=":material/compare_arrows:",
              disabled=field is None, on_click=send_to_train, args=(first_a, field, value_b),
              help=_("Loads A's settings into the sidebar and trains A and B side by side, same weights and "
                     "batches (the first seed of each point)."))
    if why_not:
        st.caption(why_not)


# --- after the sweep: the analyses ----------------------------------------------------------------

def why_it_wins(runner: SweepRunner, records: list[SweepRecord]) -> None:
    """Per varied setting: matched-pair duels, the seed noise, a verdict, and Optuna's importance."""
    names = runner.spec.names
    importances = memo(runner, ("importance",), lambda: analysis.importance(records, runner.spec.axes))
    verdicts = analysis.why_it_wins(records, names, importances)
    best = analysis.best_cell(analysis.cells(records, names))
    if best is None:
        st.info(_("No run finished with a result, so there is nothing to compare yet."))
        return
    noise = analysis.noise_sentence(records, names)
    st.markdown(ngettext("Best point: **{point}**, {accuracy:.1f}% validation accuracy ({n} seed).",
                         "Best point: **{point}**, {accuracy:.1f}% validation accuracy (mean of {n} seeds).",
                         len(best.scores), point=setup.point_text(best.point), accuracy=100 * best.mean)
                + ("" if noise is None else " " + say(noise)))
    text, chart = st.columns([3, 2]) if importances else (st.container(), None)
    with text:
        for verdict in verdicts:
            st.markdown(f"**{_(setting_label(verdict.name))}.** " + " ".join(say(s) for s in verdict.sentences))
    if chart is not None:
        with chart:
            figure = memo(runner, ("importance bars",), lambda: figures.importance_bars(
                importances, translate=_, title=_("Optuna's importance")))
            top = max(importances, key=importances.get)
            charts.show_chart(figure, key="explore.importance",
                              summary=_("Bar chart of Optuna's importance: {setting} explains most ({share:.0%}).",
                                        setting=_(setting_label(top)), share=importances[top]),
                              table={_("setting"): [_(setting_label(n)) for n in importances],
                                     _("importance"): [f"{v:.0%}" for v in importances.values()]})
    st.caption(_("A matched pair is two runs that differ in this setting alone: same other settings, same seed, so "
                 "the same starting weights and batches wherever that is possible. Optuna's importance (PED-ANOVA) "
                 "asks instead which settings the best runs have in common; with few runs it is rough."))


def why_it_failed(found: list[Cell]) -> None:
    """Every point with a failure cause, explained (the same badges as on the chart)."""
    failed = [cell for cell in found if cell.causes]
    if not failed:
        st.success(_("No point diverged, stayed at chance, lost its ReLUs, saturated or overfitted."))
        return
    for cell in failed:
        badges = ", ".join(_(cause.badge) for cause in cell.causes)
        with st.expander(f"⚠ {setup.point_text(cell.point)}: {badges}"):
            for cause in cell.causes:
                count, total = cause.seeds
                seeds = " " + ngettext("({n} seed of {total})", "({n} seeds of {total})", count, total=total)
                st.markdown(f"**{_(cause.badge)}** — " + say((cause.template, cause.values))
                            + (seeds if total > 1 else ""))


def more_charts(runner: SweepRunner, records: list[SweepRecord]) -> None:
    """Learning curves faceted by one setting, and parallel coordinates over every finished run."""
    spec = runner.spec
    facets = [axis for axis in spec.axes if axis.values]
    if facets:
        facet_name = st.selectbox(_("Learning curves, one panel per value of"), [a.name for a in facets],
                                  key="explore.facet",
                                  format_func=option_labels([a.name for a in facets], lambda n: _(setting_label(n))))
        facet = next(a for a in facets if a.name == facet_name)
        colour = next((a for a in spec.axes if a.values and a.name != facet.name and len(a.values) <= 6), None)
        figure = memo(runner, ("curves", facet.name), lambda: figures.learning_curves(records, facet, colour,
                                                                                      translate=_))
        charts.show_chart(figure, key="explore.curves",
                          summary=_("Validation accuracy against epochs for every finished run, one panel per value "
                                    "of {setting}.", setting=_(setting_label(facet.name))))
    if len(spec.axes) > 1 or spec.sampler != "grid":
        figure = memo(runner, ("parallel",), lambda: figures.parallel_coordinates(records, spec.axes, translate=_))
        charts.show_chart(figure, key="explore.parallel",
                          summary=_("Parallel coordinates: every finished run is a line through its settings to its "
                                    "validation accuracy on the right."))


def finished(runner: SweepRunner) -> None:
    """The whole sweep once it has ended (or was cancelled): chart, analyses, table, next steps."""
    records, found = _cells(runner)
    _remember_finished(runner, records)
    if runner.state == "cancelled":
        st.warning(_("This sweep was cancelled; what finished before is shown."), icon=":material/stop:")
    progress(runner, records)
    show_main_chart(runner, records, found, live=False)
    cell_panel(runner, found)
    st.subheader(_("Why it wins"))
    why_it_wins(runner, records)
    st.subheader(_("Why it failed"))
    why_it_failed(found)
    st.subheader(_("Learning curves and every run"))
    more_charts(runner, records)
    runs_table(records)
    st.subheader(_("Compare two points on the Train page"))
    pair_section(runner, found)


def results() -> None:
    """The visitor's sweep: live while it runs, in full once it has ended, or a prompt before the first."""
    runner = setup.runner()
    if runner is None:
        st.info(_("Set up a sweep above and press **Start the sweep**: the chart fills in as runs finish."))
        return
    if runner.done:
        finished(runner)
    else:
        live(runner)
