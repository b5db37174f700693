"""Inside a run while it learns: gradients per layer, dead and saturated units, templates, the loss line.

Every builder takes the runs to compare (A and B) as :class:`InsideRun`
objects and draws them side by side with run A's colour and run B's, so the
learner reads one run against the other. A run without diagnostics (trained
before they were measured) gets a panel that says so instead of a chart.

Words drawn in the figures go through ``translate`` (the app passes its
per-visitor ``_``; the default leaves them in English); they are marked with
:func:`~explainer.i18n.N_` for the catalogues.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..diagnostics import Diagnostics
from ..i18n import N_, Translate, same
from . import style
from .mosaic import mosaic_figure, tile

HEALTHY_BAND = (1e-3, 1e-2)  # update/weight ratios around 1e-3 (Karpathy's rule of thumb) up to 1e-2
LAYER_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
NOT_MEASURED = N_("not measured for this run")
DEAD_COLOR = "#D55E00"


@dataclass(frozen=True)
class InsideRun:
    """One run as these figures see it: its panel name, its history and its hidden activation."""

    name: str
    diagnostics: Diagnostics | None
    activation: str = "relu"


def _dash(layer: int) -> str:
    return LAYER_DASHES[layer % len(LAYER_DASHES)]


def _positive_floor(*arrays: np.ndarray) -> float:
    """A value a decade below the smallest positive finite entry: where exact zeros are drawn on a log axis."""
    values = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)
    positive = values[np.isfinite(values) & (values > 0)]
    return float(positive.min()) / 10 if positive.size else 1e-8


def _missing(fig: go.Figure, columns: int, column: int, message: str) -> None:
    fig.add_annotation(text=message, x=(column - 0.5) / columns, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font=dict(color=style.GREY, size=style.SMALL_SIZE))


def _subplots(runs: Sequence[InsideRun], rows: int, row_titles: Sequence[str | Sequence[str]], height: int,
              shared: bool = True) -> go.Figure:
    """One column per run; ``row_titles[r]`` is one title for the row or one per column."""
    def title(r: int, c: int) -> str:
        text = row_titles[r] if isinstance(row_titles[r], str) else row_titles[r][c]
        return f"<b>{runs[c].name}</b><br>{text}" if r == 0 else text

    titles = [title(r, c) for r in range(rows) for c in range(len(runs))]
    fig = make_subplots(rows=rows, cols=max(len(runs), 1), shared_yaxes="rows" if shared else False,
                        subplot_titles=titles, horizontal_spacing=0.07, vertical_spacing=0.14)
    for annotation in fig.layout.annotations:
        annotation.font.size = style.SMALL_SIZE
    style.apply_layout(fig, height=height, legend=False)
    fig.update_layout(margin=dict(t=70))
    return fig


def _end_label(fig: go.Figure, x: np.ndarray, y: np.ndarray, text: str, color: str, row: int, col: int) -> None:
    finite = np.flatnonzero(np.isfinite(y))
    if finite.size:
        fig.add_trace(go.Scatter(x=[x[finite[-1]]], y=[y[finite[-1]]], mode="text", text=[text],
                                 textposition="middle right", textfont=dict(color=color, size=style.SMALL_SIZE),
                                 cliponaxis=False, hoverinfo="skip", showlegend=False, name=text), row=row, col=col)


def _room_for_labels(fig: go.Figure, steps: np.ndarray, col: int, share: float = 0.16) -> None:
    """Widen a column's x range on the right so the end-of-line labels sit inside the plot."""
    last = float(steps.max()) if steps.size else 1.0
    fig.update_xaxes(range=[-0.02 * max(last, 1), last * (1 + share) + 1], col=col)


def _log_note(fig: go.Figure, y: float, text: str, color: str, row: int, col: int, columns: int,
              below: bool = False) -> None:
    """A label at the left edge at height ``y`` on a log axis (plotly wants log10(y) for annotations there)."""
    axis = _axis(row, col, columns)
    fig.add_annotation(text=text, x=0.01, xanchor="left", y=float(np.log10(y)), yanchor="top" if below else "bottom",
                       xref=f"x{axis} domain", yref=f"y{axis}", showarrow=False,
                       font=dict(size=style.SMALL_SIZE, color=color))


def _axis(row: int, col: int, columns: int) -> str:
    """The suffix of a subplot's axes in a grid laid out row by row: '' for the first, then '2', '3', ..."""
    number = (row - 1) * columns + col
    return "" if number == 1 else str(number)


def gradients_figure(runs: Sequence[InsideRun], height: int = 620, translate: Translate = same) -> go.Figure:
    """Gradient size, update/weight ratio and weight norm of every layer over training, one column per run.

    Parameters
    ----------
    runs : the runs to compare, drawn left to right.
    height : pixels.
    translate : turns the figure's words into the visitor's language.

    Returns
    -------
    go.Figure
        Three rows on log axes shared across columns: the gradient per weight
        ‖dW_l‖/√(size of W_l) on the probe batch, the update/weight ratio
        ‖ΔW_l‖/‖W_l‖ (from the first step on) over a shaded healthy band
        :data:`HEALTHY_BAND`, and the weight norm ‖W_l‖. One line per layer in
        the run's colour (dash per layer, labelled "W1", "W2", ... at its end);
        exact zeros are drawn on a dotted floor line labelled "0". The weight
        norms are on each run's own linear scale (they change by a few per cent).
    """
    tr = translate
    rows = (tr(N_("gradient per weight  ‖dW‖/√size")), tr(N_("update / weight  ‖ΔW‖/‖W‖")),
            tr(N_("weight norm  ‖W‖")))
    fig = _subplots(runs, 3, rows, height)
    columns = max(len(runs), 1)
    measured = [run.diagnostics for run in runs if run.diagnostics is not None and run.diagnostics.records]
    per_weight = {id(d): d.series("grad_norm") / np.sqrt(_sizes(d)) for d in measured}
    ratios = {id(d): d.series("update_ratio")[d.steps > 0] for d in measured}
    floors = (_positive_floor(*per_weight.values()), _positive_floor(*ratios.values()))
    for col, (index, run) in enumerate(enumerate(runs), start=1):
        history, color = run.diagnostics, style.run_color(index)
        if history is None or not history.records:
            _missing(fig, len(runs), col, tr(NOT_MEASURED))
            continue
        later = history.steps > 0
        series = ((history.steps, per_weight[id(history)], floors[0]),
                  (history.steps[later], ratios[id(history)], floors[1]),
                  (history.steps, history.series("weight_norm"), None))
        for row, (steps, values, floor) in enumerate(series, start=1):
            for layer in range(values.shape[1]):
                y = values[:, layer].copy()
                y[~np.isfinite(y)] = np.nan  # a diverging run's last values are drawn as a gap
                hover = [tr(N_("W{layer} at step {step}: {value}")).format(layer=layer + 1, step=f"{s:,}",
                                                                             value=f"{v:.3g}") for s, v in zip(steps, y)]
                if floor is not None:
                    y[y <= 0] = floor
                fig.add_trace(go.Scatter(x=steps, y=y, mode="lines+markers", name=f"{run.name} W{layer + 1}",
                                         line=dict(color=color, dash=_dash(layer), width=2), marker=dict(size=4),
                                         hovertext=hover, hoverinfo="text", showlegend=False), row=row, col=col)
                _end_label(fig, steps, y, f"W{layer + 1}", color, row, col)
        fig.update_xaxes(title_text=tr(N_("step")), row=3, col=col)
        _room_for_labels(fig, history.steps, col)
        for row, floor in ((1, floors[0]), (2, floors[1])):
            fig.add_hline(y=floor, line=dict(color=style.LIGHT_GREY, dash="dot", width=1), row=row, col=col)
            _log_note(fig, floor, "0", style.GREY, row, col, columns)
        fig.add_hrect(y0=HEALTHY_BAND[0], y1=HEALTHY_BAND[1], row=2, col=col, fillcolor="#009E73", opacity=0.12,
                      line_width=0)
        _log_note(fig, HEALTHY_BAND[1], tr(N_("healthy band")), "#007a5a", 2, col, columns, below=True)
    for row in (1, 2):
        fig.update_yaxes(type="log", dtick=1, exponentformat="power", row=row)
    # Weight norms move by a few per cent: each run gets its own linear scale, with its tick labels.
    fig.update_yaxes(matches=None, showticklabels=True, rangemode="tozero", row=3)
    return fig


def _sizes(history: Diagnostics) -> np.ndarray:
    """(L,) number of weights in each W_l."""
    widths = (784, *history.units)
    return np.array([n_in * n_out for n_in, n_out in zip(widths[:-1], widths[1:])], dtype=np.float64)


def units_figure(runs: Sequence[InsideRun], height: int = 480, translate: Translate = same) -> go.Figure:
    """Dead (ReLU) or saturated (sigmoid, tanh) hidden units, and layer 1's distinct units, over training.

    Returns
    -------
    go.Figure
        One column per run. Top row: for each hidden layer, the percentage of
        its units that are dead (ReLU: zero for every probe image) or of its
        activations that are saturated (sigmoid/tanh: in the flat tails);
        leaky ReLU and networks without hidden layers say why there is
        nothing to draw. Bottom row: how many of layer 1's units are distinct,
        with the last value written out ("1 distinct unit of 64").
    """
    tr = translate
    kinds = [{"relu": N_("dead"), "sigmoid": N_("saturated"), "tanh": N_("saturated")}.get(run.activation)
             for run in runs]
    top = [{"dead": tr(N_("ReLU units that are dead (%)")),
            "saturated": tr(N_("{activation} activations that are saturated (%)")).format(activation=run.activation),
            None: tr(N_("dead or saturated units (%)"))}[kind] for run, kind in zip(runs, kinds)]
    fig = _subplots(runs, 2, (top, tr(N_("distinct units in hidden layer 1"))), height, shared=False)
    for col, (index, run) in enumerate(enumerate(runs), start=1):
        history, color = run.diagnostics, style.run_color(index)
        if history is None or not history.records:
            _missing(fig, len(runs), col, tr(NOT_MEASURED))
            continue
        hidden = len(history.units) - 1
        steps, kind = history.steps, kinds[index]
        if not hidden or kind is None:
            reason = (tr(N_("no hidden layer")) if not hidden else
                      tr(N_("{activation} units neither die nor saturate")).format(activation=run.activation))
            axis = _axis(1, col, len(runs))
            fig.add_annotation(text=reason, x=0.5, y=0.5, xref=f"x{axis} domain", yref=f"y{axis} domain", showarrow=False,
                               font=dict(color=style.GREY, size=style.SMALL_SIZE))
        else:
            shares = history.series("dead_fraction" if kind == "dead" else "saturated_fraction")
            for layer in range(hidden):
                y = 100 * shares[:, layer]
                fig.add_trace(go.Scatter(
                    x=steps, y=y, mode="lines+markers", line=dict(color=color, dash=_dash(layer), width=2),
                    marker=dict(size=4), showlegend=False, name=f"{run.name} hidden {layer + 1}",
                    hovertext=[tr(N_("hidden {layer} ({units} units), step {step}: {share}% {kind}")).format(
                        layer=layer + 1, units=history.units[layer], step=f"{s:,}", share=f"{v:.1f}", kind=tr(kind))
                        for s, v in zip(steps, y)], hoverinfo="text"), row=1, col=col)
                _end_label(fig, steps, y, tr(N_("hidden {layer}")).format(layer=layer + 1), color, 1, col)
        if hidden:
            distinct, width = history.distinct, history.units[0]
            fig.add_trace(go.Scatter(
                x=steps, y=distinct, mode="lines+markers", line=dict(color=color, width=2, shape="hv"),
                marker=dict(size=4), showlegend=False, name=f"{run.name} distinct",
                hovertext=[tr(N_("step {step}: {distinct} distinct of {width}")).format(step=f"{s:,}", distinct=d,
                                                                                     width=width)
                           for s, d in zip(steps, distinct)],
                hoverinfo="text"), row=2, col=col)
            last = int(distinct[-1])
            words = tr(N_("1 distinct unit of {width}")) if last == 1 else tr(N_("{count} distinct units of {width}"))
            fig.add_annotation(text=f"<b>{words.format(count=last, width=width)}</b>",
                               x=steps[-1], y=last, xanchor="right", yanchor="bottom", showarrow=False,
                               font=dict(color=color, size=style.SMALL_SIZE), row=2, col=col)
            fig.update_yaxes(range=[0, 1.15 * width + 0.5], row=2, col=col)
        fig.update_xaxes(title_text=tr(N_("step")), row=2, col=col)
        _room_for_labels(fig, steps, col)
    fig.update_yaxes(range=[-3, 103], row=1)
    return fig


def templates_figure(history: Diagnostics | None, index: int, title: str | None = None,
                     columns: int = 8, translate: Translate = same) -> go.Figure:
    """The first-layer templates of one run at one snapshot: each unit's 784 weights as a 28×28 image.

    Parameters
    ----------
    history : the run's diagnostics (None draws a "not measured" panel).
    index : which snapshot (clipped to the ones there are).
    title : optional figure title.
    columns : images per row.
    translate : turns the figure's words into the visitor's language.

    Returns
    -------
    go.Figure
        One tiled heatmap on the diverging scale (red: the pixel pushes the
        unit up, blue: down), symmetric around 0 for this snapshot, captioned
        with the unit's number; a unit that is dead at this moment is
        captioned "✕" and its number in vermillion, and says so on hover.
    """
    if history is None or not len(history.snapshot_steps):
        return style.empty_figure(translate(NOT_MEASURED), title=title)
    index = int(np.clip(index, 0, len(history.snapshot_steps) - 1))
    images = np.nan_to_num(history.snapshots[index].astype(np.float32), posinf=0.0, neginf=0.0).reshape(-1, 28, 28)
    dead = history.snapshot_dead[index]
    captions = [f"✕{u + 1}" if dead[u] else str(u + 1) for u in range(len(images))]
    colors = [DEAD_COLOR if dead[u] else style.TEXT for u in range(len(images))]
    dead_words, alive_words = translate(N_("unit {unit}: dead (zero for every probe image)")), translate(
        N_("unit {unit}: alive"))
    hover = [(dead_words if dead[u] else alive_words).format(unit=u + 1) for u in range(len(images))]
    zmin, zmax = style.symmetric_range(images)
    return mosaic_figure(tile(images, columns), captions, colors, hover=hover, colorscale=style.DIVERGING,
                         zmin=zmin, zmax=zmax, zmid=0, tile_px=44, title=title, colorbar=False)


@dataclass(frozen=True)
class Line:
    """One run's loss along the line from its initial (t = 0) to its final (t = 1) weights."""

    name: str
    t: np.ndarray
    loss: np.ndarray


def loss_line_figure(lines: Sequence[Line], height: int = 380, translate: Translate = same) -> go.Figure:
    """The loss on a fixed batch along θ(t) = (1 − t)·θ₀ + t·θ₁, one line per run.

    Returns
    -------
    go.Figure
        x is t (0 = the initial weights, 1 = the trained ones; a little beyond
        both ends), y the loss; each run in its colour with big markers at
        t = 0 and t = 1; dotted verticals mark "start" and "end". A run
        without a line (diverged, or trained before lines were measured) is
        left out and named in the title's subtitle.
    """
    tr = translate
    drawn = [(index, line) for index, line in enumerate(lines) if len(line.t)]
    if not drawn:
        return style.empty_figure(tr(N_("no loss line for these runs")), height=height)
    fig = go.Figure()
    for index, line in drawn:
        color = style.run_color(index)
        loss = np.where(np.isfinite(line.loss), line.loss, np.nan)
        fig.add_trace(go.Scatter(x=line.t, y=loss, mode="lines", name=line.name, line=dict(color=color, width=2.5),
                                 hovertemplate=line.name + "<br>t = %{x:.2f}: " + tr(N_("loss")) + " %{y:.4g}"
                                 "<extra></extra>"))
        ends = np.isin(line.t, (0.0, 1.0))
        fig.add_trace(go.Scatter(x=line.t[ends], y=loss[ends], mode="markers", showlegend=False,
                                 marker=dict(color=color, size=10, line=dict(color="white", width=1.5)),
                                 name=f"{line.name} ends", hoverinfo="skip"))
    for x, text in ((0.0, tr(N_("start θ₀"))), (1.0, tr(N_("end θ₁")))):
        fig.add_vline(x=x, line=dict(color=style.GREY, dash="dot", width=1), annotation_text=text,
                      annotation_position="top", annotation_font=dict(size=style.SMALL_SIZE, color=style.GREY))
    fig.update_xaxes(title_text=tr(N_("t along the line from the initial to the final weights")), zeroline=False)
    fig.update_yaxes(title_text=tr(N_("loss on a fixed batch")))
    missing = [line.name for line in lines if not len(line.t)]
    style.apply_layout(fig, height=height)
    if missing:
        fig.update_layout(title=dict(text="", subtitle=dict(text=tr(N_("no line for {runs}")).format(
                                                                runs=", ".join(missing)),
                                                            font=dict(size=style.SMALL_SIZE, color=style.GREY))))
    return fig


def lines_of(runs: Sequence[InsideRun]) -> list[Line]:
    """Each run's loss line (empty when it has none)."""
    empty = np.zeros(0)
    return [Line(run.name, run.diagnostics.line_t, run.diagnostics.line_loss) if run.diagnostics is not None
            else Line(run.name, empty, empty) for run in runs]
