"""From raw MNIST images to the float32 matrices a run trains on.

Splits (chosen by ``config.validation``):

* ``train_tail``: the first 50,000 training images train, the last 10,000
  validate, the 10,000 test images test (first seed).
* ``test_half``: all 60,000 train; the test set is cut in two, the first 5,000
  validate and the last 5,000 test (third seed, ``np.split``).

``config.train_size`` then keeps only the first N training images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import RunConfig


@dataclass(frozen=True)
class Splits:
    """Training, validation and test data, images flattened to rows.

    ``X_*`` are float32 (n, 784); ``y_*`` are int64 (n,) digit labels.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def sizes(self) -> str:
        """e.g. '50,000 train / 10,000 validation / 10,000 test'."""
        return (f"{len(self.y_train):,} train / {len(self.y_val):,} validation / "
                f"{len(self.y_test):,} test")


def normalize(images: np.ndarray, method: str) -> np.ndarray:
    """uint8 images (n, 28, 28) or (n, 784) -> float32 rows (n, 784).

    ``unit`` divides by 255 into [0, 1]; ``standardize`` gives each image mean 0
    and standard deviation 1 (second seed; a blank image stays 0); ``raw``
    keeps 0..255 as the first and last seeds feed it.
    """
    X = images.reshape(images.shape[0], -1).astype(np.float32)
    if method == "unit":
        X /= 255
    elif method == "standardize":
        X -= X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        X /= np.where(std > 0, std, 1)
    return X


def split_sizes(n_train_images: int, n_test_images: int, config: RunConfig) -> tuple[int, int, int]:
    """(train, validation, test) image counts :func:`prepare` gives for a dataset of these sizes."""
    if config.validation == "test_half":
        train, val, test = n_train_images, n_test_images // 2, n_test_images - n_test_images // 2
    else:
        val = n_train_images // 6
        train, test = n_train_images - val, n_test_images
    return (min(train, config.train_size) if config.train_size else train), val, test


def test_rows(test_images: np.ndarray, test_labels: np.ndarray, config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """Only the test split of :func:`prepare`: (X_test (n, 784) float32, y_test (n,) int64)."""
    if config.validation == "test_half":
        half = len(test_labels) // 2
        test_images, test_labels = test_images[half:], test_labels[half:]
    return normalize(test_images, config.normalization), test_labels.astype(np.int64)


def prepare(train_images: np.ndarray, train_labels: np.ndarray, test_images: np.ndarray,
            test_labels: np.ndarray, config: RunConfig) -> Splits:
    """Split and normalise MNIST arrays as ``config`` asks.

    Works for the full set and for the smaller bundled sample: the
    ``train_tail`` validation part is 1/6 of the training images.
    """
    labels_train = train_labels.astype(np.int64)
    labels_test = test_labels.astype(np.int64)
    if config.validation == "test_half":
        half = len(labels_test) // 2
        train = (train_images, labels_train)
        val = (test_images[:half], labels_test[:half])
        test = (test_images[half:], labels_test[half:])
    else:
        cut = len(labels_train) - len(labels_train) // 6
        train = (train_images[:cut], labels_train[:cut])
        val = (train_images[cut:], labels_train[cut:])
        test = (test_images, labels_test)
    if config.train_size:
        train = (train[0][:config.train_size], train[1][:config.train_size])
    method = config.normalization
    return Splits(normalize(train[0], method), train[1], normalize(val[0], method), val[1],
                  normalize(test[0], method), test[1])
