"""The classic node-link picture of a fully connected network.

Each layer is a column of circles. Wide layers show their first and last few
units with "⋮" between, and the true width written underneath, so 784
inputs fit on screen while the learner still reads "784". Between two columns
the grey edges stand for the weight matrix, labelled with its shape.

:func:`gradient_flow_diagram` draws the same picture for one training step's
backward pass: edges and units coloured by their gradient on the batch (red
positive, blue negative, stronger for larger), layer by layer as far as the
backward pass has come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..i18n import N_, Translate, same
from ..trace import GradientFlow
from . import style

ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
OUTPUT_NAMES = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": N_("linear")}


def drawn_units(size: int, max_nodes_drawn: int) -> tuple[list[int], int | None]:
    """Which units of a layer of ``size`` get a circle, and the slot of the "⋮" (None if all fit).

    A layer that fits shows every unit; a wider one shows its first and last
    units in ``max_nodes_drawn - 1`` circles around a "⋮" slot.
    """
    if size <= max_nodes_drawn:
        return list(range(size)), None
    shown = max_nodes_drawn - 1
    top = (shown + 1) // 2
    return list(range(top)) + list(range(size - (shown - top), size)), top


def _slot_y(slots: int) -> np.ndarray:
    """y of each slot, top to bottom, centred on 0, one unit apart."""
    return (slots - 1) / 2 - np.arange(slots)


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """Weights plus biases of a fully connected network with these widths."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def network_diagram(layer_sizes: Sequence[int], activation: str = "relu", output: str = "softmax",
                    max_nodes_drawn: int = 12, height: int = 420, translate: Translate = same) -> go.Figure:
    """A node-link diagram of the network, input on the left.

    Parameters
    ----------
    layer_sizes : widths from input to output, e.g. ``(784, 128, 10)``
        (:attr:`explainer.config.RunConfig.layer_sizes`); 0 to 4 hidden layers look tidy.
    activation : hidden activation name as in the config (``"relu"``, ...).
    output : output layer name as in the config (``"softmax"``, ...).
    max_nodes_drawn : circles per column at most (at least 3).
    height : figure height in pixels.
    translate : puts the headers, labels, hover texts and title into the reader's language.

    Returns
    -------
    go.Figure
        Edge traces (one per weight matrix, grey lines), one node trace per
        layer, and annotations: column headers ("input", "hidden 1", "output"),
        sizes under each column (two lines: "<b>784</b><br>pixels",
        "<b>128</b><br>ReLU", "<b>10</b><br>softmax"), weight shapes between
        columns ("W1: 784×128") and "⋮" where units are skipped.
    """
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        return style.empty_figure(translate(N_("no network to draw")), height=height)
    geometry = Geometry.of(sizes, max_nodes_drawn)
    fig = go.Figure()
    for layer in range(geometry.last):
        xs, ys = geometry.edge_lines(layer)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=style.EDGE, width=0.6),
                                 hoverinfo="skip", showlegend=False, name=f"W{layer + 1}"))
    for layer in range(len(sizes)):
        header, color, _ = _column_text(layer, geometry.last, sizes[layer], activation, output, translate)
        units = geometry.columns[layer][0]
        fig.add_trace(go.Scatter(
            x=np.full(len(units), layer), y=geometry.node_y[layer], mode="markers", name=header, showlegend=False,
            marker=dict(size=14, color=color, line=dict(color="white", width=1)),
            hovertemplate=[_unit_hover(header, u, sizes[layer], translate) + "<extra></extra>" for u in units]))
    _labels(fig, geometry, activation, output, translate)
    return _finish(fig, geometry, height, translate(N_("{sizes} · {count:,} parameters"),
                                                    sizes=" → ".join(str(n) for n in sizes),
                                                    count=parameter_count(sizes)))


def _unit_hover(header: str, unit: int, size: int, translate: Translate) -> str:
    return translate(N_("{layer}: unit {unit} of {size}"), layer=header, unit=unit + 1, size=size)


@dataclass(frozen=True)
class Geometry:
    """Where every drawn unit of a network sits: one column per layer, x = layer index."""

    sizes: tuple[int, ...]
    columns: tuple[tuple[list[int], int | None], ...]  # (drawn units, slot of the "⋮") per layer
    positions: tuple[np.ndarray, ...]  # y of every slot, "⋮" included
    node_y: tuple[np.ndarray, ...]  # y of every drawn unit
    top: float

    @classmethod
    def of(cls, sizes: Sequence[int], max_nodes_drawn: int) -> Geometry:
        """The layout of a network with these widths, at most ``max_nodes_drawn`` circles a column."""
        limit = max(3, int(max_nodes_drawn))
        columns = tuple(drawn_units(int(n), limit) for n in sizes)
        positions = tuple(_slot_y(len(units) + (gap is not None)) for units, gap in columns)
        node_y = tuple(np.delete(ys, gap) if gap is not None else ys for ys, (_, gap) in zip(positions, columns))
        return cls(tuple(int(n) for n in sizes), columns, positions, node_y, (max(len(p) for p in positions) - 1) / 2)

    @property
    def last(self) -> int:
        """Index of the output column."""
        return len(self.sizes) - 1

    def edge_lines(self, layer: int, pairs: Sequence[tuple[int, int]] | None = None) -> tuple[list, list]:
        """x and y lists (None-separated) of the edges from column ``layer`` to the next (all, or these pairs)."""
        if pairs is None:
            pairs = [(i, j) for i in range(len(self.node_y[layer])) for j in range(len(self.node_y[layer + 1]))]
        xs, ys = [], []
        for i, j in pairs:
            xs += [layer, layer + 1, None]
            ys += [self.node_y[layer][i], self.node_y[layer + 1][j], None]
        return xs, ys


def _labels(fig: go.Figure, geometry: Geometry, activation: str, output: str, translate: Translate = same) -> None:
    """Column headers, sizes, weight shapes, "⋮" and the output digits."""
    sizes, top = geometry.sizes, geometry.top
    for layer in range(geometry.last):
        fig.add_annotation(x=layer + 0.5, y=top + 0.55, text=f"W{layer + 1}: {sizes[layer]}×{sizes[layer + 1]}",
                           showarrow=False, bgcolor="white", font=dict(size=style.SMALL_SIZE))
    for layer, ((_, gap), ys) in enumerate(zip(geometry.columns, geometry.node_y)):
        header, _, label = _column_text(layer, geometry.last, sizes[layer], activation, output, translate)
        if gap is not None:
            fig.add_annotation(x=layer, y=geometry.positions[layer][gap], text="⋮", showarrow=False,
                               font=dict(size=18, color=style.MUTED))
        fig.add_annotation(x=layer, y=top + 1.25, text=f"<b>{header}</b>", showarrow=False)
        fig.add_annotation(x=layer, y=-top - 0.7, yanchor="top", text=label, showarrow=False)
        if layer == geometry.last and sizes[layer] == 10 and gap is None:
            fig.add_trace(go.Scatter(
                x=np.full(10, layer + 0.08), y=ys, mode="text", text=[str(d) for d in range(10)],
                textposition="middle right", hoverinfo="skip", showlegend=False, name="digits",
                textfont=dict(size=style.SMALL_SIZE, color=style.MUTED)))


def _finish(fig: go.Figure, geometry: Geometry, height: int, title: str) -> go.Figure:
    fig.update_xaxes(range=[-0.5, geometry.last + 0.5])
    fig.update_yaxes(range=[-geometry.top - 2.0, geometry.top + 1.6])
    style.hide_axes(fig)
    return style.apply_layout(fig, title=title, height=height, legend=False)


EDGE_BINS = 9  # edges are drawn in this many colour bins per layer (one trace each), strongest widest


def _bin_colors(bins: int) -> list[str]:
    """``bins`` colours from blue (most negative) through white to red (most positive)."""
    from plotly.colors import sample_colorscale

    return sample_colorscale(style.DIVERGING, list(np.linspace(0.0, 1.0, bins)))


def gradient_flow_diagram(flow: GradientFlow, activation: str = "relu", output: str = "softmax", *,
                          units_from: int | None = None, edges_from: int | None = None,
                          selected: tuple[int, int] | None = None, max_nodes_drawn: int = 12,
                          height: int = 460, translate: Translate = same) -> go.Figure:
    """The network diagram coloured by one step's gradients, as far as the backward pass has come.

    Parameters
    ----------
    flow : the step's gradients for the drawn units (:func:`explainer.trace.gradient_flow`,
        computed with the units of ``Geometry.of(sizes, max_nodes_drawn)``).
    units_from : the lowest layer whose dL/dz is known (its units and those above are
        coloured by db = Σ_batch dL/dz); ``None`` colours all, ``L + 1`` none.
    edges_from : the lowest layer whose dW is known (edges into it and above are coloured).
    selected : (layer, unit) of a hidden unit to ring.
    max_nodes_drawn : circles per column at most.
    height : pixels.
    translate : turns the title and hover words into the visitor's language.

    Returns
    -------
    go.Figure
        Edges as one line trace per colour bin and layer (blue negative, red
        positive, wider for larger |dW|, each layer on its own scale set by
        its largest gradient, drawn or not; grey where the gradient is not
        known yet), one marker trace per layer with
        ``customdata`` = (layer, unit) so a click names the unit, a ring around
        the selected unit, and the usual headers and sizes.
    """
    sizes = list(flow.layer_sizes)
    geometry = Geometry.of(sizes, max_nodes_drawn)
    last = geometry.last
    units_from = 1 if units_from is None else units_from
    edges_from = 1 if edges_from is None else edges_from
    colors = _bin_colors(EDGE_BINS)
    fig = go.Figure()
    for layer in range(last):
        grads = flow.edge_grads[layer]
        if layer + 1 < edges_from:
            xs, ys = geometry.edge_lines(layer)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=style.EDGE, width=0.6),
                                     hoverinfo="skip", showlegend=False, name=f"W{layer + 1}"))
            continue
        scale = flow.edge_scales[layer] or 1.0  # the whole layer's largest |dW|: drawn edges compare with all
        bins = np.clip(np.round((grads / scale + 1) / 2 * (EDGE_BINS - 1)).astype(int), 0, EDGE_BINS - 1)
        for b in range(EDGE_BINS):
            pairs = [tuple(p) for p in np.argwhere(bins == b)]
            if not pairs:
                continue
            strength = abs(b - (EDGE_BINS - 1) / 2) / ((EDGE_BINS - 1) / 2)
            xs, ys = geometry.edge_lines(layer, pairs)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                     line=dict(color=colors[b] if strength else style.EDGE, width=0.5 + 3 * strength),
                                     name=f"dW{layer + 1}"))
    for layer in range(last + 1):
        header, plain, _ = _column_text(layer, last, sizes[layer], activation, output, translate)
        units = geometry.columns[layer][0]
        known = layer >= units_from and layer >= 1
        marker = dict(size=15, line=dict(color=style.GREY, width=1), color=plain)
        hover = [_unit_hover(header, u, sizes[layer], translate) for u in units]
        if known:
            db = flow.unit_grads[layer - 1]
            scale = flow.unit_scales[layer - 1] or 1.0
            marker.update(color=db, colorscale=style.DIVERGING, cmin=-scale, cmax=scale)
            hover = [f"{text}<br>dL/db = Σ dL/dz = {value:.3g}" for text, value in zip(hover, db)]
        if 0 < layer < last:
            hover = [f"{text}<br>{translate(N_('click for its chain rule'))}" for text in hover]
        fig.add_trace(go.Scatter(x=np.full(len(units), layer), y=geometry.node_y[layer], mode="markers",
                                 name=header, showlegend=False, marker=marker,
                                 customdata=[[layer, u] for u in units], hovertext=hover, hoverinfo="text"))
    if selected is not None and 0 < selected[0] < last and selected[1] in geometry.columns[selected[0]][0]:
        row = geometry.columns[selected[0]][0].index(selected[1])
        fig.add_trace(go.Scatter(x=[selected[0]], y=[geometry.node_y[selected[0]][row]], mode="markers",
                                 hoverinfo="skip", showlegend=False, name="selected",
                                 marker=dict(size=26, color="rgba(0,0,0,0)", line=dict(color=style.TEXT, width=2.5))))
    _labels(fig, geometry, activation, output, translate)
    if units_from > last:
        title = translate(N_("Gradients of this step: the backward pass has not started"))
    elif edges_from <= 1 and units_from <= 1:
        title = translate(N_("Gradients of this step: the whole backward pass"))
    else:
        title = translate(N_("Gradients of this step: backward pass down to layer {layer}"),
                          layer=min(units_from, edges_from))
    return _finish(fig, geometry, height, title)


def _column_text(layer: int, last: int, size: int, activation: str, output: str,
                 translate: Translate = same) -> tuple[str, str, str]:
    """(header, node colour, size label) of one column, in ``translate``'s language."""
    if layer == 0:
        return translate(N_("input")), style.INPUT_NODE, f"<b>{size}</b><br>" + translate(N_("pixels"))
    if layer == last:
        return (translate(N_("output")), style.OUTPUT_NODE,
                f"<b>{size}</b><br>" + translate(OUTPUT_NAMES.get(output, output)))
    return (translate(N_("hidden {layer}"), layer=layer), style.HIDDEN_NODE,
            f"<b>{size}</b><br>{ACTIVATION_NAMES.get(activation, activation)}")
