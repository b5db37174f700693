"""Every seed tutorial's network as a ready config, plus a recommended one.

Each preset keeps the tutorial's architecture, activations, loss,
initialisation, batch size, learning rate, schedule, L2 and iteration count as
written. Where a tutorial contradicts itself or leaves a value out, the
description says which choice was made. ``measured`` is the test accuracy we
measured with ``python -m explainer train --preset NAME`` on the full MNIST
(see README); ``claimed`` is the tutorial's own figure, if it gives one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import RunConfig
from .i18n import N_


@dataclass(frozen=True)
class Preset:
    """A named, documented config and what it is known to reach."""

    name: str
    title: str  # English, marked for translation: the app shows _(preset.title)
    seed_file: str | None
    description: str  # likewise
    config: RunConfig
    claimed: float | None
    measured: float | None


PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(
        "recommended", N_("Recommended: 784-256-128-10, momentum, cosine"), None,
        N_("Two ReLU hidden layers with He initialisation, SGD with momentum 0.9, a cosine learning-rate "
           "schedule and a little L2. Passes 98% test accuracy in under half a minute on two CPU cores."),
        RunConfig(hidden=(256, 128), activation="relu", output="softmax", loss="cross_entropy", init="he",
                  learning_rate=0.1, momentum=0.9, schedule="cosine", l2=5e-4, batch_size=128, epochs=12),
        None, 0.984),
    Preset(
        "seed1-relu-sigmoid", N_("Seed 1: 784-60-10, ReLU + per-class sigmoid"), "000_6bc3a2c9ebcfd1e7.txt",
        N_("ReLU hidden layer of 60, a sigmoid on each of the 10 outputs with dz2 = a2 - y (binary cross-entropy), "
           "weights 0.001·rand and biases 0.001·randn, batches of 250 in file order, learning rate 0.001, one pass "
           "over the 50,000 training images (50k/10k/10k split). The seed feeds raw 0..255 pixels, which is what "
           "makes its tiny learning rate work; its update formula omits the rate, the code uses 0.001."),
        RunConfig(hidden=(60,), activation="relu", output="sigmoid", loss="cross_entropy", init="uniform",
                  init_scale=0.001, learning_rate=0.001, batch_size=250, epochs=1, sampling="sequential",
                  eval_every=20, normalization="raw"),
        None, 0.9003),
    Preset(
        "seed2-sgd-decay", N_("Seed 2: 784-20-10, SGD batch 1, exponential decay"), "001_38208ca52b390368.txt",
        N_("ReLU hidden layer of 20, softmax and cross-entropy, per-image standardisation, L2 λ = 0.1 "
           "(gradient + λW), SGD on one random image per step for 5,000 steps, learning rate 0.01·0.96^(step // 50). "
           "The seed does not give its initialisation; we use 0.01·randn like its sibling tutorials."),
        RunConfig(hidden=(20,), activation="relu", output="softmax", loss="cross_entropy", init="normal",
                  init_scale=0.01, learning_rate=0.01, schedule="exponential", decay_rate=0.96, decay_steps=50,
                  l2=0.1, batch_size=1, steps=5000, eval_every=250, sampling="replacement",
                  normalization="standardize"),
        0.8775, 0.8802),
    Preset(
        "seed3-four-layer-mse", N_("Seed 3: 784-256-128-10, ReLU, MSE"), "002_7c9c6a2f2292f675.txt",
        N_("Four layers (input, two ReLU hidden layers, output) trained with mean squared error on the raw output "
           "scores, weights 0.01·randn, zero biases, L2 scaled by the batch (λ/m·W), pixels divided by 255, and "
           "5,000 of the test images carved off for validation. The tutorial does not print its layer widths or "
           "learning rate; 256 and 128 units, batch 64 and rate 0.1 are our choice."),
        RunConfig(hidden=(256, 128), activation="relu", output="linear", loss="mse", init="normal",
                  init_scale=0.01, learning_rate=0.1, l2=0.001, l2_per_batch=True, batch_size=64, epochs=10,
                  validation="test_half"),
        0.9858, 0.9868),
    Preset(
        "seed4-two-layer-net", N_("Seed 4: TwoLayerNet 784-50-10, sigmoid"), "003_9084553d9862319d.txt",
        N_("Deep Learning from Scratch's TwoLayerNet: sigmoid hidden layer of 50, softmax and cross-entropy, "
           "weights 0.01·randn, 10,000 steps of 100 images drawn at random, learning rate 0.1."),
        RunConfig(hidden=(50,), activation="sigmoid", output="softmax", loss="cross_entropy", init="normal",
                  init_scale=0.01, learning_rate=0.1, batch_size=100, steps=10_000, eval_every=600,
                  sampling="replacement"),
        None, 0.9475),
    Preset(
        "seed5-full-batch", N_("Seed 5: 784-10-10, sigmoid, full-batch gradient descent"), "004_db9c30af3429708d.txt",
        N_("Sigmoid hidden layer, softmax and cross-entropy, weights 0.01·randn, raw 0..255 pixels, gradient descent "
           "on the whole training set for 2,400 iterations. The text says 40 hidden units and rate 0.4, the code runs "
           "n_h = 10 and lr = 0.04; we follow the code, which produced the reported 87.88%."),
        RunConfig(hidden=(10,), activation="sigmoid", output="softmax", loss="cross_entropy", init="normal",
                  init_scale=0.01, learning_rate=0.04, batch_size=0, steps=2400, eval_every=100,
                  normalization="raw"),
        0.8788, 0.8704),
)}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; KeyError lists the valid names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
