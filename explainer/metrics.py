"""How good is a trained network: accuracy, confusion matrix, per-class scores, worst mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import model
from .config import RunConfig
from .losses import data_loss


def evaluate(params: model.Params, X: np.ndarray, y: np.ndarray, config: RunConfig,
             chunk: int = 10_000) -> tuple[float, float]:
    """(mean data loss, accuracy) of the network on images X (n, 784) with labels y (n,)."""
    if len(y) == 0:
        return float("nan"), float("nan")
    last = model.layer_count(params)
    total_loss, correct = 0.0, 0
    for start in range(0, len(y), chunk):
        values = model.forward(params, X[start:start + chunk], config)
        labels = y[start:start + chunk]
        total_loss += data_loss(config.output, config.loss, values[f"z{last}"], values[f"a{last}"],
                                labels) * len(labels)
        correct += int(np.sum(values[f"a{last}"].argmax(axis=1) == labels))
    return total_loss / len(y), correct / len(y)


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of (n,) predictions equal to the (n,) labels."""
    return float(np.mean(predicted == labels)) if len(labels) else float("nan")


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """(classes, classes) counts: row = true digit, column = predicted digit."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels, predicted), 1)
    return counts


@dataclass(frozen=True)
class ClassScores:
    """Per-digit precision, recall and support, each a (10,) array."""

    precision: np.ndarray
    recall: np.ndarray
    support: np.ndarray


def class_scores(confusion: np.ndarray) -> ClassScores:
    """Precision (correct / predicted as k) and recall (correct / truly k) per class.

    A class never predicted (or absent) gets NaN rather than a misleading 0.
    """
    correct = np.diag(confusion).astype(float)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, correct / predicted, np.nan)
        recall = np.where(support > 0, correct / support, np.nan)
    return ClassScores(precision, recall, support)


@dataclass(frozen=True)
class Mistake:
    """A misclassified image: its index, true and predicted digit, and the network's confidence."""

    index: int
    label: int
    predicted: int
    confidence: float


def confident_mistakes(probabilities: np.ndarray, labels: np.ndarray, limit: int = 20,
                       true_digit: int | None = None, predicted_digit: int | None = None) -> list[Mistake]:
    """The misclassified images the network was most sure about, most confident first.

    Parameters
    ----------
    probabilities : (n, 10) network outputs.
    labels : (n,) true digits.
    true_digit, predicted_digit : optionally keep only one confusion-matrix cell.
    """
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = predicted != labels
    if true_digit is not None:
        wrong &= labels == true_digit
    if predicted_digit is not None:
        wrong &= predicted == predicted_digit
    order = np.flatnonzero(wrong)[np.argsort(-confidence[wrong], kind="stable")][:limit]
    return [Mistake(int(i), int(labels[i]), int(predicted[i]), float(confidence[i])) for i in order]
