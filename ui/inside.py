"""The Train page's look inside two finished runs: gradients, dead and saturated units, templates, the loss line.

The Train page calls :func:`inside_section` with runs A and B once they have
finished (or stopped). Everything drawn here was measured by the trainer
while the runs learned (:mod:`explainer.diagnostics`) and travels with each
:class:`~explainer.trainer.TrainResult`; this module only lays it out, two
sentences on what to notice under every chart. Widget keys start with ``inside.``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from explainer.compare import CHARTS, Experiment
from explainer.figures import diagnostics as figures
from explainer.trainer import TrainResult
from ui import charts, resources
from ui import inside_words as words
from ui.i18n import _, language

SNAPSHOT_KEY = "inside.templates.snapshot"
SHOW_KEY = "inside.show"  # the Train page's switch that shows this section

Run = tuple[str, str, "TrainResult | None"]


def _inside_runs(runs: Sequence[Run]) -> list[figures.InsideRun]:
    return [figures.InsideRun(f"{letter}: {label}" if len(label) < 40 else f"{letter}: {label[:39]}…",
                              result.diagnostics if result is not None else None,
                              result.config.activation if result is not None else "relu")
            for letter, label, result in runs]


def _kept(kind: tuple, runs: Sequence[Run], build: Callable[[], Any]) -> Any:
    """The figure ``build()`` makes, kept in the server's byte-bounded figure cache and shared by visitors.

    A finished result never changes: its config, the steps it ran and why it stopped identify it.
    """
    identity = tuple((label, None if result is None else (result.config.key(), len(result.step_loss),
                                                           result.stop_reason)) for _letter, label, result in runs)
    return resources.server_cache("figures").get_or_compute(("inside", *kind, language(), identity), build)


def _heading(chart: str, focus: Experiment | None) -> None:
    st.markdown(f"#### {_(CHARTS[chart])}")
    if focus is not None and focus.chart == chart and focus.pointer:
        st.info(_(focus.pointer), icon=":material/visibility:")


def inside_section(runs: Sequence[Run], focus: Experiment | None = None) -> None:
    """Four charts on what happened inside runs A and B while they learned, side by side.

    Parameters
    ----------
    runs : ``(letter, label, result)`` for each run, e.g. ``("A", "init = zeros", result)``;
        a result may be None or carry no diagnostics (trained before they were measured).
    focus : the one-click experiment being shown, if any; its chart gets its pointer sentence.
    """
    inside = _inside_runs(runs)
    st.subheader(_("Inside the network while it learned"))
    missing = [letter for (letter, _label, result) in runs if result is None or result.diagnostics is None]
    if missing:
        st.caption(_("Run {runs} was trained before these measurements existed, so its panels are empty; "
                     "train it again to see inside.", runs=" and ".join(missing)))
    if len(missing) == len(runs):
        return

    _heading("gradients", focus)
    table = words.layers_table(inside)
    charts.show_chart(_kept(("gradients",), runs, lambda: figures.gradients_figure(inside, translate=_)),
                      key="inside.gradients", summary=words.gradients_summary(inside), table=table)
    st.caption(_("Each line is one weight matrix, measured at every evaluation on the same 256 validation images: "
                 "the gradient per weight (top), each step's size next to the weights (middle, the green band is "
                 "the healthy 1e-3 to 1e-2) and the weights' size (bottom). A sigmoid passes back at most a quarter "
                 "of the gradient, so with sigmoid the lower layer's line sits far below (vanishing gradients), "
                 "and a layer whose updates fall below the band barely moves."))

    _heading("units", focus)
    charts.show_chart(_kept(("units",), runs, lambda: figures.units_figure(inside, translate=_)),
                      key="inside.units", summary=words.units_summary(inside), table=table)
    st.caption(_("A ReLU unit that outputs 0 for every image is dead: it gets no gradient and never comes back; a "
                 "sigmoid or tanh unit in its flat tails passes back almost none. The bottom row counts the "
                 "first layer's units that still differ: with all-zero weights every unit gets the same gradient, "
                 "so they stay one unit copied over and over."))

    _heading("templates", focus)
    _templates(runs)

    _heading("loss_line", focus)
    lines = figures.lines_of(inside)
    charts.show_chart(_kept(("loss_line",), runs, lambda: figures.loss_line_figure(lines, translate=_)),
                      key="inside.loss_line", summary=words.loss_line_summary(lines),
                      table=words.loss_line_table(lines))
    st.caption(_("The loss on a fixed batch of training images along the straight line from the starting weights "
                 "(t = 0) to the trained ones (t = 1), and a little beyond (Goodfellow, Vinyals and Saxe, 2015). "
                 "Most runs find a smooth valley on this line, so the winding path the optimiser took could have "
                 "been a straight walk downhill; a flat line means the run never left its start."))


def _templates(runs: Sequence[Run]) -> None:
    """The scrubber over training time and each run's first-layer units at that moment."""
    histories = [result.diagnostics if result is not None else None for _letter, _label, result in runs]
    counts = [len(h.snapshot_steps) for h in histories if h is not None]
    shots = max(counts, default=0)
    index = 0
    if shots > 1:
        if st.session_state.setdefault(SNAPSHOT_KEY, shots) > shots:  # fewer snapshots than the last runs had
            st.session_state[SNAPSHOT_KEY] = shots
        number = st.slider(_("Training time: snapshot"), 1, shots, key=SNAPSHOT_KEY,
                           help=_("Each run's first layer was photographed at up to 12 moments, more often early "
                                  "on when the templates change fastest. Slide to the left to go back in time."))
        index = number - 1
    for column, (letter, label, result), history in zip(st.columns(len(runs)), runs, histories):
        with column:
            shown = min(index, len(history.snapshot_steps) - 1) if history is not None else 0
            figure = _kept(("templates", shown, letter), [(letter, label, result)],
                           lambda h=history, i=shown, t=f"{letter}: {label}": figures.templates_figure(h, i, t, translate=_))
            if history is not None and len(history.snapshot_steps):
                step = int(history.snapshot_steps[shown])
                dead = int(history.snapshot_dead[shown].sum())
                charts.show_chart(figure, key=f"inside.templates.{letter}", summary=words.templates_summary(
                    f"{letter}: {label}", step, history.snapshots.shape[1], dead))
                st.caption(_("Run {letter} after {step} steps: the first {units} units of {width}; {dead} of them "
                             "dead.", letter=letter, step=f"{step:,}", units=history.snapshots.shape[1],
                             width=history.units[0], dead=dead))
            else:
                charts.show_chart(figure, key=f"inside.templates.{letter}",
                                  summary=_("Run {letter}: no first-layer snapshots to show.", letter=letter))
    st.caption(_("Each picture is one first-layer unit's 784 incoming weights laid out as the 28×28 image they "
                 "multiply: red pixels push the unit up, blue ones down, each picture on its own scale. Slide through "
                 "training to watch strokes form out of the starting noise; units marked ✕ are dead."))
