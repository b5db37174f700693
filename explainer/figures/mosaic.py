"""Many small images as one heatmap: tiling, captions, and the image look.

Drawing 100 digits as 100 subplots is slow; one (rows·h, columns·w) heatmap
with NaN gaps between the tiles renders instantly. Captions are one text
trace placed above the tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from . import style

GAP = 2  # blank pixels between tiles
CAPTION = 9  # pixels of room above each tile for its caption


@dataclass(frozen=True)
class Mosaic:
    """Tiles laid out on a grid.

    ``z`` is float32 (rows·(h+GAP+CAPTION), columns·(w+GAP)) with NaN outside
    the tiles; ``centres`` is (n, 2) of (x, y) caption positions in pixels.
    """

    z: np.ndarray
    centres: np.ndarray
    rows: int
    columns: int


def to_unit(images: np.ndarray) -> np.ndarray:
    """Scale uint8 0..255 (or any array whose max exceeds 1) into [0, 1] as float."""
    array = np.asarray(images, dtype=float)
    finite = array[np.isfinite(array)]
    if np.asarray(images).dtype == np.uint8 or (finite.size and finite.max() > 1.0):
        return array / 255.0
    return array


def tile(images: np.ndarray, columns: int, caption_room: bool = True) -> Mosaic:
    """Lay out images (n, h, w) row by row, ``columns`` per row."""
    n, h, w = images.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    top = CAPTION if caption_room else 0
    cell_h, cell_w = h + GAP + top, w + GAP
    # float32 halves the JSON sent to the browser (pixels need no more precision).
    z = np.full((rows * cell_h, columns * cell_w), np.nan, dtype=np.float32)
    centres = np.empty((n, 2))
    for i in range(n):
        r, c = divmod(i, columns)
        y0, x0 = r * cell_h + top, c * cell_w
        z[y0:y0 + h, x0:x0 + w] = images[i]
        centres[i] = (x0 + (w - 1) / 2, y0 - top / 2 - 0.5)
    return Mosaic(z, centres, rows, columns)


def mosaic_figure(mosaic: Mosaic, captions: Sequence[str] | None = None,
                  caption_colors: Sequence[str] | None = None, *, hover: Sequence[str] | None = None,
                  colorscale=style.GREYSCALE,
                  zmin: float = 0.0, zmax: float = 1.0, zmid: float | None = None,
                  tile_px: int = 56, title: str | None = None, colorbar: bool = False) -> go.Figure:
    """A figure of one tiled heatmap with optional captions above the tiles.

    ``hover`` gives each caption a longer hover text (default: the caption).
    """
    fig = go.Figure(go.Heatmap(z=mosaic.z, colorscale=colorscale, zmin=zmin, zmax=zmax, zmid=zmid,
                               showscale=colorbar, hoverinfo="skip", name="images"))
    if captions is not None:
        fig.add_trace(go.Scatter(
            x=mosaic.centres[:, 0], y=mosaic.centres[:, 1], mode="text", text=list(captions),
            textfont=dict(size=style.SMALL_SIZE, color=list(caption_colors) if caption_colors else style.TEXT),
            hovertext=list(hover) if hover is not None else None, hoverinfo="text",
            showlegend=False, name="captions"))
    height_px = mosaic.z.shape[0] / max(mosaic.z.shape[1], 1) * tile_px * mosaic.columns
    fig.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_xaxes(constrain="domain")
    style.hide_axes(fig)
    top = style.MARGIN["t"] if title else 10
    style.apply_layout(fig, title=title, height=int(max(120, height_px + top + 10)), legend=False)
    fig.update_layout(margin=dict(l=5, r=70 if colorbar else 5, t=top, b=5), plot_bgcolor="white")
    return fig
