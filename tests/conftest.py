"""Shared fixtures: real MNIST digits from the bundled sample.

The sample (8,000 train / 2,000 test real digits) ships with the code, so every
test that uses these fixtures runs anywhere, with or without the full dataset.
The few tests that need the full 60,000/10,000 set ask for ``full_mnist``, which
reads ``MNIST_DIR`` (CI sets it) and skips when the files are not there.
"""

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from explainer.config import RunConfig
from explainer.data import MNIST_FILES, load_mnist, load_sample
from explainer.prepare import Splits, normalize, prepare

# The tests (and the servers they start) keep finished runs in a folder of their own, never the developer's.
os.environ["EXPLAINER_RUNS_DIR"] = tempfile.mkdtemp(prefix="explainer-test-runs-")

# Read at import: tests/test_data.py removes MNIST_DIR while its own tests run.
FULL_DIR = Path(os.environ.get("MNIST_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")


@pytest.fixture(scope="session")
def sample():
    """The bundled sample as an :class:`explainer.data.Mnist` (read-only arrays)."""
    return load_sample()


@pytest.fixture(scope="session")
def small_batch(sample):
    """The first 8 real training digits: X (8, 784) float32 in [0, 1], y (8,) int64."""
    X = normalize(sample.train_images[:8], "unit")
    y = sample.train_labels[:8].astype(np.int64)
    return X, y


@pytest.fixture(scope="session")
def sample_splits(sample):
    """``sample_splits(config)``: the sample split and scaled as ``config`` asks (cached)."""

    @lru_cache(maxsize=None)
    def build(validation: str, normalization: str, train_size: int) -> Splits:
        config = RunConfig(validation=validation, normalization=normalization, train_size=train_size)
        return prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels, config)

    def splits_for(config: RunConfig) -> Splits:
        return build(config.validation, config.normalization, config.train_size)

    return splits_for


@pytest.fixture(scope="session")
def full_mnist():
    """The full MNIST (60,000 train / 10,000 test) from ``MNIST_DIR``; skips when it is not available."""
    if not all((FULL_DIR / name).is_file() or (FULL_DIR / name.removesuffix(".gz")).is_file()
               for name in MNIST_FILES.values()):
        if os.environ.get("CI"):
            pytest.fail(f"CI must test on the full MNIST, but it is not in {FULL_DIR} (set MNIST_DIR)")
        pytest.skip(f"full MNIST not found in {FULL_DIR} (set MNIST_DIR)")
    mnist = load_mnist(FULL_DIR)
    assert mnist.is_full
    return mnist


def pytest_sessionfinish(session, exitstatus):
    """Stop the worker processes of any job manager the AppTest tests started."""
    from ui import jobs

    jobs.close_managers()
