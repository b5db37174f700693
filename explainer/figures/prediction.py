"""One image through the network: the output for each digit and the hidden activations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import N_, Translate, same
from . import style


def probability_bars(probabilities: np.ndarray, label: int | None = None, title: str | None = None,
                     height: int = 300, translate: Translate = same) -> go.Figure:
    """The network's output for each digit as bars, the prediction highlighted.

    Parameters
    ----------
    probabilities : (10,) output layer values. Values in [0, 1] are shown in %
        (softmax sums to 100%, sigmoid outputs need not); anything else (a
        linear output) is shown as raw scores.
    label : optional true digit; if the prediction is wrong its bar is drawn in
        the "true label" colour.
    title : optional title; by default "predicted 7 (97.1%)" plus the true label.
    height : pixels.
    translate : puts the title, axis titles and hover text into the reader's language.

    Returns
    -------
    go.Figure
        One bar trace, x = digit 0..9, bar colours: blue = predicted digit,
        vermillion and hatched = true digit when it differs, grey = others.
        Percentages (bar labels, hover, title) come from
        :func:`style.percent_text`, so a 99.97% bar reads ">99.9%" as the
        page's sentence does, never "100.0%".
    """
    values = np.asarray(probabilities, dtype=float).ravel()
    if values.size == 0 or not np.isfinite(values).any():
        return style.empty_figure(title=title, height=height, translate=translate)
    digits = np.arange(values.size)
    predicted = int(np.nanargmax(values))
    percent = bool(np.nanmin(values) >= 0 and np.nanmax(values) <= 1)
    shown = 100 * values if percent else values
    colors = [style.LIGHT_GREY] * values.size
    patterns = [""] * values.size
    if label is not None and 0 <= label < values.size and label != predicted:
        colors[label] = style.TRUE_LABEL_COLOR
        patterns[label] = style.SECOND_PATTERN
    colors[predicted] = style.PREDICTED_COLOR
    hover = [style.percent_text(v) if percent else f"{v:.3g}" for v in values]
    # Only bars of at least 1% get a label: ten "0.0%" labels are clutter.
    text = [label_text if not percent or v >= 1 else "" for label_text, v in zip(hover, shown)]
    fig = go.Figure(go.Bar(x=digits, y=shown, marker=dict(color=colors, pattern=dict(shape=patterns)),
                           text=text, textposition="outside", cliponaxis=False, name=translate(N_("output")),
                           customdata=hover,
                           hovertemplate=translate(N_("digit {digit}: {value}"), digit="%{x}", value="%{customdata}")
                           + "<extra></extra>"))
    if title is None:
        title = (translate(N_("predicted {digit} ({probability})"), digit=predicted, probability=hover[predicted])
                 if percent else translate(N_("predicted {digit}"), digit=predicted))
        if label is not None:
            title += " — " + translate(N_("true {digit}"), digit=label) + (" ✓" if label == predicted else " ✗")
    fig.update_xaxes(title=translate(N_("digit")), tickmode="array", tickvals=digits)
    if percent:
        fig.update_yaxes(title=translate(N_("probability")), ticksuffix="%", range=[0, 105])
    else:
        fig.update_yaxes(title=translate(N_("score")))
    return style.apply_layout(fig, title=title, height=height, legend=False)


def hidden_activations(activations: Sequence[np.ndarray], names: Sequence[str] | None = None,
                       title: str | None = None, height: int | None = None,
                       translate: Translate = same) -> go.Figure:
    """One thin heatmap strip per hidden layer: how strongly each unit responds to one image.

    Parameters
    ----------
    activations : one (n_l,) array per hidden layer (a (1, n_l) row also works).
    names : labels of the strips; default "a1", "a2", ...
    title : optional figure title.
    height : pixels; default 60 + 100 per layer.
    translate : puts the strip titles, hover texts and notices into the reader's language.

    Returns
    -------
    go.Figure
        One heatmap trace per layer (x = unit index, a single row) on the
        diverging scale with zero white, so ReLU's silent units show as white
        and tanh's negative ones as blue. Each strip has its own range.
    """
    layers = [np.asarray(a, dtype=float).ravel() for a in activations]
    layers = [a for a in layers if a.size]
    if not layers:
        return style.empty_figure(translate(N_("no hidden layers: the pixels go straight to the output")),
                                  title=title, height=height or 200)
    given = list(names) if names is not None else []
    names = [given[i] if i < len(given) else f"a{i + 1}" for i in range(len(layers))]
    titles = [translate(N_("{name} ({units} units, {active} > 0)"), name=name, units=a.size, active=int(np.sum(a > 0)))
              for name, a in zip(names, layers)]
    height = height or 60 + 100 * len(layers)
    # About 55 px between strips: room for one strip's tick numbers and the next strip's title.
    plot_height = max(height - style.MARGIN["t"] - style.MARGIN["b"], 1)
    spacing = min(55 / plot_height, 0.9 / max(len(layers) - 1, 1)) if len(layers) > 1 else 0.0
    fig = make_subplots(rows=len(layers), cols=1, subplot_titles=titles, vertical_spacing=spacing)
    for row, (name, a) in enumerate(zip(names, layers), start=1):
        zmin, zmax = style.symmetric_range(a)
        fig.add_trace(go.Heatmap(z=a.reshape(1, -1), colorscale=style.DIVERGING, zmin=zmin, zmax=zmax, zmid=0,
                                 showscale=False, name=name, xgap=1 if a.size <= 64 else 0,
                                 hovertemplate=translate(N_("{name} unit {unit}: {value}"), name=name, unit="%{x}",
                                                         value="%{z:.3g}") + "<extra></extra>"),
                      row=row, col=1)
        fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, row=row, col=1)
        fig.update_xaxes(showgrid=False, zeroline=False, row=row, col=1)
    for annotation in fig.layout.annotations:
        annotation.font.size = style.SMALL_SIZE
    return style.apply_layout(fig, title=title, height=height, legend=False)
