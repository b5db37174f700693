"""Accuracy, confusion matrix, per-class scores and the most confident mistakes."""

import numpy as np
import pytest

from explainer import model
from explainer.config import RunConfig
from explainer.losses import data_loss
from explainer.metrics import accuracy, class_scores, confident_mistakes, confusion_matrix, evaluate

#                 true: 0  0  1  2  2  2
LABELS = np.array([0, 0, 1, 2, 2, 2])
PREDICTED = np.array([0, 1, 1, 2, 0, 2])


def test_confusion_matrix_rows_are_true_digits_and_columns_predictions():
    counts = confusion_matrix(PREDICTED, LABELS, classes=3)
    assert counts.tolist() == [[1, 1, 0],
                               [0, 1, 0],
                               [1, 0, 2]]


def test_confusion_matrix_sums():
    rng = np.random.default_rng(0)
    labels, predicted = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    counts = confusion_matrix(predicted, labels)
    assert counts.shape == (10, 10) and counts.dtype.kind == "i"
    assert counts.sum() == 500
    assert np.array_equal(counts.sum(axis=1), np.bincount(labels, minlength=10))
    assert np.array_equal(counts.sum(axis=0), np.bincount(predicted, minlength=10))
    assert np.trace(counts) == np.sum(predicted == labels)
    assert counts[3, 7] == np.sum((labels == 3) & (predicted == 7))


def test_class_scores_on_the_hand_built_example():
    scores = class_scores(confusion_matrix(PREDICTED, LABELS, classes=3))
    np.testing.assert_allclose(scores.precision, [1 / 2, 1 / 2, 2 / 2])
    np.testing.assert_allclose(scores.recall, [1 / 2, 1 / 1, 2 / 3])
    assert scores.support.tolist() == [2, 1, 3]


def test_class_scores_match_a_manual_computation():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 400)
    predicted = np.where(rng.random(400) < 0.7, labels, rng.integers(0, 10, 400))
    scores = class_scores(confusion_matrix(predicted, labels))
    for k in range(10):
        assert scores.precision[k] == pytest.approx(np.mean(labels[predicted == k] == k))
        assert scores.recall[k] == pytest.approx(np.mean(predicted[labels == k] == k))
        assert scores.support[k] == np.sum(labels == k)


def test_a_never_predicted_class_has_nan_precision_not_zero():
    labels = np.array([0, 1, 2, 3, 3])
    predicted = np.array([0, 1, 2, 2, 2])  # 3 is never predicted; 4..9 never occur at all
    with np.errstate(all="raise"):  # no division warnings leak out
        scores = class_scores(confusion_matrix(predicted, labels))
    assert np.isnan(scores.precision[3]) and scores.recall[3] == 0.0
    assert np.all(np.isnan(scores.precision[4:])) and np.all(np.isnan(scores.recall[4:]))
    assert scores.precision[2] == pytest.approx(1 / 3)
    assert scores.support[4:].sum() == 0


def test_accuracy_is_the_fraction_correct_and_nan_when_empty():
    assert accuracy(PREDICTED, LABELS) == pytest.approx(4 / 6)
    assert np.isnan(accuracy(np.array([]), np.array([])))


PROBABILITIES = np.array([
    [0.10, 0.90, 0, 0, 0, 0, 0, 0, 0, 0],  # 0: true 0, said 1 with 0.90
    [0.80, 0.20, 0, 0, 0, 0, 0, 0, 0, 0],  # 1: true 0, said 0 (right)
    [0.30, 0.70, 0, 0, 0, 0, 0, 0, 0, 0],  # 2: true 2, said 1 with 0.70
    [0.05, 0.00, 0.95, 0, 0, 0, 0, 0, 0, 0],  # 3: true 1, said 2 with 0.95
    [0.40, 0.60, 0, 0, 0, 0, 0, 0, 0, 0],  # 4: true 0, said 1 with 0.60
    [0.30, 0.70, 0, 0, 0, 0, 0, 0, 0, 0],  # 5: true 0, said 1 with 0.70 (ties with 2)
])
TRUE = np.array([0, 0, 2, 1, 0, 0])


def test_confident_mistakes_lists_only_errors_most_confident_first():
    mistakes = confident_mistakes(PROBABILITIES, TRUE)
    assert [m.index for m in mistakes] == [3, 0, 2, 5, 4]  # equal confidence keeps image order
    assert [m.confidence for m in mistakes] == pytest.approx([0.95, 0.90, 0.70, 0.70, 0.60])
    assert all(m.label != m.predicted for m in mistakes)
    first = mistakes[0]
    assert (first.label, first.predicted) == (1, 2)
    assert isinstance(first.index, int) and isinstance(first.confidence, float)


def test_confident_mistakes_respects_the_limit():
    assert [m.index for m in confident_mistakes(PROBABILITIES, TRUE, limit=2)] == [3, 0]


def test_confident_mistakes_can_keep_one_confusion_matrix_cell():
    cell = confident_mistakes(PROBABILITIES, TRUE, true_digit=0, predicted_digit=1)
    assert [m.index for m in cell] == [0, 5, 4]
    assert [m.index for m in confident_mistakes(PROBABILITIES, TRUE, true_digit=2)] == [2]
    assert [m.index for m in confident_mistakes(PROBABILITIES, TRUE, predicted_digit=2)] == [3]
    assert confident_mistakes(PROBABILITIES, TRUE, true_digit=0, predicted_digit=0) == []  # diagonal: no mistakes


def test_evaluate_accuracy_and_loss_match_predict_on_real_digits(sample_splits):
    config = RunConfig(hidden=(32,), train_size=500)
    data = sample_splits(config)
    params = model.init_params(config, np.random.default_rng(0))
    X, y = data.X_val, data.y_val
    loss, acc = evaluate(params, X, y, config)
    assert acc == pytest.approx((model.predict(params, X, config) == y).mean(), abs=1e-12)
    values = model.forward(params, X, config)
    assert loss == pytest.approx(data_loss(config.output, config.loss, values["z2"], values["a2"], y), rel=1e-5)


def test_evaluate_in_chunks_equals_one_pass(sample_splits):
    config = RunConfig(hidden=(16,), output="sigmoid", loss="mse", train_size=500)
    data = sample_splits(config)
    params = model.init_params(config, np.random.default_rng(2))
    whole = evaluate(params, data.X_val, data.y_val, config)
    chunked = evaluate(params, data.X_val, data.y_val, config, chunk=97)
    assert chunked[1] == whole[1]
    assert chunked[0] == pytest.approx(whole[0], rel=1e-5)


def test_evaluate_with_no_images_is_nan():
    config = RunConfig(hidden=(4,))
    params = model.init_params(config, np.random.default_rng(0))
    loss, acc = evaluate(params, np.zeros((0, 784), np.float32), np.zeros(0, np.int64), config)
    assert np.isnan(loss) and np.isnan(acc)
