"""Evaluate: how the network does on test digits it never saw, digit by digit, and where it goes wrong."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainer import metrics
from explainer.figures.evaluation import class_scores_bar, confusion_heatmap
from explainer.figures.mosaic import mosaic_figure, tile
from ui import model_choice, resources
from ui.frame import ensure_frame

ensure_frame()

MISTAKES_SHOWN = 40
GRID_COLUMNS = 10
TILE_PX = 64
TRUE_KEY = "evaluate.true"
PREDICTED_KEY = "evaluate.predicted"
CELL_FOR_KEY = "evaluate.cell_for"  # which model and dataset the selected cell was defaulted for
ANY = -1
PLAIN = {"displayModeBar": False}


def _digit_name(value: int) -> str:
    return "any digit" if value == ANY else str(value)


def _cell_name(true: int, predicted: int) -> str:
    """'true 4 → predicted 9', or what a choice of 'any digit' means in words."""
    if true == ANY and predicted == ANY:
        return "every mistake"
    if true == ANY:
        return f"predicted {predicted}, but really another digit"
    if predicted == ANY:
        return f"true {true}, predicted as another digit"
    return f"true {true} → predicted {predicted}"


def _percent(confidence: float) -> str:
    """97% — but never a misleading '100%' for a probability just short of 1."""
    return ">99%" if confidence >= 0.995 else f"{confidence:.0%}"


def _default_cell(confusion: np.ndarray, model_key: str) -> None:
    """Point the two selectboxes at the most frequent confusion whenever the network or data change."""
    if (st.session_state.get(CELL_FOR_KEY) != model_key or TRUE_KEY not in st.session_state
            or PREDICTED_KEY not in st.session_state):
        st.session_state[TRUE_KEY], st.session_state[PREDICTED_KEY] = model_choice.most_confused(confusion)
        st.session_state[CELL_FOR_KEY] = model_key


def _for_display(rows: np.ndarray) -> np.ndarray:
    """Network-input rows (n, 784) rescaled per image to [0, 1], whatever the normalisation was."""
    low = rows.min(axis=1, keepdims=True)
    span = rows.max(axis=1, keepdims=True) - low
    return (rows - low) / np.where(span > 0, span, 1)


def _scores_table(scores: metrics.ClassScores) -> None:
    st.dataframe({"digit": list(range(len(scores.support))),
                  "precision": 100 * scores.precision, "recall": 100 * scores.recall,
                  "test images": scores.support},
                 hide_index=True, width="stretch", key="evaluate.scores_table",
                 column_config={"precision": st.column_config.NumberColumn(format="%.1f%%"),
                                "recall": st.column_config.NumberColumn(format="%.1f%%")})


def _mistakes(outputs: model_choice.ModelOutputs, confusion: np.ndarray, is_probability: bool) -> None:
    """The misclassified test digits of one confusion-matrix cell, most confident first."""
    choices = [ANY, *range(10)]
    left, right, _ = st.columns([1, 1, 2])
    true = left.selectbox("True digit", choices, key=TRUE_KEY, format_func=_digit_name)
    predicted = right.selectbox("Predicted as", choices, key=PREDICTED_KEY, format_func=_digit_name)
    if true == predicted != ANY:
        st.info(f"That is the diagonal: the {confusion[true, true]:,} test images of a {true} that were "
                "recognised correctly. Pick two different digits to see mistakes.")
        return
    found = metrics.confident_mistakes(outputs.outputs, outputs.labels, limit=MISTAKES_SHOWN,
                                       true_digit=None if true == ANY else true,
                                       predicted_digit=None if predicted == ANY else predicted)
    rows = slice(None) if true == ANY else true
    columns = slice(None) if predicted == ANY else predicted
    wrong = confusion.copy()
    np.fill_diagonal(wrong, 0)
    total = int(wrong[rows, columns].sum())
    what = _cell_name(true, predicted)
    if not found:
        st.success(f"No mistakes of this kind ({what}) among the {len(outputs.labels):,} test images.")
        return
    shown = f"the {len(found)} most confident of " if len(found) < total else ""
    st.markdown(f"**{what}**: {shown}{total:,} test image{'s' if total != 1 else ''}, most confident first. "
                "Many are digits a person would hesitate over too.")
    indices = [mistake.index for mistake in found]
    sure = [_percent(m.confidence) if is_probability else f"score {m.confidence:.2g}" for m in found]
    # A tile is TILE_PX wide, so the caption above it stays short; the hover text tells the whole story.
    captions = [f"{m.label}→{m.predicted} {how}" if is_probability else f"{m.label}→{m.predicted}"
                for m, how in zip(found, sure)]
    hover = [f"test image #{m.index}: true {m.label} → predicted {m.predicted} ({how})"
             for m, how in zip(found, sure)]
    images = _for_display(outputs.images[indices]).reshape(-1, 28, 28)
    st.plotly_chart(mosaic_figure(tile(images, GRID_COLUMNS), captions, hover=hover, tile_px=TILE_PX),
                    key="evaluate.mistakes", width="stretch", config=PLAIN)
    st.caption("Above each image: true digit → predicted digit and how sure the network was. "
               "Hover an image for its index in the test set.")


config, params, label = model_choice.active_model()
st.title("Evaluate")
st.caption(f"Model: {label}. {model_choice.TRAIN_HINT}")
st.markdown("How good is the network on images it never saw while training? Every test image goes through it "
            "once; we compare its answer with the true label.")

outputs = model_choice.outputs_on_test_set(config, params)
predicted = outputs.predicted
confusion = metrics.confusion_matrix(predicted, outputs.labels)
scores = metrics.class_scores(confusion)
accuracy = metrics.accuracy(predicted, outputs.labels)
is_probability = bool(outputs.outputs.min() >= 0 and outputs.outputs.max() <= 1)

first, second, third = st.columns(3)
first.metric("Test accuracy", f"{accuracy:.2%}", help="Share of the test images whose predicted digit is right.")
second.metric("Mistakes", f"{int((predicted != outputs.labels).sum()):,} of {len(outputs.labels):,}")
third.metric("Test images", f"{len(outputs.labels):,}",
             help=f"The test split of this config ({config.validation}) of the {resources.mnist().description}.")

matrix, per_class = st.columns([1.1, 1], gap="large")
with matrix:
    st.subheader("Confusion matrix")
    st.plotly_chart(confusion_heatmap(confusion, height=560), key="evaluate.confusion", width="stretch", config=PLAIN)
    st.caption("Row = the true digit, column = the network's answer. The blue diagonal counts the right answers; "
               "every orange cell is a kind of mistake (log colour scale, so small counts still show).")
with per_class:
    st.subheader("Precision and recall")
    st.plotly_chart(class_scores_bar(scores), key="evaluate.scores", width="stretch", config=PLAIN)
    st.caption("**Precision**: of the images the network called a 7, the share that really were 7s. "
               "**Recall**: of the real 7s, the share it found.")
    _scores_table(scores)

st.subheader("Its mistakes")
st.markdown("Pick a cell of the confusion matrix: the test digits of the first kind the network took for the "
            "second. It starts at the most frequent confusion.")
_default_cell(confusion, f"{model_choice.fingerprint(params)}:{resources.dataset_key()}")
_mistakes(outputs, confusion, is_probability)
