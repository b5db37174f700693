"""How good is the network, per digit: the confusion matrix and precision/recall bars.

In a confusion matrix of a decent network the diagonal holds thousands and
the mistakes a handful each, so one colour scale would paint every mistake
white. Here the diagonal has its own blue scale and the mistakes an orange
scale on a logarithmic axis, so a cell with 3 mistakes is visibly different
from one with 30.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..i18n import N_, Translate, same
from ..metrics import ClassScores
from . import style

PRECISION_COLOR = "#009E73"
RECALL_COLOR = "#CC79A7"


def _log_ticks(largest: int) -> tuple[list[float], list[str]]:
    """Colour-bar ticks at 0, 1, 3, 10, 30, ... on the log1p scale."""
    counts, step = [0], 1
    while step <= max(largest, 1):
        counts.append(step)
        step = step * 3 if str(step)[0] == "1" else step * 10 // 3
    return [float(np.log1p(c)) for c in counts], [str(c) for c in counts]


CELL_WORDS = {  # (one image, share of the true digit known) -> a cell's hover text
    (True, True): N_("true {true}, predicted {predicted}: {count:,} image ({share:.1f}% of the {true}s)"),
    (False, True): N_("true {true}, predicted {predicted}: {count:,} images ({share:.1f}% of the {true}s)"),
    (True, False): N_("true {true}, predicted {predicted}: {count:,} image"),
    (False, False): N_("true {true}, predicted {predicted}: {count:,} images"),
}


def confusion_heatmap(confusion: np.ndarray, title: str | None = None, height: int = 480,
                      translate: Translate = same) -> go.Figure:
    """The confusion matrix with every count written in its cell.

    Parameters
    ----------
    confusion : (k, k) int counts, row = true digit, column = predicted digit
        (:func:`explainer.metrics.confusion_matrix`), usually k = 10.
    title : optional figure title.
    height : pixels; the cells stay square.
    translate : puts the axis titles, colour-bar title and hover texts into the reader's language.

    Returns
    -------
    go.Figure
        Traces: the mistakes heatmap (off-diagonal, orange, log scale, with a
        colour bar), the correct heatmap (diagonal, blue) and a text trace
        whose ``text`` is every count, row by row; hovering a cell says e.g.
        "true 4, predicted 9: 12 images (1.2% of the 4s)". The y axis runs
        0 at the top to 9 at the bottom.
    """
    counts = np.asarray(confusion)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.size == 0 or counts.sum() == 0:
        return style.empty_figure(title=title, height=height, translate=translate)
    counts = counts.astype(np.int64)
    k = counts.shape[0]
    digits = np.arange(k)
    diagonal = np.eye(k, dtype=bool)
    mistakes = np.where(diagonal, np.nan, np.log1p(counts))
    correct = np.where(diagonal, counts, np.nan)
    largest_mistake = int(counts[~diagonal].max()) if k > 1 else 0
    tickvals, ticktext = _log_ticks(largest_mistake)

    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=mistakes, x=digits, y=digits, colorscale=style.ERRORS, zmin=0, zmax=max(np.log1p(largest_mistake), 1e-9),
        name=translate(N_("mistakes")), hoverinfo="skip", xgap=1, ygap=1,
        # Horizontal, under the matrix: on a phone a vertical bar would take a third of the width.
        colorbar=dict(title=dict(text=translate(N_("mistakes")), side="top"), tickvals=tickvals, ticktext=ticktext,
                      thickness=10, len=0.8, orientation="h", x=0.5, xanchor="center", y=-0.04,
                      yanchor="top")))
    fig.add_trace(go.Heatmap(z=correct, x=digits, y=digits, colorscale=style.CORRECT, zmin=0,
                             zmax=max(int(np.diag(counts).max()), 1), showscale=False, name=translate(N_("correct")),
                             hoverinfo="skip", xgap=1, ygap=1))

    rows, cols = np.divmod(np.arange(k * k), k)
    flat = counts.ravel()
    support = counts.sum(axis=1)
    share = np.where(support[rows] > 0, 100 * flat / np.maximum(support[rows], 1), np.nan)
    dark = np.where(diagonal.ravel(), flat > 0.55 * max(np.diag(counts).max(), 1),
                    np.log1p(flat) > 0.6 * np.log1p(max(largest_mistake, 1)))
    colors = np.where(flat == 0, style.MUTED, np.where(dark, "white", style.TEXT))
    hover = [translate(CELL_WORDS[(n == 1, bool(np.isfinite(p)))], true=r, predicted=c, count=n, share=p)
             for r, c, n, p in zip(rows.tolist(), cols.tolist(), flat.tolist(), share.tolist())]
    fig.add_trace(go.Scatter(x=cols, y=rows, mode="text", text=[str(n) for n in flat], name=translate(N_("counts")),
                             textfont=dict(size=style.SMALL_SIZE - (flat.max() >= 1000), color=list(colors)),
                             hovertext=hover, hoverinfo="text", showlegend=False))
    ticks = dict(tickmode="array", tickvals=digits, showgrid=False, zeroline=False)
    fig.update_xaxes(title=translate(N_("predicted digit")), side="top", constrain="domain", **ticks)
    fig.update_yaxes(title=translate(N_("true digit")), autorange="reversed", scaleanchor="x", scaleratio=1,
                     constrain="domain", **ticks)
    style.apply_layout(fig, title=title, height=height, legend=False)
    fig.update_layout(margin=dict(t=80 if title else 50, b=80), plot_bgcolor="white")
    return fig


SCORE_WORDS = {  # legend name and what it means, per score
    "precision": (N_("precision"), N_("of the images predicted as {digit}, this share was right")),
    "recall": (N_("recall"), N_("of the true {digit}s, this share was found")),
}


def class_scores_bar(scores: ClassScores, title: str | None = None, height: int = 320,
                     translate: Translate = same) -> go.Figure:
    """Precision and recall of every digit as grouped bars, in %.

    Parameters
    ----------
    scores : per-digit (k,) precision, recall and support
        (:func:`explainer.metrics.class_scores`); NaN (a digit never predicted
        or absent) is left as a missing bar, marked "n/a" below.
    title : optional figure title.
    height : pixels.
    translate : puts the legend, axis titles, hover texts and "n/a" into the reader's language.

    Returns
    -------
    go.Figure
        Two bar traces named "precision" and "recall" (hatched), x = digit, y in %; the
        y axis starts a little below the lowest score (not at 0) so the
        differences between digits are visible. Values show on hover only
        (twenty labels over narrow bars run into each other).
    """
    precision = np.asarray(scores.precision, dtype=float)
    recall = np.asarray(scores.recall, dtype=float)
    if precision.size == 0 or not (np.isfinite(precision).any() or np.isfinite(recall).any()):
        return style.empty_figure(title=title, height=height, translate=translate)
    digits = np.arange(len(precision))
    support = np.asarray(scores.support)
    fig = go.Figure()
    for kind, values, color, pattern in (("precision", precision, PRECISION_COLOR, ""),
                                         ("recall", recall, RECALL_COLOR, style.SECOND_PATTERN)):
        name, meaning = translate(SCORE_WORDS[kind][0]), translate(SCORE_WORDS[kind][1], digit="%{x}")
        percent = [float(100 * v) if np.isfinite(v) else None for v in values]
        fig.add_trace(go.Bar(
            x=digits, y=percent, name=name, marker=dict(color=color, pattern=dict(shape=pattern)), customdata=support,
            hovertemplate=translate(N_("digit {digit}: {score} {value}%"), digit="%{x}", score=name, value="%{y:.1f}")
                          + "<br>" + meaning + "<br>"
                          + translate(N_("{count} true {digit}s"), count="%{customdata:,}", digit="%{x}")
                          + "<extra></extra>"))
    finite = 100 * np.concatenate([precision[np.isfinite(precision)], recall[np.isfinite(recall)]])
    low = max(0.0, float(np.floor(finite.min() / 5) * 5 - 5))
    for digit in digits[~(np.isfinite(precision) & np.isfinite(recall))]:
        fig.add_annotation(x=digit, y=low, yanchor="bottom", text=translate(N_("n/a")), showarrow=False,
                           font=dict(size=style.SMALL_SIZE, color=style.MUTED))
    fig.update_xaxes(title=translate(N_("digit")), tickmode="array", tickvals=digits)
    fig.update_yaxes(title=translate(N_("score")), range=[low, 101], ticksuffix="%")  # room above 100%, no "102%" tick
    style.apply_layout(fig, title=title, height=height)
    fig.update_layout(barmode="group", bargap=0.25)
    return fig
