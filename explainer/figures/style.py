"""The shared look of every figure: colours, colour scales and layout.

One place decides how the app looks, so a learner who has read one chart can
read the next: run A is always blue and run B always vermillion (Okabe–Ito
colours, distinguishable with every common colour-vision deficiency); signed
values (weights, gradients, activations) always use the same red–blue scale
with white at exactly zero; images always show white ink on black, as MNIST
stores them.

Colour is never the only carrier of meaning: run A and run B also differ by
marker (circle vs square) and line style (solid vs dashed), and bars that
compare two things (train vs test, precision vs recall, start vs end) differ
by a hatch pattern too. Text drawn in a figure (:data:`TEXT`, :data:`MUTED`)
has at least 4.5:1 contrast on white.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..i18n import N_, Translate, same

# Okabe–Ito palette: run A, run B, then more runs if a page ever shows them.
RUN_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
RUN_A, RUN_B = RUN_COLORS[0], RUN_COLORS[1]

GREY = "#8c8c8c"  # graphics only (bars, lines): too light for text
LIGHT_GREY = "#d9d9d9"
TEXT = "#2a3f5f"
MUTED = "#6b6b6b"  # secondary text in figures: 5.3:1 on white

# What tells runs apart besides colour: run i gets marker RUN_SYMBOLS[i] and line style RUN_DASHES[i].
RUN_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "star")
RUN_DASHES = ("solid", "dash", "dashdot", "longdash", "dot", "longdashdot")
# Hatching for the second of two compared bar series (train vs test, precision vs recall, start vs end).
SECOND_PATTERN = "/"

# Start vs end of training (weight histograms), and the highlighted bars.
START_COLOR = GREY
END_COLOR = RUN_A
PREDICTED_COLOR = RUN_A
TRUE_LABEL_COLOR = RUN_B

# Network diagram nodes.
INPUT_NODE = "#bdbdbd"
HIDDEN_NODE = "#56B4E9"
OUTPUT_NODE = "#009E73"
EDGE = "#c8c8c8"

# Signed values: blue < 0 < red, white at zero (use with zmid=0 or symmetric zmin/zmax).
DIVERGING = "RdBu_r"
# Images: 0 = black background, 1 = white ink (MNIST's own convention).
GREYSCALE = [[0.0, "#000000"], [1.0, "#ffffff"]]
# Counts of mistakes: white for none, darker orange-red for more.
ERRORS = [[0.0, "#ffffff"], [0.15, "#fde0c5"], [0.5, "#f59e61"], [1.0, "#b2400b"]]
# Counts of correct answers on the confusion diagonal.
CORRECT = [[0.0, "#dbeaf5"], [1.0, "#2b73b3"]]

# The app's own typeface (Streamlit ships Source Sans), then common Chinese faces for the zh interface.
FONT_FAMILY = ('"Source Sans", "Source Sans Pro", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", '
               'sans-serif')
FONT_SIZE = 13
TITLE_SIZE = 15
SMALL_SIZE = 11

# The look of plotly's "plotly_white" template, reduced to what these figures use:
# assigning the full template costs 40-80 ms per figure, this one under 10 ms.
_AXIS = dict(gridcolor="#EBF0F8", linecolor="#EBF0F8", zerolinecolor="#EBF0F8", zerolinewidth=2,
             ticks="", automargin=True, title=dict(standoff=15))
TEMPLATE = go.layout.Template(layout=dict(
    plot_bgcolor="white", paper_bgcolor="white", font=dict(color=TEXT, family=FONT_FAMILY), colorway=list(RUN_COLORS),
    xaxis=_AXIS, yaxis=_AXIS, hoverlabel=dict(align="left"), hovermode="closest",
))
MARGIN = dict(l=50, r=20, t=60, b=45)

NO_DATA = N_("no data yet")


def run_color(index: int) -> str:
    """Colour of the ``index``-th run (0 = A, 1 = B, ...), cycling if there are many."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def run_symbol(index: int, hollow: bool = False) -> str:
    """Marker of the ``index``-th run (circle, square, ...); ``hollow`` gives its open variant."""
    symbol = RUN_SYMBOLS[index % len(RUN_SYMBOLS)]
    return f"{symbol}-open" if hollow else symbol


def run_dash(index: int) -> str:
    """Line style of the ``index``-th run's own lines (solid for A, dashed for B, ...)."""
    return RUN_DASHES[index % len(RUN_DASHES)]


def percent_text(probability: float, decimals: int = 1) -> str:
    """A probability as a percentage that never rounds to a claim it does not make.

    ``0.9996`` is ``'>99.9%'``, not ``'100.0%'``; ``0.0004`` is ``'<0.1%'``,
    not ``'0.0%'``; exactly 1 and exactly 0 are ``'100%'`` and ``'0%'``.
    Every sentence and every chart of a probability uses this, so they agree.

    Parameters
    ----------
    probability : float
        A value in [0, 1].
    decimals : int
        Digits after the decimal point.

    Returns
    -------
    str
    """
    value = float(probability)
    if value >= 1:
        return "100%"
    if value <= 0:
        return "0%"
    step = 10.0 ** -decimals
    shown = round(100 * value, decimals)
    if shown >= 100:
        return f">{100 - step:.{decimals}f}%"
    if shown <= 0:
        return f"<{step:.{decimals}f}%"
    return f"{shown:.{decimals}f}%"


def run_letter(index: int) -> str:
    """'A', 'B', ... for the ``index``-th run."""
    return chr(ord("A") + index % 26)


def apply_layout(fig: go.Figure, title: str | None = None, height: int | None = None,
                 legend: bool = True, legend_y: float = 1.02) -> go.Figure:
    """Give ``fig`` the common look: white background, tight margins, legend on top.

    Parameters
    ----------
    fig : the figure to restyle in place.
    title : optional title, shown top left.
    height : optional height in pixels (the width follows the container).
    legend : whether to show the legend (horizontal, above the plot).
    legend_y : legend bottom in paper coordinates; raise it above subplot titles.

    Returns
    -------
    The same figure, for chaining.
    """
    fig.update_layout(
        template=TEMPLATE,
        font=dict(size=FONT_SIZE),
        margin=MARGIN,
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=legend_y, xanchor="left", x=0,
                    font=dict(size=SMALL_SIZE)),
        hoverlabel=dict(font_size=SMALL_SIZE),
    )
    if title is not None:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=TITLE_SIZE)))
    if height is not None:
        fig.update_layout(height=height)
    return fig


def empty_figure(message: str | None = None, height: int = 260, title: str | None = None,
                 translate: Translate = same) -> go.Figure:
    """A figure with no axes and ``message`` in the middle, for when there is nothing to draw.

    ``message`` is already in the reader's language; without one the figure says
    :data:`NO_DATA` through ``translate``.
    """
    message = translate(NO_DATA) if message is None else message
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=TITLE_SIZE, color=MUTED))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_layout(fig, title=title, height=height, legend=False)


def hide_axes(fig: go.Figure, **selector) -> go.Figure:
    """Hide ticks, grid and zero lines (for images and diagrams); ``selector`` as update_xaxes."""
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", showline=False)
    fig.update_xaxes(**hidden, **selector)
    fig.update_yaxes(**hidden, **selector)
    return fig


def symmetric_range(values: np.ndarray) -> tuple[float, float]:
    """(-m, m) with m the largest finite |value|, so zero sits at the centre of a diverging scale."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    m = float(np.max(np.abs(finite))) if finite.size else 0.0
    m = m if m > 0 else 1.0
    return -m, m
