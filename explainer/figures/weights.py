"""What training did to the weights: histograms before and after, and first-layer filters.

The histograms show the initialisation (He, Xavier, a fixed scale) as the
starting shape and L2 as a pull back towards zero. The filters show what each
first-layer unit "looks for": its 784 incoming weights laid out as the 28×28
image they multiply.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import N_, Translate, same
from ..model import Params
from . import style
from .mosaic import mosaic_figure, tile

BINS = 60


def _weight_names(params: Params) -> list[str]:
    names = [name for name in params if name.startswith("W") and name[1:].isdigit()]
    return sorted(names, key=lambda name: int(name[1:]))


def shared_bins(a: np.ndarray, b: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Edges covering the finite values of both arrays (widened if they are all equal).

    At most ``bins`` bins, fewer for small matrices (about √size) so that a
    16×10 matrix does not look like a comb.
    """
    values = np.concatenate([np.ravel(a), np.ravel(b)]).astype(float)
    values = values[np.isfinite(values)]
    bins = int(np.clip(np.sqrt(np.size(a)), 10, bins))
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if high - low < 1e-12:
        low, high = low - 1e-3, high + 1e-3
    return np.linspace(low, high, bins + 1)


WHEN = {"start": N_("start"), "end": N_("end")}


def weight_histograms(start: Params, end: Params, height: int = 320, translate: Translate = same) -> go.Figure:
    """Histogram of every weight matrix at the start and at the end of training.

    Parameters
    ----------
    start, end : parameter dicts (``W1`` (784, n1), ``b1``, ...) before and
        after training, e.g. ``result.initial_params`` and ``result.params``;
        only the ``W`` matrices are drawn.
    height : pixels.
    translate : puts the words into the reader's language (the default keeps English).

    Returns
    -------
    go.Figure
        One subplot per layer (W1, W2, ...), each with two overlaid bar traces
        "start" (grey, hatched) and "end" (blue) over the same bins (at most 60), titled with the
        matrix shape and its standard deviation before → after.
    """
    names = [name for name in _weight_names(end) if name in start]
    if not names:
        return style.empty_figure(height=height, translate=translate)
    titles = []
    for name in names:
        titles.append(f"{name} ({'×'.join(map(str, end[name].shape))})<br>"
                      + translate(N_("std {before:.3g} → {after:.3g}"), before=np.std(start[name]),
                                  after=np.std(end[name])))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=titles, horizontal_spacing=0.05)
    for col, name in enumerate(names, start=1):
        edges = shared_bins(start[name], end[name])
        centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
        for label, params, color, pattern in (("start", start, style.START_COLOR, style.SECOND_PATTERN),
                                              ("end", end, style.END_COLOR, "")):
            counts, _ = np.histogram(np.asarray(params[name], dtype=float), bins=edges)
            words = translate(WHEN[label])
            fig.add_trace(go.Bar(x=centres, y=counts, width=width, name=words,
                                 marker=dict(color=color, pattern=dict(shape=pattern)),
                                 opacity=0.55, legendgroup=label, showlegend=col == 1,
                                 hovertemplate=translate(N_("{name} {when}: {count} weights near {value}"), name=name,
                                                         when=words, count="%{y:,}", value="%{x:.3g}")
                                 + "<extra></extra>"),
                          row=1, col=col)
        fig.update_xaxes(title_text=translate(N_("weight value")), row=1, col=col)
    fig.update_yaxes(title_text=translate(N_("weights")), row=1, col=1)
    for annotation in fig.layout.annotations:
        annotation.font.size = style.SMALL_SIZE
    style.apply_layout(fig, height=height, legend_y=1.14)
    fig.update_layout(barmode="overlay", bargap=0, margin=dict(t=100))
    return fig


def first_layer_filters(W1: np.ndarray, count: int = 16, columns: int = 8,
                        title: str | None = None, translate: Translate = same) -> go.Figure:
    """The incoming weights of the first ``count`` hidden units, each as a 28×28 image.

    Parameters
    ----------
    W1 : (784, n) first-layer weights (a feature-first (n, 784) matrix is transposed).
    count : how many units to show (at most n).
    columns : images per row.
    title : optional figure title (in the reader's language).
    translate : puts the hover texts and notices into the reader's language.

    Returns
    -------
    go.Figure
        One tiled heatmap on the diverging scale with one symmetric range for
        all tiles (red = this pixel pushes the unit up, blue = down), captioned
        "1", "2", ... (the hover text says "unit 1: ...")
    """
    W = np.asarray(W1, dtype=float)
    if W.ndim == 2 and W.shape[0] != 784 and W.shape[1] == 784:
        W = W.T
    if W.ndim != 2 or W.shape[0] != 784 or W.shape[1] == 0 or count < 1:
        return style.empty_figure(translate(N_("no first-layer weights to show") if W.size else style.NO_DATA),
                                  title=title)
    shown = W[:, :count].T.reshape(-1, 28, 28)
    zmin, zmax = style.symmetric_range(shown)
    # Just the unit's number over each tile: "unit 10" labels ran into each other on a phone; the hover says more.
    captions = [str(i + 1) for i in range(len(shown))]
    hover = [translate(N_("unit {unit}: its 784 incoming weights as a 28×28 image"), unit=i + 1)
             for i in range(len(shown))]
    return mosaic_figure(tile(shown, columns), captions, hover=hover, colorscale=style.DIVERGING, zmin=zmin,
                         zmax=zmax, zmid=0, tile_px=72, title=title, colorbar=True)
