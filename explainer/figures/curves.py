"""Training curves: loss, accuracy and learning rate against epochs, for one run or several.

A run's curves come either from a finished :class:`~explainer.trainer.TrainResult`
or from the events a page collects while it watches training. Long runs
(50,000 steps) are averaged into at most :data:`MAX_POINTS` buckets before
plotting so the browser stays fast; the CSV export keeps every step.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import N_, Translate, same
from ..trainer import Evaluation, Step, TrainResult
from . import style

MAX_POINTS = 2000
CSV_COLUMNS = ("run", "kind", "step", "epoch", "loss", "lr",
               "train_loss", "train_accuracy", "val_loss", "val_accuracy")


@dataclass
class CurveData:
    """Everything one run contributes to the curves.

    Attributes
    ----------
    name : legend name, e.g. ``"A: exponential decay"``.
    step_epochs : (s,) position of every gradient step in epochs (step / steps per epoch).
    step_loss : (s,) batch loss at every step.
    step_lr : (s,) learning rate used at every step.
    evaluations : the accuracy measurements, in order.
    step_numbers : (s,) 1-based step numbers; defaults to 1..s.
    """

    name: str
    step_epochs: np.ndarray
    step_loss: np.ndarray
    step_lr: np.ndarray
    evaluations: Sequence[Evaluation] = ()
    step_numbers: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.step_epochs = np.asarray(self.step_epochs, dtype=float).ravel()
        self.step_loss = np.asarray(self.step_loss, dtype=float).ravel()
        self.step_lr = np.asarray(self.step_lr, dtype=float).ravel()
        if self.step_numbers is None:
            self.step_numbers = np.arange(1, len(self.step_loss) + 1)
        self.step_numbers = np.asarray(self.step_numbers, dtype=np.int64).ravel()
        self.evaluations = tuple(self.evaluations)

    @property
    def is_empty(self) -> bool:
        """True when there is neither a step nor an evaluation to draw."""
        return len(self.step_loss) == 0 and not self.evaluations

    @classmethod
    def from_result(cls, name: str, result: TrainResult, steps_per_epoch: int | None = None) -> CurveData:
        """Curves of a finished run.

        ``steps_per_epoch`` (see :func:`explainer.trainer.plan`) places the
        steps on the epoch axis; when omitted it is read off an evaluation
        (``step / epoch``), and failing that one step counts as one epoch.
        """
        per_epoch = steps_per_epoch or _steps_per_epoch(result.evaluations)
        steps = np.arange(1, len(result.step_loss) + 1)
        return cls(name, steps / per_epoch, result.step_loss, result.step_lr, result.evaluations, steps)

    @classmethod
    def from_events(cls, name: str, steps: Sequence[Step], evaluations: Sequence[Evaluation]) -> CurveData:
        """Curves of a run in progress, from the Step and Evaluation events collected so far."""
        return cls(name,
                   np.fromiter((s.epoch for s in steps), float, len(steps)),
                   np.fromiter((s.loss for s in steps), float, len(steps)),
                   np.fromiter((s.lr for s in steps), float, len(steps)),
                   evaluations,
                   np.fromiter((s.step for s in steps), np.int64, len(steps)))


def _steps_per_epoch(evaluations: Sequence[Evaluation]) -> float:
    """Steps per epoch as the trainer counted them (``step / epoch`` of an evaluation), else 1."""
    for record in evaluations:
        if record.step > 0 and record.epoch > 0:
            return record.step / record.epoch
    return 1.0


def downsample(values: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Bucket means of a (s,) series, giving at most ``max_points`` values (order kept).

    Consecutive buckets of ``ceil(s / max_points)`` values are averaged; a
    series that is short enough comes back unchanged.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n <= max_points:
        return values
    size = -(-n // max_points)
    starts = np.arange(0, n, size)
    sums = np.add.reduceat(values, starts)
    counts = np.diff(np.append(starts, n))
    return sums / counts


def smooth(values: np.ndarray, span: float) -> np.ndarray:
    """Exponential moving average with ``alpha = 2 / (span + 1)``, bias-corrected at the start.

    The correction (as in Adam and TensorBoard) stops the first points from
    being dragged towards zero.
    """
    values = np.asarray(values, dtype=float)
    if span <= 1 or len(values) < 2:
        return values
    alpha = 2.0 / (span + 1.0)
    out = np.empty_like(values)
    average, weight = 0.0, 0.0
    for i, value in enumerate(values):
        average = (1 - alpha) * average + alpha * value
        weight = (1 - alpha) * weight + alpha
        out[i] = average / weight
    return out


def _accuracy_range(runs: Sequence[CurveData]) -> list[float] | None:
    values = [100 * a for run in runs for e in run.evaluations
              for a in (e.train_accuracy, e.val_accuracy) if np.isfinite(a)]
    if not values:
        return None
    low, high = min(values), max(values)
    pad = max(1.0, 0.05 * (high - low))
    return [max(0.0, low - pad), min(100.0, high + pad)]


def training_curves(runs: Sequence[CurveData], log_loss: bool = False, height: int = 640,
                    max_points: int = MAX_POINTS, translate: Translate = same) -> go.Figure:
    """Loss, accuracy and learning rate of one or more runs, on one shared epoch axis.

    Parameters
    ----------
    runs : the runs to compare; run ``i`` is drawn in :func:`style.run_color(i) <style.run_color>`.
    log_loss : draw the loss on a logarithmic axis (useful when it spans decades).
    height : figure height in pixels; 600-700 reads well.
    max_points : the per-step series are bucket-averaged to at most this many points per run
        (a live chart that is redrawn often can use a few hundred).
    translate : puts axis titles, legend names and hover texts into the reader's language
        (the app passes its ``_``; the default keeps English).

    Returns
    -------
    go.Figure
        Three rows sharing x = epoch. Row 1: the batch loss per step (faint,
        bucket-averaged to at most ``max_points`` points) with its moving average, and
        the evaluated train (hollow) and validation (filled) loss as markers.
        Row 2: train (dotted) and validation (solid) accuracy in %. Row 3: the
        learning rate per step. Run A's markers are circles and its own lines
        solid, run B's squares and dashed (:func:`style.run_symbol`,
        :func:`style.run_dash`). Three legend entries per run, e.g.
        ``"A: decay — batch loss"``, ``"A: decay — train loss/acc"``,
        ``"A: decay — val loss/acc"``; clicking one hides its loss and accuracy.
    """
    runs = [run for run in runs if not run.is_empty]
    if not runs:
        return style.empty_figure(translate(N_("no data yet: start a training run")), height=height)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05, row_heights=[0.45, 0.35, 0.2])
    for i, run in enumerate(runs):
        _add_run(fig, run, i, max_points, translate)
    fig.update_xaxes(title_text=translate(N_("epoch")), row=3, col=1)
    fig.update_yaxes(title_text=translate(N_("loss")), type="log" if log_loss else "linear", row=1, col=1)
    fig.update_yaxes(title_text=translate(N_("accuracy")), ticksuffix="%", range=_accuracy_range(runs), row=2, col=1)
    fig.update_yaxes(title_text=translate(N_("learning rate")), exponentformat="power", rangemode="tozero",
                     row=3, col=1)
    style.apply_layout(fig, height=height)
    fig.update_layout(hovermode="x", margin=dict(t=70))
    return fig


# Legend names and hover texts of one run's evaluated train and validation points.
KIND_WORDS = {
    "train": {"loss": N_("{run} — train loss"), "both": N_("{run} — train loss/acc"),
              "loss hover": N_("train loss {value}"), "accuracy hover": N_("train accuracy {value}%")},
    "val": {"loss": N_("{run} — val loss"), "both": N_("{run} — val loss/acc"),
            "loss hover": N_("val loss {value}"), "accuracy hover": N_("val accuracy {value}%")},
}


def _add_run(fig: go.Figure, run: CurveData, index: int, max_points: int = MAX_POINTS,
             translate: Translate = same) -> None:
    """Draw the ``index``-th run's traces into the three rows.

    Three legend entries per run (batch loss, train, val); each toggles its
    loss and accuracy traces together. Besides its colour, a run is told
    apart by its marker (filled for validation, hollow for training) and by
    the line style of its batch loss and learning rate, so the curves read
    without colour too.
    """
    color, dash = style.run_color(index), style.run_dash(index)
    if len(run.step_loss):
        x = downsample(run.step_epochs, max_points)
        loss = downsample(run.step_loss, max_points)
        span = float(np.clip(len(loss) / 30, 1, 50))
        group = dict(legendgroup=f"{run.name} — batch")
        fig.add_trace(go.Scatter(x=x, y=loss, mode="lines", line=dict(color=color, width=1), opacity=0.25,
                                 name=translate(N_("{run} — batch loss (raw)"), run=run.name), showlegend=False,
                                 hoverinfo="skip", **group), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=smooth(loss, span), mode="lines", line=dict(color=color, width=2, dash=dash),
                                 name=translate(N_("{run} — batch loss"), run=run.name),
                                 hovertemplate=translate(N_("batch loss {value} (smoothed)"), value="%{y:.4f}"),
                                 **group), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=downsample(run.step_lr, max_points), mode="lines",
                                 line=dict(color=color, width=2, dash=dash),
                                 name=translate(N_("{run} — learning rate"), run=run.name), showlegend=False,
                                 hovertemplate="η = %{y:.3g}"), row=3, col=1)
    if not run.evaluations:
        return
    epochs = [e.epoch for e in run.evaluations]
    for kind, dash, symbol in (("train", "dot", style.run_symbol(index, hollow=True)),
                               ("val", "solid", style.run_symbol(index))):
        group, words = dict(legendgroup=f"{run.name} — {kind}"), KIND_WORDS[kind]
        fig.add_trace(go.Scatter(
            x=epochs, y=[getattr(e, f"{kind}_loss") for e in run.evaluations], mode="markers",
            marker=dict(color=color, symbol=symbol, size=8), name=translate(words["loss"], run=run.name),
            showlegend=False, hovertemplate=translate(words["loss hover"], value="%{y:.4f}"), **group), row=1, col=1)
        fig.add_trace(go.Scatter(
            x=epochs, y=[100 * getattr(e, f"{kind}_accuracy") for e in run.evaluations], mode="lines+markers",
            line=dict(color=color, width=2 if kind == "val" else 1.5, dash=dash),
            marker=dict(color=color, symbol=symbol, size=7), name=translate(words["both"], run=run.name),
            hovertemplate=translate(words["accuracy hover"], value="%{y:.2f}"), **group), row=2, col=1)


def curves_csv(runs: Sequence[CurveData]) -> str:
    """The curves of every run as CSV text, for a download button.

    Columns are :data:`CSV_COLUMNS`: one ``step`` row per gradient step (step,
    epoch, loss, lr filled) and one ``eval`` row per evaluation (step, epoch,
    lr and the four measurements filled); every step is kept, nothing averaged.
    """
    lines = [",".join(CSV_COLUMNS)]
    for run in runs:
        name = _csv_field(run.name)
        # Plain Python floats format several times faster than numpy scalars.
        columns = (run.step_numbers.tolist(), run.step_epochs.tolist(), run.step_loss.tolist(),
                   run.step_lr.tolist())
        lines += [f"{name},step,{step},{epoch:.6g},{loss:.6g},{lr:.6g},,,,"
                  for step, epoch, loss, lr in zip(*columns)]
        lines += [f"{name},eval,{e.step},{e.epoch:.6g},,{e.lr:.6g},{e.train_loss:.6g},"
                  f"{e.train_accuracy:.6g},{e.val_loss:.6g},{e.val_accuracy:.6g}" for e in run.evaluations]
    return "\n".join(lines) + "\n"


def _csv_field(text: str) -> str:
    """One CSV field, quoted if it holds a comma, quote or newline."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([text])
    return buffer.getvalue()
