"""Check backpropagation against numerical differentiation (fourth seed's ``numerical_gradient``).

For every parameter entry θ the central difference
``(L(θ + h) - L(θ - h)) / 2h`` is compared with the backprop gradient, in
float64, on a small real batch. The relative error
``‖num - bp‖ / (‖num‖ + ‖bp‖)`` is reported per parameter array.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import model
from .config import ACTIVATIONS, RunConfig

TOLERANCE = 1e-6
STEP = 1e-5


@dataclass(frozen=True)
class GradCheck:
    """Per-parameter max relative error between numerical and backprop gradients."""

    config: RunConfig
    errors: dict[str, float]

    @property
    def max_error(self) -> float:
        """Worst relative error over all parameters."""
        return max(self.errors.values())

    @property
    def passed(self) -> bool:
        """True when every error is below :data:`TOLERANCE`."""
        return self.max_error < TOLERANCE


Backward = Callable[..., model.Grads]


def numerical_gradient(loss_of: Callable[[], float], array: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Central differences of ``loss_of()`` w.r.t. the chosen flat ``entries`` of ``array`` (edited in place, then restored)."""
    flat = array.reshape(-1)
    grad = np.empty(len(entries))
    for k, index in enumerate(entries):
        saved = flat[index]
        flat[index] = saved + STEP
        plus = loss_of()
        flat[index] = saved - STEP
        minus = loss_of()
        flat[index] = saved
        grad[k] = (plus - minus) / (2 * STEP)
    return grad


def relative_error(numerical: np.ndarray, analytic: np.ndarray) -> float:
    """‖a - b‖ / (‖a‖ + ‖b‖) over the probed entries of one parameter (0 for two zero vectors).

    Comparing whole vectors keeps the measure scale-free without letting a
    single near-zero entry, where float64 rounding dominates, decide the verdict.
    """
    scale = np.linalg.norm(numerical) + np.linalg.norm(analytic)
    return float(np.linalg.norm(numerical - analytic) / scale) if scale > 0 else 0.0


def check_gradients(config: RunConfig, X: np.ndarray, labels: np.ndarray, *, entries_per_array: int = 30,
                    seed: int = 0, backward: Backward = model.backward) -> GradCheck:
    """Compare backprop with central differences for ``config`` on a batch.

    Parameters
    ----------
    X : (m, 784) images; labels : (m,) digits. A handful is enough.
    entries_per_array : how many random entries of each parameter to probe.
    backward : the backprop function under test (swap in a broken one to see
        the check fail).
    """
    rng = np.random.default_rng(seed)
    params = model.init_params(config, rng, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)

    def loss_of() -> float:
        return model.loss(params, model.forward(params, X, config), labels, config)

    grads = backward(params, model.forward(params, X, config), labels, config)
    errors = {}
    for name, array in params.items():
        count = min(entries_per_array, array.size)
        entries = rng.choice(array.size, size=count, replace=False)
        numerical = numerical_gradient(loss_of, array, entries)
        errors[name] = relative_error(numerical, grads[f"d{name}"].reshape(-1)[entries])
    return GradCheck(config, errors)


def standard_configs() -> list[RunConfig]:
    """Every activation × (output, loss) pair, on a small two-hidden-layer net with L2.

    Inputs are kept small and weights moderate so central differences in
    float64 are far more accurate than the 1e-6 tolerance.
    """
    pairs = [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
             ("softmax", "mse"), ("sigmoid", "mse"), ("linear", "mse")]
    return [RunConfig(hidden=(16, 12), activation=activation, output=output, loss=loss, init="xavier",
                      l2=0.01)
            for activation, (output, loss) in itertools.product(ACTIVATIONS, pairs)]
