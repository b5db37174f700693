"""Charts every visitor can use: a Plotly figure, a sentence a screen reader reads, and the data as a table.

A chart is a picture of numbers. Someone who cannot see it (or cannot hover
it: a phone, a keyboard) still gets what it shows: :func:`show_chart` gives
the chart a one-sentence summary as its accessible name (``alt``) and puts the
numbers behind it in a real HTML table inside an expander, which a keyboard
opens and a screen reader reads cell by cell.

The ``*_summary`` and ``*_table`` helpers below word the summary and build
the table of the app's common charts; each takes the same data as the figure
builder in :mod:`explainer.figures` it goes with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explainer.figures.style import percent_text
from explainer.metrics import ClassScores
from ui.i18n import _

PLAIN = {"displayModeBar": False}  # no Plotly toolbar: it only offers zoom and a PNG download here
MAX_STATIC_ROWS = 60  # a longer table scrolls (st.dataframe) instead of printing every row (st.table)

Table = Mapping[str, Sequence[Any]] | pd.DataFrame


def show_chart(figure: go.Figure, *, key: str, summary: str, table: Table | None = None,
               table_label: str | None = None, config: dict | None = None) -> None:
    """Draw ``figure`` with ``summary`` as its accessible name and, if given, ``table`` in an expander.

    Parameters
    ----------
    figure : go.Figure
        The chart.
    key : str
        Its element key (also the table's, with ``.table`` appended).
    summary : str
        One sentence in the visitor's language saying what the chart shows,
        with its main numbers (what a sighted reader takes from a glance).
    table : mapping of column name to values, or DataFrame, optional
        The numbers drawn. The first column names the rows (it becomes the
        row headers a screen reader announces).
    table_label : str, optional
        The expander's label; by default "The numbers in this chart".
    config : dict, optional
        Plotly config; by default no mode bar.
    """
    # theme=None: the figure's own look (explainer.figures.style), whose text has 4.5:1 contrast or more;
    # Streamlit's chart theme writes axis labels in a grey with 3.8:1.
    st.plotly_chart(figure, key=key, width="stretch", config=PLAIN if config is None else config, alt=summary,
                    theme=None)
    if table is not None:
        with st.expander(table_label or _("The numbers in this chart"), icon=":material/table:"):
            show_table(table, key=f"{key}.table")


def show_table(table: Table, *, key: str) -> None:
    """A table with its first column as row headers: static HTML when short, a scrolling grid when long."""
    frame = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(dict(table))
    if len(frame) > MAX_STATIC_ROWS:
        st.dataframe(frame, hide_index=True, width="stretch", key=key)
        return
    # Row names as text: Streamlit hides an index that looks like 0, 1, 2… (the digits would vanish).
    first = frame.columns[0]
    st.table(frame.assign(**{first: frame[first].astype(str)}).set_index(first))


# --- words and tables for the common charts ---------------------------------------------------

def counts_summary(counts: Mapping[str, np.ndarray]) -> str:
    """'Images per digit: train 5,421 (digit 5) to 6,742 (digit 1); test 892 (digit 5) to 1,135 (digit 1).'"""
    parts = [_("{split} {low:,} (digit {low_digit}) to {high:,} (digit {high_digit})", split=split,
               low=int(values.min()), low_digit=int(values.argmin()), high=int(values.max()),
               high_digit=int(values.argmax()))
             for split, values in counts.items()]
    return _("Bar chart of the images of each digit: {ranges}.", ranges="; ".join(parts))


def counts_table(counts: Mapping[str, np.ndarray]) -> dict[str, list]:
    """Digit, then one column of counts per split."""
    return {_("digit"): list(range(10)), **{split: [int(n) for n in values] for split, values in counts.items()}}


def confusion_summary(confusion: np.ndarray) -> str:
    """How many are right, and the most frequent mistake, in one sentence."""
    counts = np.asarray(confusion, dtype=np.int64)
    off = counts.copy()
    np.fill_diagonal(off, -1)
    true, predicted = np.unravel_index(int(np.argmax(off)), off.shape)
    return _("Confusion matrix of {total:,} test images: {right:,} on the diagonal were read right; the most "
             "frequent mistake is a true {true} read as {predicted} ({count} times).",
             total=int(counts.sum()), right=int(np.trace(counts)), true=int(true), predicted=int(predicted),
             count=int(counts[true, predicted]))


def confusion_table(confusion: np.ndarray) -> pd.DataFrame:
    """One row per true digit, one column per predicted digit."""
    counts = np.asarray(confusion, dtype=np.int64)
    frame = pd.DataFrame({_("true digit"): [str(d) for d in range(len(counts))]})
    for digit in range(counts.shape[1]):
        frame[_("predicted {digit}", digit=digit)] = counts[:, digit]
    return frame


def scores_summary(scores: ClassScores) -> str:
    """The range of precision and of recall, and which digit is found least often."""
    precision, recall = np.asarray(scores.precision, float), np.asarray(scores.recall, float)
    if not (np.isfinite(precision).any() and np.isfinite(recall).any()):
        return _("Precision and recall per digit: not available.")
    worst = int(np.nanargmin(recall))
    return _("Bar chart of precision and recall per digit: precision from {p_low} to {p_high}, recall from "
             "{r_low} to {r_high}; the digit found least often is {digit} (recall {recall}).",
             p_low=percent_text(np.nanmin(precision)), p_high=percent_text(np.nanmax(precision)),
             r_low=percent_text(np.nanmin(recall)), r_high=percent_text(np.nanmax(recall)), digit=worst,
             recall=percent_text(recall[worst]))


def scores_table(scores: ClassScores) -> dict[str, list]:
    """Digit, precision, recall (as text, 'n/a' when undefined) and the number of test images."""
    def shown(value: float) -> str:
        return percent_text(value) if np.isfinite(value) else _("n/a")
    return {_("digit"): list(range(len(scores.support))),
            _("precision"): [shown(v) for v in scores.precision],
            _("recall"): [shown(v) for v in scores.recall],
            _("test images"): [int(n) for n in scores.support]}


def outputs_summary(outputs: np.ndarray) -> str:
    """The two digits with the largest outputs, as percentages when the outputs are probabilities."""
    values = np.asarray(outputs, dtype=float).ravel()
    first, second = (int(i) for i in np.argsort(values)[::-1][:2])
    if values.min() >= 0 and values.max() <= 1:
        return _("Bar chart of the network's output for each digit: {first} gets {p1}, the next is {second} "
                 "with {p2}.", first=first, p1=percent_text(values[first]), second=second,
                 p2=percent_text(values[second]))
    return _("Bar chart of the network's score for each digit: {first} scores highest ({s1:.3g}), then "
             "{second} ({s2:.3g}).", first=first, s1=values[first], second=second, s2=values[second])


def outputs_table(outputs: np.ndarray) -> dict[str, list]:
    """Digit and the network's output for it."""
    values = np.asarray(outputs, dtype=float).ravel()
    probability = bool(values.min() >= 0 and values.max() <= 1)
    shown = [percent_text(v) if probability else f"{v:.4g}" for v in values]
    return {_("digit"): list(range(len(values))), _("output"): shown}


def hidden_summary(activations: Sequence[np.ndarray]) -> str:
    """How many units of each hidden layer are active (above zero)."""
    if not activations:
        return _("No hidden layers: the pixels go straight to the output.")
    layers = "; ".join(_("a{layer}: {active} of {units} units above zero", layer=i, active=int(np.sum(a > 0)),
                         units=int(np.size(a))) for i, a in enumerate(activations, start=1))
    return _("One strip per hidden layer, one cell per unit, coloured by its activation: {layers}.", layers=layers)


def hidden_table(activations: Sequence[np.ndarray]) -> dict[str, list]:
    """One row per hidden unit: layer, unit index, activation."""
    rows = [(f"a{i}", unit, float(value)) for i, a in enumerate(activations, start=1)
            for unit, value in enumerate(np.ravel(a))]
    return {_("layer"): [r[0] for r in rows], _("unit"): [r[1] for r in rows],
            _("activation"): [round(r[2], 4) for r in rows]}


def curves_summary(runs: Sequence[Any]) -> str:
    """'Run A reached 97.1% validation accuracy after 4,692 steps; run B 96.4% after 4,692 steps.'

    ``runs`` are :class:`explainer.figures.curves.CurveData`.
    """
    parts = []
    for run in runs:
        if run.evaluations:
            last = run.evaluations[-1]
            parts.append(_("{name}: validation accuracy {accuracy:.2%} after {steps:,} steps",
                           name=run.name, accuracy=last.val_accuracy, steps=last.step))
        else:
            parts.append(_("{name}: no accuracy measured yet", name=run.name))
    return _("Loss and accuracy over training.") + " " + "; ".join(parts) + "."


def curves_table(runs: Sequence[Any]) -> pd.DataFrame:
    """One row per accuracy measurement of every run: step, epoch, losses and accuracies."""
    rows = [{_("run"): run.name, _("step"): e.step, _("epoch"): round(e.epoch, 3),
             _("train loss"): round(e.train_loss, 4), _("validation loss"): round(e.val_loss, 4),
             _("train accuracy"): f"{e.train_accuracy:.2%}", _("validation accuracy"): f"{e.val_accuracy:.2%}"}
            for run in runs for e in run.evaluations]
    return pd.DataFrame(rows, columns=[_("run"), _("step"), _("epoch"), _("train loss"), _("validation loss"),
                                       _("train accuracy"), _("validation accuracy")])


def weights_summary(start: Mapping[str, np.ndarray], end: Mapping[str, np.ndarray]) -> str:
    """'Weights before and after training: W1 spread 0.050 → 0.061; W2 0.125 → 0.280.'"""
    parts = [_("{name} spread {before:.3g} → {after:.3g}", name=name, before=float(np.std(start[name])),
               after=float(np.std(end[name]))) for name in end if name.startswith("W")]
    return _("Histograms of each weight matrix before and after training.") + " " + "; ".join(parts) + "."


def weights_table(start: Mapping[str, np.ndarray], end: Mapping[str, np.ndarray]) -> dict[str, list]:
    """Per weight matrix: its shape, and its mean and standard deviation before and after."""
    names = [name for name in end if name.startswith("W")]
    return {_("matrix"): names, _("shape"): [" × ".join(map(str, end[name].shape)) for name in names],
            _("mean before"): [round(float(np.mean(start[name])), 4) for name in names],
            _("std before"): [round(float(np.std(start[name])), 4) for name in names],
            _("mean after"): [round(float(np.mean(end[name])), 4) for name in names],
            _("std after"): [round(float(np.std(end[name])), 4) for name in names]}
