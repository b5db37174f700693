"""Figures of a sweep: measured cells that fill in live, seed spread, learning curves, parallel coordinates.

Every mark is a run or a point that was measured: nothing is interpolated
between points. A grid of two settings is a heatmap with one cell per point
(equal cells, in the order of the values, so log-spaced values sit on a log
scale); each cell writes its mean validation accuracy and seed spread, its
status while it is not done, its failure badges, and a sparkline of its loss
along its bottom. One setting is a line with every seed drawn and the spread
as error bars, on a log axis when the values are log-spaced; three settings
are small multiples of heatmaps, one per value of the third. Random and TPE
sweeps, whose points are not on a grid, are scatter plots of the measured points.

Colour is never the only carrier: each cell writes its number and status.
Words drawn in the figures go through ``translate`` (the app passes its
translator; the default leaves them in English).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import FIELDS, RunConfig
from ..i18n import N_, Translate, same
from ..sweep_analysis import Cell, score, setting_label, shown
from ..sweeps import Axis, SweepRecord
from . import style

ACCURACY_SCALE = "Viridis"  # perceptually uniform, readable with colour-vision deficiencies and in grey
PENDING_FILL = "#efefef"
SPARK_COLOR = "#ffffff"
SPARK_SHADOW = "#2a3f5f"
MAX_BADGES = 2  # per cell; the rest are in the hover text and the explanation
STATUS_WORDS = {"queued": N_("queued"), "running": N_("running"), "done": N_("done"), "diverged": N_("diverged"),
                "stopped": N_("stopped"), "failed": N_("failed"), "cancelled": N_("cancelled")}


def axis_title(axis: Axis, translate: Translate = same) -> str:
    """The setting's label, saying when its values are log-spaced."""
    label = translate(setting_label(axis.name))
    return label + " " + translate(N_("(log scale)")) if axis.log else label


def _accuracy_range(found: Sequence[Cell]) -> tuple[float, float]:
    means = [100 * cell.mean for cell in found if cell.mean is not None]
    if not means:
        return 0.0, 100.0
    low, high = min(means), max(means)
    if high - low < 0.5:
        low, high = low - 0.25, high + 0.25
    return low, high


def _colorbar_axis(found: Sequence[Cell], translate: Translate) -> dict:
    low, high = _accuracy_range(found)
    return dict(colorscale=ACCURACY_SCALE, cmin=low, cmax=high,
                colorbar=dict(title=dict(text=translate(N_("validation accuracy")), side="right"),
                              ticksuffix="%", thickness=14))


def _all_diverged(cell: Cell) -> bool:
    """Every finished seed diverged: its 'accuracy' is the chance score it counts with, not a measurement."""
    ended = [r for r in cell.records if r.finished and r.status != "cancelled"]
    return bool(ended) and all(r.status == "diverged" for r in ended)


def cell_label(cell: Cell, translate: Translate = same) -> str:
    """What a cell writes: '97.8%' and '± 0.3' (with seeds), or its status while it has no number (or only
    diverged runs, which count as chance but measured nothing)."""
    if cell.mean is None or _all_diverged(cell):
        return translate(STATUS_WORDS.get(cell.status, cell.status))
    text = f"<b>{100 * cell.mean:.1f}%</b>"
    if cell.spread is not None:
        text += f"<br>± {100 * cell.spread:.1f}"
    return text


def cell_badges(cell: Cell, translate: Translate = same) -> str:
    """The cell's status (while not done) and failure badges, e.g. 'running' or '⚠ dead ReLUs'."""
    parts = []
    if cell.mean is not None and cell.status in ("queued", "running"):
        parts.append(translate(STATUS_WORDS[cell.status]))
    causes = [cause for cause in cell.causes if not (cause.code == "diverged" and _all_diverged(cell))]
    parts += ["⚠ " + translate(cause.badge) for cause in causes[:MAX_BADGES]]
    if len(causes) > MAX_BADGES:
        parts.append(f"+{len(causes) - MAX_BADGES}")
    return " · ".join(parts)


def cell_hover(cell: Cell, names: Sequence[str], translate: Translate = same) -> str:
    """Hover text: the point, the mean ± spread over n seeds, the status and every badge."""
    lines = [", ".join(f"{translate(setting_label(n))} = {shown(cell.point[n])}" for n in names)]
    if cell.mean is not None:
        seeds = translate(N_("{n} of {total} seeds")).format(n=len(cell.scores), total=len(cell.records))
        spread = f" ± {100 * cell.spread:.2f}" if cell.spread is not None else ""
        lines.append(f"{100 * cell.mean:.2f}%{spread} ({seeds})")
    lines.append(translate(STATUS_WORDS.get(cell.status, cell.status)))
    lines += ["⚠ " + translate(cause.badge) for cause in cell.causes]
    return "<br>".join(lines)


def _sparkline(loss: np.ndarray, x0: float, y0: float, width: float, height: float) -> tuple[list, list]:
    """Coordinates of ``loss`` (k,) squeezed into the box (x0, y0, width, height); None breaks between lines."""
    loss = np.asarray(loss, dtype=float)
    loss = loss[np.isfinite(loss)]
    if len(loss) < 2:
        return [], []
    low, high = float(loss.min()), float(loss.max())
    scaled = (loss - low) / (high - low) if high > low else np.full(len(loss), 0.5)
    xs = x0 + width * np.linspace(0, 1, len(loss))
    ys = y0 + height * scaled
    return [*xs.tolist(), None], [*ys.tolist(), None]


def _text_color(value: float, low: float, high: float) -> str:
    """Dark text on the light (yellow-green) end of Viridis, white on the dark (purple-blue) end."""
    share = (value - low) / (high - low) if high > low else 1.0
    return style.TEXT if share > 0.55 else "#ffffff"


def _add_grid(fig: go.Figure, found: Sequence[Cell], x: Axis, y: Axis, names: Sequence[str], translate: Translate,
              live_loss: Mapping[tuple, np.ndarray], row: int | None, col: int | None, axis_suffix: str,
              font_size: int, cell_indexes: Sequence[int], notes: list[dict], shapes: list[dict]) -> None:
    """One heatmap of the cells over ``x`` × ``y`` (with sparklines and click targets) into a subplot.

    The cells' labels and grey backgrounds are appended to ``notes`` and ``shapes`` (plain dicts) for the
    caller to set on the layout in one go: adding them one by one costs time quadratic in their number
    (9 s for a 12 × 12 grid, against 0.1 s at once).
    """
    nx, ny = len(x.values), len(y.values)
    index = {(cell.point[x.name], cell.point[y.name]): i for i, cell in enumerate(found)}
    z = np.full((ny, nx), np.nan)
    low, high = _accuracy_range(found)
    spark_x, spark_y, pending_x, pending_y, centres_x, centres_y, custom, hover = [], [], [], [], [], [], [], []
    where = dict(row=row, col=col) if row is not None else {}
    xref, yref = f"x{axis_suffix}", f"y{axis_suffix}"
    for j, y_value in enumerate(y.values):
        for i, x_value in enumerate(x.values):
            k = index.get((x_value, y_value))
            if k is None:
                continue
            cell = found[k]
            if cell.mean is not None:
                z[j, i] = 100 * cell.mean
                color = _text_color(100 * cell.mean, low, high)
            else:
                shapes.append(dict(type="rect", x0=i - 0.5, x1=i + 0.5, y0=j - 0.5, y1=j + 0.5, fillcolor=PENDING_FILL,
                                   line=dict(width=0), layer="below", xref=xref, yref=yref))
                color = style.MUTED
            notes.append(dict(x=i, y=j + 0.14, text=cell_label(cell, translate), showarrow=False, xref=xref,
                              yref=yref, font=dict(size=font_size, color=color)))
            badges = cell_badges(cell, translate)
            if badges:
                notes.append(dict(x=i, y=j - 0.16, text=badges, showarrow=False, xref=xref, yref=yref,
                                  font=dict(size=max(font_size - 2, 8), color=color)))
            loss = cell.loss if cell.finished or not len(live_loss.get(k, ())) else live_loss[k]
            sx, sy = _sparkline(loss, i - 0.4, j - 0.46, 0.8, 0.18)
            if cell.mean is None:  # on the grey of a pending cell the line is dark
                pending_x += sx
                pending_y += sy
            else:
                spark_x += sx
                spark_y += sy
            centres_x.append(i)
            centres_y.append(j)
            custom.append(cell_indexes[k])
            hover.append(cell_hover(cell, names, translate))
    fig.add_trace(go.Heatmap(x=list(range(nx)), y=list(range(ny)), z=z, coloraxis="coloraxis", hoverinfo="skip",
                             xgap=2, ygap=2, name="cells"), **where)
    if spark_x:
        fig.add_trace(go.Scatter(x=spark_x, y=spark_y, mode="lines", line=dict(color=SPARK_SHADOW, width=3),
                                 opacity=0.35, hoverinfo="skip", showlegend=False, name="loss"), **where)
        fig.add_trace(go.Scatter(x=spark_x, y=spark_y, mode="lines", line=dict(color=SPARK_COLOR, width=1.5),
                                 hoverinfo="skip", showlegend=False, name="loss"), **where)
    if pending_x:
        fig.add_trace(go.Scatter(x=pending_x, y=pending_y, mode="lines", line=dict(color=style.MUTED, width=1.5),
                                 hoverinfo="skip", showlegend=False, name="live loss"), **where)
    fig.add_trace(go.Scatter(x=centres_x, y=centres_y, mode="markers", customdata=custom, text=hover,
                             hovertemplate="%{text}<extra></extra>", showlegend=False, name="cell",
                             marker=dict(size=40, symbol="square", opacity=0.0)), **where)
    fig.update_xaxes(tickvals=list(range(nx)), ticktext=[shown(v) for v in x.values], range=[-0.5, nx - 0.5],
                     showgrid=False, zeroline=False, **where)
    fig.update_yaxes(tickvals=list(range(ny)), ticktext=[shown(v) for v in y.values], range=[-0.5, ny - 0.5],
                     showgrid=False, zeroline=False, **where)


def sweep_heatmap(found: Sequence[Cell], x: Axis, y: Axis, *, translate: Translate = same,
                  live_loss: Mapping[int, np.ndarray] | None = None, title: str | None = None,
                  height: int | None = None) -> go.Figure:
    """The measured cells of a two-setting grid, filled in as they finish.

    Parameters
    ----------
    found : the sweep's cells (:func:`explainer.sweep_analysis.cells`), in any order.
    x, y : the grid axes across and up (their ``values`` fix the cells' order).
    live_loss : cell index → (k,) loss so far, for the sparklines of cells still running.
    translate : turns the English words drawn into the visitor's language.

    Returns
    -------
    go.Figure
        A heatmap (coloured by mean validation accuracy, a colour bar in %; cells without a
        number are light grey), one annotation per cell with its number or status, one with its
        badges when it has any, the loss sparklines (two line traces named 'loss'), and a
        trace of invisible square markers named 'cell' at the cell centres whose ``customdata``
        is the cell's index in ``found`` (what a click selects) and whose hover text says
        everything about the cell.
    """
    if not found:
        return style.empty_figure(translate(style.NO_DATA), height=height or 300, title=title)
    fig = go.Figure()
    size = max(len(x.values), len(y.values))
    font = 13 if size <= 4 else (11 if size <= 8 else 9)
    notes, shapes = [], []
    _add_grid(fig, found, x, y, [x.name, y.name], translate, live_loss or {}, None, None, "", font,
              list(range(len(found))), notes, shapes)
    fig.update_layout(annotations=notes, shapes=shapes)
    fig.update_xaxes(title_text=axis_title(x, translate))
    fig.update_yaxes(title_text=axis_title(y, translate))
    fig.update_layout(coloraxis=_colorbar_axis(found, translate))
    style.apply_layout(fig, title=title, height=height or max(340, 95 * len(y.values) + 150), legend=False)
    fig.update_layout(hovermode="closest", clickmode="event+select", dragmode=False)
    return fig


def small_multiples(found: Sequence[Cell], axes: Sequence[Axis], *, translate: Translate = same,
                    live_loss: Mapping[int, np.ndarray] | None = None, columns: int = 3,
                    title: str | None = None) -> go.Figure:
    """A three-setting grid as one heatmap of the first two settings per value of the third.

    Panels share the colour scale; each is titled 'setting = value'. Every panel has the same
    traces as :func:`sweep_heatmap` ('cell' markers carry indexes into ``found``).
    """
    x, y, facet = axes
    if not found:
        return style.empty_figure(translate(style.NO_DATA), height=300, title=title)
    columns = max(1, min(columns, len(facet.values)))
    rows = math.ceil(len(facet.values) / columns)
    fig = make_subplots(rows=rows, cols=columns, horizontal_spacing=0.08, vertical_spacing=0.16,
                        subplot_titles=[f"{translate(setting_label(facet.name))} = {shown(v)}" for v in facet.values])
    names = [x.name, y.name, facet.name]
    notes, shapes = list(fig.layout.annotations), []  # the panel titles first
    for n, value in enumerate(facet.values):
        row, col = n // columns + 1, n % columns + 1
        members = [k for k, cell in enumerate(found) if cell.point[facet.name] == value]
        live = {members.index(k): loss for k, loss in (live_loss or {}).items() if k in members}
        suffix = "" if n == 0 else str(n + 1)
        _add_grid(fig, [found[k] for k in members], x, y, names, translate, live, row, col, suffix, 9, members,
                  notes, shapes)
    fig.update_layout(annotations=notes, shapes=shapes)
    fig.update_xaxes(title_text=axis_title(x, translate), row=rows)
    fig.update_yaxes(title_text=axis_title(y, translate), col=1)
    fig.update_layout(coloraxis=_colorbar_axis(found, translate))
    style.apply_layout(fig, title=title, height=rows * max(260, 55 * len(y.values) + 120) + 60, legend=False)
    fig.update_layout(hovermode="closest", clickmode="event+select", dragmode=False)
    return fig


def _numeric(axis: Axis) -> bool:
    return axis.kind != "choice"


def seed_line(found: Sequence[Cell], axis: Axis, *, translate: Translate = same,
              title: str | None = None, height: int = 380) -> go.Figure:
    """One varied setting: every seed's validation accuracy, their mean and spread, per measured value.

    Returns
    -------
    go.Figure
        Traces 'seeds' (hollow markers, one per finished run), 'mean' (line with markers and
        error bars of ± one standard deviation over seeds; ``customdata`` = cell index) and, while
        points are pending or failed, 'status' (text markers at the bottom). The x axis is
        logarithmic when the axis is log-spaced, categorical for choices.
    """
    if not found:
        return style.empty_figure(translate(style.NO_DATA), height=height, title=title)
    order = sorted(range(len(found)), key=lambda k: _sort_key(found[k].point[axis.name]))
    xs = [_x_value(found[k].point[axis.name], axis) for k in order]
    fig = go.Figure()
    seed_x = [x for k, x in zip(order, xs) for _ in found[k].scores]
    seed_y = [100 * s for k in order for s in found[k].scores]
    fig.add_trace(go.Scatter(x=seed_x, y=seed_y, mode="markers", name=translate(N_("each seed")),
                             marker=dict(symbol="circle-open", size=8, color=style.GREY),
                             hovertemplate="%{y:.2f}%<extra></extra>"))
    scored = [(k, x) for k, x in zip(order, xs) if found[k].mean is not None]
    names = [axis.name]
    fig.add_trace(go.Scatter(
        x=[x for _, x in scored], y=[100 * found[k].mean for k, _ in scored], mode="lines+markers",
        name=translate(N_("mean over seeds")), customdata=[k for k, _ in scored],
        text=[cell_hover(found[k], names, translate) for k, _ in scored], hovertemplate="%{text}<extra></extra>",
        error_y=dict(type="data", array=[100 * (found[k].spread or 0) for k, _ in scored], visible=True,
                     color=style.RUN_A),
        line=dict(color=style.RUN_A, width=2), marker=dict(color=style.RUN_A, size=9)))
    flagged = [(k, x) for k, x in zip(order, xs) if found[k].mean is None or found[k].causes]
    if flagged:
        low = min(seed_y, default=0.0)
        fig.add_trace(go.Scatter(
            x=[x for _, x in flagged], y=[low - 2 for _ in flagged], mode="text", name="status",
            text=[cell_badges(found[k], translate) or cell_label(found[k], translate) for k, _ in flagged],
            textfont=dict(color=style.MUTED, size=style.SMALL_SIZE), hoverinfo="skip", showlegend=False))
    fig.update_xaxes(title_text=axis_title(axis, translate), type=_axis_type(axis))
    fig.update_yaxes(title_text=translate(N_("validation accuracy")), ticksuffix="%")
    return style.apply_layout(fig, title=title, height=height)


def _sort_key(value: Any) -> tuple:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _x_value(value: Any, axis: Axis) -> Any:
    return value if _numeric(axis) else shown(value)


def _axis_type(axis: Axis) -> str:
    if not _numeric(axis):
        return "category"
    return "log" if axis.log else "linear"


def sweep_scatter(found: Sequence[Cell], x: Axis, y: Axis, *, translate: Translate = same,
                  title: str | None = None, height: int = 440) -> go.Figure:
    """Points of a random or TPE sweep (not on a grid): one marker per measured point, coloured by accuracy.

    Pending points are grey hollow markers. Log axes where the ranges are logarithmic; the
    'points' trace's ``customdata`` is the cell index. A third setting shows in the hover text.
    """
    if not found:
        return style.empty_figure(translate(style.NO_DATA), height=height, title=title)
    names = [cell_name for cell_name in found[0].point]
    done = [k for k, cell in enumerate(found) if cell.mean is not None]
    pending = [k for k, cell in enumerate(found) if cell.mean is None]
    fig = go.Figure()
    if pending:
        fig.add_trace(go.Scatter(
            x=[_x_value(found[k].point[x.name], x) for k in pending], y=[_x_value(found[k].point[y.name], y)
                                                                       for k in pending],
            mode="markers", name=translate(N_("not finished")), customdata=pending,
            text=[cell_hover(found[k], names, translate) for k in pending], hovertemplate="%{text}<extra></extra>",
            marker=dict(symbol="circle-open", size=11, color=style.GREY)))
    fig.add_trace(go.Scatter(
        x=[_x_value(found[k].point[x.name], x) for k in done], y=[_x_value(found[k].point[y.name], y) for k in done],
        mode="markers+text", name="points", customdata=done, showlegend=False,
        text=[f"{100 * found[k].mean:.1f}" + (" ⚠" if found[k].causes else "") for k in done],
        textposition="top center", textfont=dict(size=style.SMALL_SIZE - 1, color=style.MUTED),
        hovertext=[cell_hover(found[k], names, translate) for k in done], hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(size=13, color=[100 * found[k].mean for k in done], coloraxis="coloraxis",
                    line=dict(color="#ffffff", width=1))))
    fig.update_xaxes(title_text=axis_title(x, translate), type=_axis_type(x))
    fig.update_yaxes(title_text=axis_title(y, translate), type=_axis_type(y))
    fig.update_layout(coloraxis=_colorbar_axis(found, translate))
    style.apply_layout(fig, title=title, height=height)
    fig.update_layout(clickmode="event+select")
    return fig


def learning_curves(records: Sequence[SweepRecord], facet: Axis, colour: Axis | None = None, *,
                    translate: Translate = same, columns: int = 3, title: str | None = None) -> go.Figure:
    """Validation accuracy against epochs for every finished run, one panel per value of ``facet``.

    Runs are coloured (and dashed) by their value of ``colour``, one legend entry per value;
    seeds of one point share colour and dash. Panels without finished runs say so.
    """
    values = list(dict.fromkeys(facet.values)) or list(dict.fromkeys(r.point[facet.name] for r in records))
    values = sorted(values, key=_sort_key) if not facet.values else values
    with_curves = [r for r in records if len(r.curve) and r.finished]
    if not with_curves:
        return style.empty_figure(translate(N_("no finished runs yet")), height=300, title=title)
    columns = max(1, min(columns, len(values)))
    rows = math.ceil(len(values) / columns)
    fig = make_subplots(rows=rows, cols=columns, shared_yaxes=True, horizontal_spacing=0.05, vertical_spacing=0.14,
                        subplot_titles=[f"{translate(setting_label(facet.name))} = {shown(v)}" for v in values])
    hues = list(dict.fromkeys(colour.values)) if colour is not None else [None]
    if colour is not None and not hues:
        hues = sorted(dict.fromkeys(r.point[colour.name] for r in with_curves), key=_sort_key)
    shown_in_legend = set()
    for n, value in enumerate(values):
        row, col = n // columns + 1, n % columns + 1
        panel = [r for r in with_curves if r.point[facet.name] == value]
        for record in panel:
            hue = record.point[colour.name] if colour is not None else None
            h = hues.index(hue) if hue in hues else 0
            name = (f"{translate(setting_label(colour.name))} = {shown(hue)}" if colour is not None
                    else translate(N_("validation accuracy")))
            accuracy = 100 * np.asarray(record.curve[:, 2], dtype=float)
            fig.add_trace(go.Scatter(
                x=record.curve[:, 0], y=accuracy, mode="lines", name=name, legendgroup=name,
                showlegend=name not in shown_in_legend, line=dict(color=style.run_color(h), dash=style.run_dash(h),
                                                                 width=1.5),
                hovertemplate=translate(N_("{name}, seed {seed}"), name=name, seed=record.config.seed) + "<br>"
                + translate(N_("epoch {epoch}: {accuracy}%"), epoch="%{x:.2f}", accuracy="%{y:.2f}")
                + "<extra></extra>"),
                row=row, col=col)
            shown_in_legend.add(name)
        if not panel:
            fig.add_annotation(text=translate(N_("no finished runs yet")), showarrow=False, x=0.5, y=0.5,
                               xref=f"x{'' if n == 0 else n + 1} domain", yref=f"y{'' if n == 0 else n + 1} domain",
                               font=dict(color=style.MUTED))
    fig.update_xaxes(title_text=translate(N_("epoch")), row=rows)
    fig.update_yaxes(title_text=translate(N_("validation accuracy")), ticksuffix="%", col=1)
    return style.apply_layout(fig, title=title, height=rows * 260 + 100, legend=colour is not None,
                              legend_y=1.0 + 0.12 / rows)


def parallel_coordinates(records: Sequence[SweepRecord], axes: Sequence[Axis], *, translate: Translate = same,
                         title: str | None = None, height: int = 420) -> go.Figure:
    """Every finished run as a line through its settings and its validation accuracy (the last axis).

    Log-spaced settings are drawn on a log scale (ticks at the measured values); choices are
    spread evenly with their names as ticks. Lines are coloured by accuracy.
    """
    scored = [(r, score(r)) for r in records if score(r) is not None]
    if not scored:
        return style.empty_figure(translate(N_("no finished runs yet")), height=height, title=title)
    dimensions = []
    for axis in axes:
        values = [r.point[axis.name] for r, _ in scored]
        label = axis_title(axis, translate)
        if not _numeric(axis):
            choices = list(dict.fromkeys(axis.values or values))
            dimensions.append(dict(label=label, values=[choices.index(v) for v in values],
                                   tickvals=list(range(len(choices))), ticktext=[shown(c) for c in choices],
                                   range=[-0.25, len(choices) - 0.75] if len(choices) > 1 else [-1, 1]))
            continue
        distinct = sorted(set(values))
        ticks = (distinct if len(distinct) <= 8
                 else [distinct[i] for i in np.linspace(0, len(distinct) - 1, 8).astype(int)])
        if axis.log and min(distinct) > 0:
            dimensions.append(dict(label=label, values=np.log10(values).tolist(), tickvals=np.log10(ticks).tolist(),
                                   ticktext=[shown(t) for t in ticks]))
        else:
            dimensions.append(dict(label=label, values=values, tickvals=ticks, ticktext=[shown(t) for t in ticks]))
    accuracy = [100 * s for _, s in scored]
    dimensions.append(dict(label=translate(N_("validation accuracy")) + " (%)", values=accuracy))
    fig = go.Figure(go.Parcoords(dimensions=dimensions, line=dict(color=accuracy, colorscale=ACCURACY_SCALE,
                                                                    showscale=True, cmin=min(accuracy),
                                                                    cmax=max(accuracy) + 1e-9,
                                                                    colorbar=dict(ticksuffix="%", thickness=14))))
    style.apply_layout(fig, title=title, height=height, legend=False)
    fig.update_layout(margin=dict(l=70, r=40, t=90 if title else 60, b=30))
    return fig


def importance_bars(importances: Mapping[str, float], *, translate: Translate = same,
                    title: str | None = None, height: int | None = None) -> go.Figure:
    """Optuna's importance of each varied setting as horizontal bars in %, largest on top."""
    if not importances:
        return style.empty_figure(translate(style.NO_DATA), height=height or 200, title=title)
    ordered = sorted(importances.items(), key=lambda item: item[1])
    fig = go.Figure(go.Bar(x=[100 * v for _, v in ordered], y=[translate(setting_label(n)) for n, _ in ordered],
                           orientation="h", marker_color=style.RUN_A, text=[f"{100 * v:.0f}%" for _, v in ordered],
                           textposition="auto", hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    fig.update_xaxes(title_text=translate(N_("importance")), ticksuffix="%", range=[0, 100])
    return style.apply_layout(fig, title=title, height=height or 90 + 45 * len(ordered), legend=False)


# --- tables ---------------------------------------------------------------------------------------

def differing_fields(configs: Sequence[RunConfig]) -> list[str]:
    """The config fields (in :data:`explainer.config.FIELDS` order) whose value is not the same in all ``configs``."""
    if len(configs) < 2:
        return []
    first = configs[0]
    return [name for name in FIELDS if any(getattr(c, name) != getattr(first, name) for c in configs[1:])]


def field_text(config: RunConfig, name: str) -> str:
    """A config field's value as a table cell (hidden layers as '128-64', '—' for none)."""
    value = getattr(config, name)
    if name == "hidden":
        return "-".join(map(str, value)) or "—"
    return shown(value)


def runs_frame(records: Sequence[SweepRecord], *, translate: Translate = same):
    """The sweep's runs as a table: the config fields that differ between them, then what became of each.

    Returns
    -------
    pandas.DataFrame
        One row per run in planned order. Columns: each differing field (named by the field,
        values as text), then 'status', 'val_accuracy', 'train_accuracy', 'test_accuracy' (in %,
        NaN when unknown), 'seconds' and 'causes' (the failure badges).
    """
    import pandas as pd

    from ..sweep_analysis import causes_of

    fields = differing_fields([r.config for r in records])
    rows = []
    for record in records:
        row = {name: field_text(record.config, name) for name in fields}
        row.update(status=translate(STATUS_WORDS.get(record.status, record.status)),
                   val_accuracy=_percent(record.val_accuracy), train_accuracy=_percent(record.train_accuracy),
                   test_accuracy=_percent(record.test_accuracy),
                   seconds=np.nan if record.seconds is None else round(record.seconds, 1),
                   causes=", ".join(translate(cause.badge) for cause in causes_of(record)))
        rows.append(row)
    columns = [*fields, "status", "val_accuracy", "train_accuracy", "test_accuracy", "seconds", "causes"]
    return pd.DataFrame(rows, columns=columns)


def _percent(value: float | None) -> float:
    return np.nan if value is None else round(100 * float(value), 2)
