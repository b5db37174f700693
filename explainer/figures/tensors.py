"""Arrays as coloured grids: one tensor, or one traced operation's inputs and output.

Every cell is coloured by its sign and size on the shared diverging scale
(red > 0, blue < 0, white = 0) and its index and value show on hover. Large
arrays show only their top-left corner, and the title says so, because a
784×128 grid of 4-pixel cells teaches nothing while "first 64 of 784 rows"
keeps the true shape in view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..i18n import N_, Translate, render, same
from ..trace import Operation, Tensor, shape_text
from . import style
from .mosaic import tile

SIGN_NOTE = N_("red > 0, blue < 0, white = 0; each panel has its own scale")
SIGN_NOTE_WITH_IMAGES = N_("red > 0, blue < 0, white = 0; each panel has its own scale; input images in grey")


@dataclass(frozen=True)
class Shown:
    """The part of an array that is drawn, and what the title should say about it."""

    z: np.ndarray  # (rows, cols) float, at most max_side a side
    shape: tuple[int, ...]  # the true shape
    notes: tuple[str, ...]  # e.g. "first 64 of 784 rows"
    vector: bool  # True when the array was 1-D (drawn as one row)


def _shown(value: np.ndarray, max_side: int, shape: tuple[int, ...] | None = None,
           translate: Translate = same) -> Shown:
    """The drawn part of ``value``; ``shape`` is the true shape when ``value`` is already only a part of it."""
    array = np.asarray(value, dtype=float)
    notes = []
    vector = array.ndim == 1
    if array.ndim == 1:
        array = array.reshape(1, -1)
    elif array.ndim > 2:
        array = array.reshape(array.shape[0], -1)
        notes.append(translate(N_("shown as {shape}"), shape=shape_text(array.shape, translate)))
    rows, cols = array.shape
    if shape is not None and len(shape) in (1, 2) and len(shape) == np.ndim(value):
        rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    shape = tuple(shape) if shape is not None else tuple(np.shape(value))
    if rows > max_side:
        notes.append(translate(N_("first {shown} of {count} rows"), shown=max_side, count=rows))
    if cols > max_side:
        notes.append(translate(N_("first {shown} of {count} entries") if vector else
                               N_("first {shown} of {count} columns"), shown=max_side, count=cols))
    return Shown(array[:max_side, :max_side], shape, tuple(notes), vector)


def _title(name: str, shown: Shown, separator: str = " — ", translate: Translate = same) -> str:
    head = f"{name} ({shape_text(shown.shape, translate)})"
    return head + (separator + ", ".join(shown.notes) if shown.notes else "")


def _heatmap(name: str, shown: Shown, colorbar: bool) -> go.Heatmap:
    zmin, zmax = style.symmetric_range(shown.z)
    index = f"{name}[%{{x}}]" if shown.vector else f"{name}[%{{y}}, %{{x}}]"
    return go.Heatmap(z=shown.z, colorscale=style.DIVERGING, zmin=zmin, zmax=zmax, zmid=0,
                      showscale=colorbar, name=name, xgap=0, ygap=0,
                      colorbar=dict(thickness=12, len=1.0 if shown.vector else 0.8),
                      hovertemplate=index + " = %{z:.4g}<extra></extra>")


def _scalar_text(name: str, value: float) -> str:
    return f"{name} = {value:.4g}"


def tensor_heatmap(value: np.ndarray, name: str, max_side: int = 64, height: int | None = None,
                   shape: tuple[int, ...] | None = None, translate: Translate = same) -> go.Figure:
    """One array as a heatmap on the diverging scale, zero at the centre.

    Parameters
    ----------
    value : a scalar (shown as a big number), a (n,) vector (one row), a
        (rows, cols) matrix, or a higher-dimensional array (flattened to
        (shape[0], rest)).
    name : the array's name as the maths writes it, e.g. ``"W1"``.
    max_side : at most this many rows and columns are drawn (the first ones).
    height : pixels; by default about 8 px per drawn row, 200 to 600.
    shape : the true shape when ``value`` holds only its top-left part (a compact trace tensor).
    translate : puts the title's notes and the axis titles into the reader's language.

    Returns
    -------
    go.Figure
        One heatmap trace (x = column index, y = row index, row 0 at the top)
        titled like ``"W1 (784×128) — first 64 of 784 rows, first 64 of 128 columns"``;
        a scalar gives no trace and one annotation ``"L = 2.303"``.
    """
    array = np.asarray(value)
    if array.size == 0:
        return style.empty_figure(translate(N_("{name} is empty ({shape})"), name=name,
                                            shape=shape_text(array.shape, translate)), title=name)
    if array.ndim == 0:
        fig = style.empty_figure(_scalar_text(name, float(array)), height=height or 200,
                                 title=f"{name} ({shape_text((), translate)})")
        fig.layout.annotations[0].font.update(size=32, color=style.TEXT)
        return fig
    shown = _shown(array, max_side, shape, translate)
    rows = shown.z.shape[0]
    fig = go.Figure(_heatmap(name, shown, colorbar=True))
    fig.update_yaxes(autorange="reversed", title=translate(N_("row")) if not shown.vector else None,
                     showticklabels=not shown.vector, showgrid=False, zeroline=False)
    fig.update_xaxes(title=translate(N_("entry") if shown.vector else N_("column")), showgrid=False, zeroline=False)
    return style.apply_layout(fig, title=_title(name, shown, translate=translate), legend=False,
                              height=height or int(np.clip(140 + 8 * rows, 200, 600)))


IMAGE_NAMES = ("X", "x", "a0")  # batches of input images, drawn as thumbnails
MAX_THUMBNAILS = 16
PAGE_WIDTH = 650  # px a figure is assumed to get, for default heights


@dataclass(frozen=True)
class Panel:
    """One subplot of an operation figure: a signed grid or a mosaic of input images."""

    z: np.ndarray
    title: str
    images: bool
    hover: str


def _panel(tensor: Tensor, max_side: int, translate: Translate = same) -> Panel | None:
    """How to draw one tensor of an operation (None for a scalar or an empty array)."""
    value = np.asarray(tensor.value, dtype=float)
    if value.ndim == 0 or value.size == 0:
        return None
    if tensor.name in IMAGE_NAMES and value.ndim == 2 and 784 in value.shape:
        rows = value if value.shape[1] == 784 else value.T
        shown = rows[:MAX_THUMBNAILS].reshape(-1, 28, 28)
        each = N_("each row as a 28×28 image") if value.shape[1] == 784 else N_("each column as a 28×28 image")
        note = translate(each) + (", " + translate(N_("first {count}"), count=len(shown))
                                  if len(rows) > len(shown) else "")
        z = tile(shown, columns=min(4, len(shown)), caption_room=False).z
        return Panel(z, f"{tensor.name} ({shape_text(value.shape, translate)})<br>{note}", True,
                     translate(N_("pixel {value}"), value="%{z:.3g}"))
    part = _shown(value, max_side, tensor.shape, translate)
    index = f"{tensor.name}[%{{x}}]" if part.vector else f"{tensor.name}[%{{y}}, %{{x}}]"
    return Panel(part.z, _title(tensor.name, part, "<br>", translate), False, index + " = %{z:.4g}")


def _panel_trace(name: str, panel: Panel) -> go.Heatmap:
    if panel.images:
        finite = panel.z[np.isfinite(panel.z)]
        zmin, zmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        return go.Heatmap(z=panel.z, colorscale=style.GREYSCALE, zmin=zmin, zmax=max(zmax, zmin + 1e-9),
                          showscale=False, name=name, hovertemplate=panel.hover + "<extra></extra>")
    zmin, zmax = style.symmetric_range(panel.z)
    return go.Heatmap(z=panel.z, colorscale=style.DIVERGING, zmin=zmin, zmax=zmax, zmid=0, showscale=False,
                      name=name, hovertemplate=panel.hover + "<extra></extra>")


def operation_figure(op: Operation, max_side: int = 32, height: int | None = None,
                     translate: Translate = same) -> go.Figure:
    """One traced operation: its inputs and its output side by side, "→" before the output.

    Parameters
    ----------
    op : an operation from :func:`explainer.trace.trace_step`.
    max_side : each panel draws at most this many rows and columns.
    height : pixels; by default sized for a ~700 px wide page so the
        tallest panel fills it (250 to 510).
    translate : puts the operation's title, the panel notes and hover words into the reader's language.

    Returns
    -------
    go.Figure
        One subplot per tensor (inputs first, the output last, equal widths),
        titled with its name and true shape. Arrays are heatmaps with square
        cells (each panel scaled to fit its box) on the
        diverging scale; a batch of input images (``X`` m×784, or ``x``
        784×m) is shown as up to 16 greyscale 28×28 thumbnails; a scalar (the
        loss) is a big number. The operation's title is the figure title.
    """
    tensors: list[Tensor] = [*op.inputs, op.output]
    panels = [_panel(t, max_side, translate) for t in tensors]
    widths = np.array([0.6 if p is None else 1.0 for p in panels])
    domains = _column_domains(widths, spacing=0.06)
    small, hidden = dict(size=style.SMALL_SIZE), dict(showgrid=False, zeroline=False, showticklabels=False)
    traces, axes, notes, numbers = [], {}, [], []  # titles first, then scalars and the arrow
    # One subplot per tensor, laid out by hand: one Figure() call validates
    # everything at once, several times faster than make_subplots + updates.
    for i, (tensor, panel, (left, right)) in enumerate(zip(tensors, panels, domains), start=1):
        x, y = ("x", "y") if i == 1 else (f"x{i}", f"y{i}")
        x_axis, y_axis = x.replace("x", "xaxis"), y.replace("y", "yaxis")
        title = _scalar_title(tensor, translate) if panel is None else panel.title
        notes.append(dict(text=title, x=(left + right) / 2, y=1.0, xref="paper", yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False, font=small))
        if panel is None:
            text = _scalar_text(tensor.name, float(tensor.value)) if tensor.value.size else translate(N_("empty"))
            numbers.append(dict(text=text, x=(left + right) / 2, y=0.5, xref="paper", yref="paper",
                                xanchor="center", showarrow=False, font=dict(size=20)))
            axes[x_axis] = dict(domain=[left, right], anchor=y, visible=False)
            axes[y_axis] = dict(domain=[0, 1], anchor=x, visible=False)
            continue
        traces.append(_panel_trace(tensor.name, panel).update(xaxis=x, yaxis=y))
        axes[x_axis] = dict(domain=[left, right], anchor=y, constrain="domain", **hidden)
        axes[y_axis] = dict(domain=[0, 1], anchor=x, autorange="reversed", scaleanchor=x, scaleratio=1,
                            constrain="domain", **hidden)
    notes += numbers
    if len(tensors) > 1:
        notes.append(dict(text="→", x=(domains[-2][1] + domains[-1][0]) / 2, y=0.5, xref="paper", yref="paper",
                          xanchor="center", showarrow=False, font=dict(size=28, color=style.MUTED)))
    note = translate(SIGN_NOTE_WITH_IMAGES if any(p is not None and p.images for p in panels) else SIGN_NOTE)
    # Each panel keeps square cells inside its box; the tallest one sets the height.
    box = PAGE_WIDTH * (domains[0][1] - domains[0][0]) / widths[0]
    plot = max((box * p.z.shape[0] / p.z.shape[1] for p in panels if p is not None), default=120)
    fig = go.Figure(data=traces, layout=dict(annotations=notes, **axes))
    style.apply_layout(fig, legend=False, height=height or int(130 + np.clip(plot, 120, 380)))
    fig.update_layout(title=dict(text=render(op.heading, translate), x=0, xanchor="left",
                                 font=dict(size=style.TITLE_SIZE),
                                 subtitle=dict(text=note, font=dict(size=style.SMALL_SIZE, color=style.MUTED))),
                      margin=dict(t=110, b=10))
    return fig


def _column_domains(widths: np.ndarray, spacing: float) -> list[tuple[float, float]]:
    """Paper x ranges of side-by-side panels with relative ``widths`` and ``spacing`` between."""
    scale = (1 - spacing * (len(widths) - 1)) / widths.sum()
    starts = np.concatenate([[0.0], np.cumsum(widths[:-1] * scale + spacing)])
    return [(float(a), float(min(a + w * scale, 1.0))) for a, w in zip(starts, widths)]


def _scalar_title(tensor: Tensor, translate: Translate = same) -> str:
    return f"{tensor.name} ({shape_text(tensor.shape, translate)})"
