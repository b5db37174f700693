"""The shipped ready model: it loads safely, it is the recommended preset, and it reads MNIST well.

``explainer/pretrained/recommended.npz`` is built by ``scripts/build_pretrained.py``.
The config check fails as soon as the preset changes, which is the reminder to
run the script again.
"""

import numpy as np

from explainer.data import load_mnist
from explainer.metrics import evaluate
from explainer.persistence import load_npz
from explainer.prepare import prepare
from explainer.presets import PRESETS
from ui.resources import PRETRAINED

MAX_BYTES = 1_500_000
MIN_ACCURACY = 0.97


def test_the_file_is_small_and_loads_without_pickle():
    assert PRETRAINED.is_file(), "run: python scripts/build_pretrained.py"
    assert PRETRAINED.stat().st_size < MAX_BYTES
    config, params = load_npz(PRETRAINED)  # allow_pickle=False, every shape checked against the config
    assert sorted(params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert all(value.dtype == np.float32 and not value.flags.writeable for value in params.values())


def test_it_is_the_recommended_preset():
    config, _ = load_npz(PRETRAINED)
    assert config == PRESETS["recommended"].config, "the preset changed: run python scripts/build_pretrained.py"


def test_it_reaches_97_percent_on_the_test_images_available():
    """Full MNIST when MNIST_DIR or the cache has it (CI), else the bundled sample's 2,000 test digits."""
    config, params = load_npz(PRETRAINED)
    mnist = load_mnist(download=False)
    data = prepare(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels, config)
    _, accuracy = evaluate(params, data.X_test, data.y_test, config)
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.2%} on the {mnist.description}"
