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
from explainer.preprocess import to_network_input
from ui import resources, state

TRAIN_HINT = "Train your own network on the **Train** page and it is used here instead."


def active_model() -> tuple[RunConfig, model.Params, str]:
    """(config, params, label) of the network to explain.

    The visitor's last trained run (unless it diverged: its weights are NaN),
    else :func:`ui.resources.ready_model`. ``label`` is one line for the top
    of a page, e.g. "your last run: 784-128-10, trained 3 epochs".
    """
    result = state.last_result()
    if result is not None and not result.diverged:
        return result.config, result.params, f"your last run: {result.config.architecture}, {_training_done(result)}"
    config, params, where = resources.ready_model()
    label = f"{where}: {config.architecture}"
    if result is not None:
        label += " (your last run diverged, so its weights cannot be used)"
    return config, params, label


def _training_done(result: trainer.TrainResult) -> str:
    """'trained 3 epochs', 'trained 1.5 epochs', 'stopped after 0.4 epochs' or '… 250 steps'."""
    steps = len(result.step_loss)
    per_epoch = next((e.step / e.epoch for e in result.evaluations if e.step > 0 and e.epoch > 0), None)
    amount = f"{steps / per_epoch:.3g} epochs" if per_epoch else f"{steps:,} steps"
    if amount == "1 epochs":
        amount = "1 epoch"
    return f"stopped after {amount}" if result.stop_reason else f"trained {amount}"


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
        if output == "softmax":
            shown = ">99.9%" if top > 0.999 else f"{top:.1%}"
            return f"The network gives it a **{shown}** probability."
        if output == "sigmoid":
            return (f"Its sigmoid output is **{top:.3f}** (each of the ten outputs is squashed on its own; "
                    "they need not sum to 1).")
        return f"Its score is **{top:.3g}** (a linear output gives scores, not probabilities)."


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
    return _outputs_on_test_set(fingerprint(params), config, resources.dataset_key(), params)


@st.cache_resource(show_spinner="Running the test images through the network…", max_entries=8)
def _outputs_on_test_set(model_key: str, config: RunConfig, dataset: str, _params: model.Params) -> ModelOutputs:
    # Keyed by the params' fingerprint (model_key): the arrays are not hashable, and the underscore
    # in _params keeps Streamlit from trying. cache_resource shares one read-only copy between sessions.
    splits = resources.splits_for(config)
    outputs = model.predict_proba(_params, splits.X_test, config)
    outputs.flags.writeable = False
    return ModelOutputs(outputs, splits.y_test, splits.X_test)


def most_confused(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the largest off-diagonal cell of a confusion matrix (ties: first in row order)."""
    off = np.asarray(confusion).copy()
    np.fill_diagonal(off, -1)
    true, predicted = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(true), int(predicted)
