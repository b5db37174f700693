"""MNIST images as a learner first meets them: grids, class counts, class averages.

Images are shown as MNIST stores them: white ink on a black background.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..i18n import N_, Translate, same
from . import style
from .mosaic import mosaic_figure, tile, to_unit

DIGITS = np.arange(10)


def _as_images(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) or flattened (n, 784) images as (n, h, w)."""
    array = np.asarray(images)
    if array.ndim == 2 and array.shape[1] == 784:
        array = array.reshape(-1, 28, 28)
    return array


def digit_grid(images: np.ndarray, labels: np.ndarray | None = None, captions: Sequence[str] | None = None,
               columns: int = 10, caption_colors: Sequence[str] | None = None,
               title: str | None = None, translate: Translate = same) -> go.Figure:
    """A grid of small digit images, each captioned.

    Parameters
    ----------
    images : (n, 28, 28) uint8 in 0..255 or float in [0, 1]; (n, 784) rows also work.
    labels : optional (n,) digits; the default caption of each image.
    captions : optional n strings shown above the images instead of the labels
        (e.g. ``"7 → 1 (98%)"`` for mistakes).
    columns : images per row.
    caption_colors : optional n CSS colours, one per caption.
    title : optional figure title.
    translate : puts the hover texts into the reader's language (the default keeps English).

    Returns
    -------
    go.Figure
        One heatmap trace of the tiled mosaic and, when there are captions, a
        text trace. Its height fits the grid (about 60 px per row of ten).
    """
    array = _as_images(images)
    if array.ndim != 3 or len(array) == 0:
        return style.empty_figure(title=title, translate=translate)
    if captions is None and labels is not None:
        captions = [str(int(label)) for label in np.asarray(labels)]
    mosaic = tile(to_unit(array), columns, caption_room=captions is not None)
    hover = None if captions is None else [translate(N_("image {number}: {caption}"), number=i, caption=text)
                                           for i, text in enumerate(captions)]
    return mosaic_figure(mosaic, captions, caption_colors, hover=hover, tile_px=56, title=title)


def class_counts(labels: np.ndarray | Mapping[str, np.ndarray], title: str | None = None,
                 translate: Translate = same) -> go.Figure:
    """Bar chart of how many images there are of each digit 0-9.

    Parameters
    ----------
    labels : (n,) digits, or a mapping such as ``{"train": y_train, "test": y_test}``
        to compare splits as grouped bars (one colour per split); the names are shown as given.
    title : optional figure title.
    translate : puts the axis titles and hover texts into the reader's language.

    Returns
    -------
    go.Figure
        One bar trace per split, x = digit, y = count; the counts show on hover (written on
        twenty narrow bars they were too small to read). Every second split is hatched, so
        the splits differ by more than colour.
    """
    groups = dict(labels) if isinstance(labels, Mapping) else {translate(N_("images")): labels}
    groups = {name: np.asarray(values, dtype=np.int64).ravel() for name, values in groups.items()}
    if not groups or all(values.size == 0 for values in groups.values()):
        return style.empty_figure(title=title, translate=translate)
    fig = go.Figure()
    for i, (name, values) in enumerate(groups.items()):
        counts = np.bincount(values[(values >= 0) & (values <= 9)], minlength=10)[:10]
        pattern = dict(shape=style.SECOND_PATTERN if i % 2 else "")  # told apart without colour too
        fig.add_trace(go.Bar(x=DIGITS, y=counts, name=name, marker=dict(color=style.run_color(i), pattern=pattern),
                             hovertemplate=translate(N_("digit {digit}: {count} images"), digit="%{x}",
                                                     count="%{y:,}") + "<extra>" + name + "</extra>"))
    fig.update_xaxes(title=translate(N_("digit")), tickmode="array", tickvals=DIGITS, type="category")
    fig.update_yaxes(title=translate(N_("images")), rangemode="tozero")
    return style.apply_layout(fig, title=title, height=300, legend=len(groups) > 1)


def average_digits(images: np.ndarray, labels: np.ndarray, title: str | None = None,
                   translate: Translate = same) -> go.Figure:
    """The mean image of each digit, ten small images in a row.

    Parameters
    ----------
    images : (n, 28, 28) uint8 or float (or (n, 784) rows).
    labels : (n,) digits.
    title : optional figure title.
    translate : puts the hover texts into the reader's language.

    Returns
    -------
    go.Figure
        One heatmap of ten tiles captioned with the digit (hover: how many
        images were averaged); a digit with no images stays blank.
    """
    array = _as_images(images)
    labels = np.asarray(labels).ravel()
    if array.ndim != 3 or len(array) == 0 or len(labels) != len(array):
        return style.empty_figure(title=title, translate=translate)
    array = to_unit(array)
    h, w = array.shape[1:]
    means = np.full((10, h, w), np.nan)
    counts = np.bincount(labels[(labels >= 0) & (labels <= 9)].astype(np.int64), minlength=10)[:10]
    for digit in range(10):
        if counts[digit]:
            means[digit] = array[labels == digit].mean(axis=0)
    hover = [translate(N_("mean of {count:,} images of {digit}"), count=c, digit=d) if c
             else translate(N_("no images of {digit}"), digit=d) for d, c in enumerate(counts)]
    return mosaic_figure(tile(means, 10), [str(d) for d in range(10)], hover=hover, tile_px=72, title=title)


def single_digit(image: np.ndarray, title: str = "", zrange: tuple[float, float] | None = None,
                 height: int = 260, translate: Translate = same) -> go.Figure:
    """One image, large, with each pixel's value on hover.

    Parameters
    ----------
    image : (h, w) array (a flat (784,) vector is reshaped to 28×28): uint8 or
        values in 0..255 are scaled to [0, 1]; values in [0, 1] are shown as
        they are; anything else (e.g. standardised pixels) uses its own min..max.
    title : figure title, e.g. the preprocessing stage.
    zrange : optional (black, white) values overriding the automatic range.
    height : figure height in pixels.
    translate : puts the hover text into the reader's language.

    Returns
    -------
    go.Figure
        One heatmap trace; hover shows row, column and the original value.
        The axes span exactly the image, so marks added on top (a centre of
        mass) never shrink it, and two square images of any pixel count
        drawn at the same height come out the same size on screen.
    """
    raw = np.asarray(image, dtype=float)
    if raw.ndim == 1 and raw.size == 784:
        raw = raw.reshape(28, 28)
    if raw.ndim != 2 or raw.size == 0:
        return style.empty_figure(title=title or None, height=height, translate=translate)
    finite = raw[np.isfinite(raw)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if zrange is not None:
        zmin, zmax = zrange
    elif low >= 0 and high <= 1:
        zmin, zmax = 0.0, 1.0
    elif low >= 0 and high <= 255:
        zmin, zmax = 0.0, 255.0
    else:
        zmin, zmax = low, high if high > low else low + 1
    fig = go.Figure(go.Heatmap(z=raw, colorscale=style.GREYSCALE, zmin=zmin, zmax=zmax, showscale=False,
                               hovertemplate=translate(N_("row {row}, column {column}<br>value {value}"),
                                                       row="%{y}", column="%{x}", value="%{z:.3g}")
                               + "<extra></extra>"))
    rows, cols = raw.shape
    fig.update_yaxes(range=[rows - 0.5, -0.5], scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_xaxes(range=[-0.5, cols - 0.5], constrain="domain")
    style.hide_axes(fig)
    style.apply_layout(fig, title=title or None, height=height, legend=False)
    fig.update_layout(margin=dict(l=5, r=5, t=40 if title else 5, b=5), plot_bgcolor="black")
    return fig
