"""Which trained network the Evaluate and Draw pages look at, and what it says about images.

A visitor who trained a run on the Train page sees that run; everyone else
sees the ready model (the recommended preset, shipped pre-trained). Either
way the config travels with the weights, so an image is scaled the way that
network's training images were (``config.normalization``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explainer import model, trainer
from explainer.config import RunConfig
from explainer.figures.style import percent_text
from explainer.i18n import N_, render
from explainer.preprocess import to_network_input
from ui import resources, state
from ui.i18n import _, ngettext

TRAIN_HINT = N_("Train your own network on the **Train** page and it is used here instead.")  # shown as _(TRAIN_HINT)


def active_model() -> tuple[RunConfig, model.Params, str]:
    """(config, params, label) of the network to explain.

    The visitor's last trained run (unless it diverged: its weights are NaN),
    else :func:`ui.resources.ready_model`. ``label`` is one line for the top
    of a page, e.g. "your last run: 784-128-10, trained 3 epochs".
    """
    result = state.last_result()
    if result is not None and not result.diverged:
        return result.config, result.params, _("your last run: {architecture}, {done}",
                                               architecture=result.config.architecture, done=_training_done(result))
    config, params, where = resources.ready_model()
    label = f"{render(where, _)}: {config.architecture}"
    if result is not None:
        label += " " + _("(your last run diverged, so its weights cannot be used)")
    return config, params, label


def _training_done(result: trainer.TrainResult) -> str:
    """'trained 3 epochs', 'trained 1.5 epochs', 'stopped after 0.4 epochs' or '… 250 steps'."""
    steps = len(result.step_loss)
    per_epoch = next((e.step / e.epoch for e in result.evaluations if e.step > 0 and e.epoch > 0), None)
    if per_epoch:
        epochs = f"{steps / per_epoch:.3g}"
        amount = ngettext("{count} epoch", "{count} epochs", 1 if epochs == "1" else 2, count=epochs)
    else:
        amount = ngettext("{count} step", "{count} steps", steps, count=f"{steps:,}")
    if result.stop_reason:
        return _("stopped after {amount}", amount=amount)
    return _("trained {amount}", amount=amount)


def fingerprint(params: model.Params) -> str:
    """A short hash of every weight and bias: equal strings mean the same network (a cache key)."""
    digest = hashlib.blake2b(digest_size=12)
    for name in sorted(params):
        value = np.ascontiguousarray(params[name])
        digest.update(f"{name}{value.shape}{value.dtype}".encode())
        digest.update(value.data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Reading:
    """What a network makes of one image.

    Attributes
    ----------
    outputs : ndarray, shape (10,)
        The output layer: probabilities for softmax, independent (0, 1)
        values for sigmoid, raw scores for a linear output.
    hidden : list of ndarray, each (n_l,)
        The activations a1 … a_{L-1} of the hidden layers.
    predicted : int
        The digit with the largest output.
    """

    outputs: np.ndarray
    hidden: list[np.ndarray]
    predicted: int

    @property
    def is_probability(self) -> bool:
        """True when the outputs lie in [0, 1] and can be read as percentages."""
        return bool(self.outputs.min() >= 0 and self.outputs.max() <= 1)

    def confidence(self, output: str) -> str:
        """One sentence on how sure the network is, in words that fit its output layer (``config.output``)."""
        top = float(self.outputs[self.predicted])
        if output == "softmax":  # the same text as the bar chart's label (percent_text), never ">99.9%" vs "100.0%"
            return _("The network gives it a **{probability}** probability.", probability=percent_text(top))
        if output == "sigmoid":
            return _("Its sigmoid output is **{value}** (each of the ten outputs is squashed on its own; "
                     "they need not sum to 1).", value=percent_text(top))
        return _("Its score is **{value:.3g}** (a linear output gives scores, not probabilities).", value=top)


def read_image(config: RunConfig, params: model.Params, image28: np.ndarray) -> Reading:
    """Run one 28×28 image in [0, 1] through the network, scaled as its training images were."""
    values = model.forward(params, to_network_input(image28, config.normalization), config)
    last = model.layer_count(params)
    outputs = values[f"a{last}"][0]
    hidden = [values[f"a{layer}"][0] for layer in range(1, last)]
    return Reading(outputs, hidden, int(np.argmax(outputs)))


@dataclass(frozen=True)
class ModelOutputs:
    """A network's outputs on the test split of its config.

    ``outputs`` is (n, 10), ``labels`` (n,) and ``images`` (n, 784) the test
    rows as the network saw them (after ``config.normalization``).
    """

    outputs: np.ndarray
    labels: np.ndarray
    images: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        """(n,) predicted digits."""
        return self.outputs.argmax(axis=1)


def outputs_on_test_set(config: RunConfig, params: model.Params) -> ModelOutputs:
    """The network's outputs on the test split (computed once per network, config and dataset)."""
    # Keyed by the params' fingerprint (the arrays are not hashable); one read-only copy shared between
    # sessions, in the server's byte-bounded 'outputs' cache.
    key = (fingerprint(params), config.key(), resources.dataset_key())

    def build() -> ModelOutputs:
        X_test, y_test = resources.test_split(config)
        outputs = model.predict_proba(params, X_test, config)
        outputs.flags.writeable = False
        return ModelOutputs(outputs, y_test, X_test)

    return resources.server_cache("outputs").get_or_compute(key, build)


def most_confused(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the largest off-diagonal cell of a confusion matrix (ties: first in row order)."""
    off = np.asarray(confusion).copy()
    np.fill_diagonal(off, -1)
    true, predicted = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(true), int(predicted)
