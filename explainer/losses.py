"""The output layer and the loss, with the gradient that starts backpropagation.

Arrays are batch-first: scores ``z`` and outputs ``a`` have shape (m, 10) and
``labels`` holds the m digit classes as integers. Losses are means over the
batch, so the gradient ``dL/dz`` already carries the factor 1/m.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid


UNDERFLOW_GUARD = 1e-30  # below this a float32 probability has lost its precision


def one_hot(labels: np.ndarray, dtype: np.dtype = np.float32) -> np.ndarray:
    """(m,) integer labels -> (m, 10) rows with a single 1."""
    encoded = np.zeros((labels.shape[0], 10), dtype=dtype)
    encoded[np.arange(labels.shape[0]), labels] = 1
    return encoded


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (m, 10) scores; subtracting the row max avoids overflow."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def output_activation(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the output non-linearity ('softmax', 'sigmoid' or 'linear') to (m, 10) scores."""
    if name == "softmax":
        return softmax(z)
    if name == "sigmoid":
        return sigmoid(z)
    return z


def data_loss(output: str, loss: str, z: np.ndarray, a: np.ndarray, labels: np.ndarray) -> float:
    """Mean loss over the batch, before any L2 term.

    Cross-entropy with softmax is -1/m Σ log p_label, read off the probabilities
    the forward pass already computed, or from log-softmax of the scores when a
    probability is too small for that to be exact. With a sigmoid output it is
    the per-class binary cross-entropy -1/m Σ [y log a + (1-y) log(1-a)]
    (the first seed writes only the y log a half but differentiates the whole).
    MSE is 1/(2m) Σ (a - y)² as in the third seed.
    """
    m = z.shape[0]
    rows = np.arange(m)
    if loss == "cross_entropy" and output == "softmax":
        picked = a[rows, labels]
        if picked.min() > UNDERFLOW_GUARD:
            return float(-np.mean(np.log(picked)))
        # Some probability underflowed: log-softmax from the scores stays exact, so an
        # exploding network shows an exploding loss rather than a clamped one.
        shifted = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, labels]))
    if loss == "cross_entropy":
        # log(1 + e^z) - y z is -[y log σ(z) + (1-y) log(1-σ(z))] without overflow.
        per_class = np.logaddexp(0, z)
        per_class[rows, labels] -= z[rows, labels]
        return float(per_class.sum() / m)
    return float(0.5 * np.sum((a - one_hot(labels, a.dtype)) ** 2) / m)


def output_delta(output: str, loss: str, z: np.ndarray, a: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """dL/dz for the output scores, shape (m, 10), including the 1/m of the mean."""
    m = z.shape[0]
    if loss == "cross_entropy":
        # softmax+CE and sigmoid+BCE both simplify to dL/dz = (a - y) / m;
        # y is one-hot, so subtracting it touches one entry per row.
        delta = a / m
        delta[np.arange(m), labels] -= 1 / m
        return delta
    da = (a - one_hot(labels, a.dtype)) / m  # dL/da for L = 1/(2m) Σ (a - y)²
    if output == "linear":
        return da
    if output == "sigmoid":
        return da * a * (1 - a)  # dL/dz = dL/da · σ'(z)
    # softmax Jacobian-vector product: dz_k = a_k (da_k - Σ_j da_j a_j)
    return a * (da - np.sum(da * a, axis=1, keepdims=True))


LOSS_FORMULAS = {
    ("cross_entropy", "softmax"): r"L = -\frac{1}{m}\sum_i \log a^{(i)}_{y_i}",
    ("cross_entropy", "sigmoid"): r"L = -\frac{1}{m}\sum_{i,k} \big[y_{ik}\log a_{ik} + (1-y_{ik})\log(1-a_{ik})\big]",
    ("mse", "softmax"): r"L = \frac{1}{2m}\sum_{i,k} (a_{ik} - y_{ik})^2",
    ("mse", "sigmoid"): r"L = \frac{1}{2m}\sum_{i,k} (a_{ik} - y_{ik})^2",
    ("mse", "linear"): r"L = \frac{1}{2m}\sum_{i,k} (z_{ik} - y_{ik})^2",
}

DELTA_FORMULAS = {
    ("cross_entropy", "softmax"): r"dz = \frac{1}{m}(a - y)",
    ("cross_entropy", "sigmoid"): r"dz = \frac{1}{m}(a - y)",
    ("mse", "softmax"): r"dz = a \odot \big(da - \textstyle\sum_k da_k a_k\big),\; da = \frac{1}{m}(a - y)",
    ("mse", "sigmoid"): r"dz = \frac{1}{m}(a - y) \odot a \odot (1 - a)",
    ("mse", "linear"): r"dz = \frac{1}{m}(z - y)",
}
