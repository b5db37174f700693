"""The live training chart: loss and accuracy while runs train, built as a plain figure dict.

Every visitor watching a run redraws this chart once a second, so it must be
cheap: building a Plotly ``Figure`` with subplots validates every property
and costs about 100 ms, which twenty watchers turn into two busy CPU cores.
A plain dict in Plotly's JSON layout costs about a millisecond. The finished
runs get the full three-row chart of :func:`explainer.figures.curves.training_curves`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import style
from .curves import CurveData, downsample, smooth

LIVE_POINTS = 200  # per run and series


def _line(x, y, color: str, dash: str, name: str, axis: str, *, width: float = 2, legend: bool = True,
          opacity: float = 1.0, group: str | None = None) -> dict:
    return {"type": "scatter", "mode": "lines", "x": np.asarray(x, float).tolist(), "y": np.asarray(y, float).tolist(),
            "line": {"color": color, "width": width, "dash": dash}, "name": name, "showlegend": legend,
            "opacity": opacity, "yaxis": axis, "legendgroup": group or name, "hoverinfo": "x+y+name"}


def live_curves(runs: Sequence[CurveData], height: int = 520, texts: dict[str, str] | None = None) -> dict:
    """A two-row chart (batch loss; train and validation accuracy) of runs in progress, as a figure dict.

    Parameters
    ----------
    runs : the runs so far; run ``i`` has :func:`style.run_color(i) <style.run_color>`, its dash
        and its marker, as in the finished chart.
    texts : axis titles and trace suffixes, already in the visitor's language:
        ``loss``, ``accuracy``, ``epoch``, ``batch loss``, ``train``, ``validation``.
    """
    words = {"loss": "loss", "accuracy": "accuracy", "epoch": "epoch", "batch loss": "batch loss",
             "train": "train", "validation": "validation", **(texts or {})}
    data = []
    for index, run in enumerate(runs):
        color, dash = style.run_color(index), style.run_dash(index)
        if len(run.step_loss):
            x = downsample(run.step_epochs, LIVE_POINTS)
            loss = downsample(run.step_loss, LIVE_POINTS)
            data.append(_line(x, loss, color, "solid", run.name, "y", width=1, legend=False, opacity=0.3,
                              group=f"{run.name} loss"))
            data.append(_line(x, smooth(loss, float(np.clip(len(loss) / 30, 1, 50))), color, dash,
                              f"{run.name} — {words['batch loss']}", "y", group=f"{run.name} loss"))
        if run.evaluations:
            epochs = [e.epoch for e in run.evaluations]
            for kind, hollow, line in (("train", True, "dot"), ("val", False, "solid")):
                label = words["train"] if kind == "train" else words["validation"]
                trace = _line(epochs, [100 * getattr(e, f"{kind}_accuracy") for e in run.evaluations], color, line,
                              f"{run.name} — {label}", "y2")
                trace["mode"] = "lines+markers"
                trace["marker"] = {"color": color, "symbol": style.run_symbol(index, hollow=hollow), "size": 7}
                data.append(trace)
    axis = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8"}
    layout = {
        "height": height, "margin": {"l": 60, "r": 20, "t": 60, "b": 45}, "hovermode": "x",
        "font": {"family": style.FONT_FAMILY, "size": style.FONT_SIZE, "color": style.TEXT},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": 1.12, "x": 0, "font": {"size": style.SMALL_SIZE}},
        "xaxis": {**axis, "title": {"text": words["epoch"]}, "anchor": "y2"},
        "yaxis": {**axis, "title": {"text": words["loss"]}, "domain": [0.48, 1.0], "anchor": "x"},
        "yaxis2": {**axis, "title": {"text": words["accuracy"]}, "domain": [0.0, 0.4], "ticksuffix": "%",
                   "anchor": "x"},
    }
    return {"data": data, "layout": layout}
