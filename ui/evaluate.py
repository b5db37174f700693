"""The Evaluate page's parts: the confusion matrix and per-digit scores with text alternatives, and the mistakes.

The mistakes of one confusion-matrix cell are shown as real images
(``st.image``), each with alt text saying which test image it is and what the
network made of it; they flow into as many columns as the screen has room
for, so they stay legible on a phone.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainer import metrics
from explainer.figures.evaluation import class_scores_bar, confusion_heatmap
from explainer.figures.style import percent_text
from ui import charts, model_choice
from ui.i18n import _, ngettext, option_labels

MISTAKES_SHOWN = 40
ZOOM = 2  # each 28×28 image is shown as 56×56 screen pixels, nearest-neighbour so the pixels stay sharp
TRUE_KEY = "evaluate.true"
PREDICTED_KEY = "evaluate.predicted"
CELL_FOR_KEY = "evaluate.cell_for"  # which model and dataset the selected cell was defaulted for
ANY = -1


def _digit_name(value: int) -> str:
    return _("any digit") if value == ANY else str(value)


def cell_name(true: int, predicted: int) -> str:
    """'true 4 → predicted 9', or what a choice of 'any digit' means in words."""
    if true == ANY and predicted == ANY:
        return _("every mistake")
    if true == ANY:
        return _("predicted {predicted}, but really another digit", predicted=predicted)
    if predicted == ANY:
        return _("true {true}, predicted as another digit", true=true)
    return _("true {true} → predicted {predicted}", true=true, predicted=predicted)


def default_cell(confusion: np.ndarray, model_key: str) -> None:
    """Point the two selectboxes at the most frequent confusion whenever the network or data change."""
    if (st.session_state.get(CELL_FOR_KEY) != model_key or TRUE_KEY not in st.session_state
            or PREDICTED_KEY not in st.session_state):
        st.session_state[TRUE_KEY], st.session_state[PREDICTED_KEY] = model_choice.most_confused(confusion)
        st.session_state[CELL_FOR_KEY] = model_key


def _for_display(rows: np.ndarray) -> np.ndarray:
    """Network-input rows (n, 784) as (n, 56, 56) images in [0, 1], rescaled per image, whatever the normalisation."""
    low = rows.min(axis=1, keepdims=True)
    span = rows.max(axis=1, keepdims=True) - low
    images = ((rows - low) / np.where(span > 0, span, 1)).reshape(-1, 28, 28)
    return images.repeat(ZOOM, axis=1).repeat(ZOOM, axis=2)


def show_scores(confusion: np.ndarray, scores: metrics.ClassScores) -> None:
    """The confusion matrix and the precision/recall bars, each with a summary and its numbers."""
    matrix, per_class = st.columns([1.1, 1], gap="large")
    with matrix:
        st.subheader(_("Confusion matrix"))
        charts.show_chart(confusion_heatmap(confusion, height=520, translate=_), key="evaluate.confusion",
                          summary=charts.confusion_summary(confusion), table=charts.confusion_table(confusion))
        st.caption(_("Row = the true digit, column = the network's answer. The blue diagonal counts the right "
                     "answers; every orange cell is a kind of mistake (log colour scale, so small counts still "
                     "show)."))
    with per_class:
        st.subheader(_("Precision and recall"))
        charts.show_chart(class_scores_bar(scores, translate=_), key="evaluate.scores",
                          summary=charts.scores_summary(scores), table=charts.scores_table(scores))
        st.caption(_("**Precision**: of the images the network called a 7, the share that really were 7s. "
                     "**Recall**: of the real 7s, the share it found. Recall bars are hatched."))


def show_mistakes(outputs: model_choice.ModelOutputs, confusion: np.ndarray) -> None:
    """Two digit pickers, then the misclassified test digits of that cell, most confident first."""
    is_probability = bool(outputs.outputs.min() >= 0 and outputs.outputs.max() <= 1)
    choices = [ANY, *range(10)]
    left, right, _spare = st.columns([1, 1, 2])
    digit_name = option_labels(choices, _digit_name)
    true = left.selectbox(_("True digit"), choices, key=TRUE_KEY, format_func=digit_name)
    predicted = right.selectbox(_("Predicted as"), choices, key=PREDICTED_KEY, format_func=digit_name)
    if true == predicted != ANY:
        st.info(_("That is the diagonal: the {count:,} test images of a {digit} that were recognised correctly. "
                  "Pick two different digits to see mistakes.", count=int(confusion[true, true]), digit=true))
        return
    found = metrics.confident_mistakes(outputs.outputs, outputs.labels, limit=MISTAKES_SHOWN,
                                       true_digit=None if true == ANY else true,
                                       predicted_digit=None if predicted == ANY else predicted)
    wrong = confusion.copy()
    np.fill_diagonal(wrong, 0)
    total = int(wrong[slice(None) if true == ANY else true, slice(None) if predicted == ANY else predicted].sum())
    what = cell_name(true, predicted)
    if not found:
        st.success(_("No mistakes of this kind ({what}) among the {count:,} test images.", what=what,
                     count=len(outputs.labels)))
        return
    images = ngettext("{total:,} test image", "{total:,} test images", total, total=total)
    if len(found) < total:
        images = _("the {shown} most confident of {images}", shown=len(found), images=images)
    st.markdown(_("**{what}**: {images}, most confident first. Many are digits a person would hesitate over too.",
                  what=what, images=images))
    sure = [percent_text(m.confidence, decimals=0) if is_probability else _("score {value:.2g}", value=m.confidence)
            for m in found]
    st.image(list(_for_display(outputs.images[[m.index for m in found]])), width=28 * ZOOM, clamp=True,
             caption=[f"{m.label}→{m.predicted} {how}" for m, how in zip(found, sure)],
             alt=[_("Test image {index}: a handwritten {true} that the network read as {predicted} ({how}).",
                    index=m.index, true=m.label, predicted=m.predicted, how=how) for m, how in zip(found, sure)])
    st.caption(_("Under each image: true digit → predicted digit and how sure the network was."))
