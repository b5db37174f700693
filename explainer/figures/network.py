"""The classic node-link picture of a fully connected network.

Each layer is a column of circles. Wide layers show their first and last few
units with "⋮" between, and the true width written underneath, so 784
inputs fit on screen while the learner still reads "784". Between two columns
the grey edges stand for the weight matrix, labelled with its shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from . import style

ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
OUTPUT_NAMES = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": "linear"}


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
                    max_nodes_drawn: int = 12, height: int = 420) -> go.Figure:
    """A node-link diagram of the network, input on the left.

    Parameters
    ----------
    layer_sizes : widths from input to output, e.g. ``(784, 128, 10)``
        (:attr:`explainer.config.RunConfig.layer_sizes`); 0 to 4 hidden layers look tidy.
    activation : hidden activation name as in the config (``"relu"``, ...).
    output : output layer name as in the config (``"softmax"``, ...).
    max_nodes_drawn : circles per column at most (at least 3).
    height : figure height in pixels.

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
        return style.empty_figure("no network to draw", height=height)
    max_nodes_drawn = max(3, int(max_nodes_drawn))
    last = len(sizes) - 1
    fig = go.Figure()
    columns = [drawn_units(n, max_nodes_drawn) for n in sizes]
    positions = [_slot_y(len(units) + (gap is not None)) for units, gap in columns]
    node_y = [np.delete(ys, gap) if gap is not None else ys for ys, (_, gap) in zip(positions, columns)]
    top = (max(len(p) for p in positions) - 1) / 2

    for layer in range(last):
        xs, ys = [], []
        for y0 in node_y[layer]:
            for y1 in node_y[layer + 1]:
                xs += [layer, layer + 1, None]
                ys += [y0, y1, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=style.EDGE, width=0.6),
                                 hoverinfo="skip", showlegend=False, name=f"W{layer + 1}"))
        n_in, n_out = sizes[layer], sizes[layer + 1]
        fig.add_annotation(x=layer + 0.5, y=top + 0.55, text=f"W{layer + 1}: {n_in}×{n_out}",
                           showarrow=False, bgcolor="white", font=dict(size=style.SMALL_SIZE))

    for layer, ((units, gap), ys) in enumerate(zip(columns, node_y)):
        header, color, label = _column_text(layer, last, sizes[layer], activation, output)
        fig.add_trace(go.Scatter(
            x=np.full(len(units), layer), y=ys, mode="markers", name=header, showlegend=False,
            marker=dict(size=14, color=color, line=dict(color="white", width=1)),
            hovertemplate=[f"{header}: unit {u + 1} of {sizes[layer]}<extra></extra>" for u in units]))
        if gap is not None:
            fig.add_annotation(x=layer, y=positions[layer][gap], text="⋮", showarrow=False,
                               font=dict(size=18, color=style.GREY))
        fig.add_annotation(x=layer, y=top + 1.25, text=f"<b>{header}</b>", showarrow=False)
        fig.add_annotation(x=layer, y=-top - 0.7, yanchor="top", text=label, showarrow=False)
        if layer == last and sizes[layer] == 10 and gap is None:
            fig.add_trace(go.Scatter(
                x=np.full(10, layer + 0.08), y=ys, mode="text", text=[str(d) for d in range(10)],
                textposition="middle right", hoverinfo="skip", showlegend=False, name="digits",
                textfont=dict(size=style.SMALL_SIZE, color=style.GREY)))

    arrows = " → ".join(str(n) for n in sizes)
    fig.update_xaxes(range=[-0.5, last + 0.5])
    fig.update_yaxes(range=[-top - 2.0, top + 1.6])
    style.hide_axes(fig)
    return style.apply_layout(fig, title=f"{arrows} · {parameter_count(sizes):,} parameters",
                              height=height, legend=False)


def _column_text(layer: int, last: int, size: int, activation: str, output: str) -> tuple[str, str, str]:
    """(header, node colour, size label) of one column."""
    if layer == 0:
        return "input", style.INPUT_NODE, f"<b>{size}</b><br>pixels"
    if layer == last:
        return "output", style.OUTPUT_NODE, f"<b>{size}</b><br>{OUTPUT_NAMES.get(output, output)}"
    return f"hidden {layer}", style.HIDDEN_NODE, f"<b>{size}</b><br>{ACTIVATION_NAMES.get(activation, activation)}"
