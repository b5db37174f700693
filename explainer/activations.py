"""Hidden-layer non-linearities, each forward next to its derivative.

Every function works elementwise on arrays of any shape and keeps their dtype.
The derivative takes both the pre-activation ``z`` and the activation
``a = f(z)`` because some derivatives are cheapest in terms of ``a``
(sigmoid: a(1-a), tanh: 1-a²).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

LEAKY_SLOPE = 0.01


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + e^-z), written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class Activation(NamedTuple):
    """A non-linearity: its forward map, its derivative and the formulas shown to learners."""

    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str
    derivative_formula: str


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(
        lambda z: np.maximum(z, 0),
        lambda z, a: z > 0,  # f'(z) = 1 where z > 0, else 0 (a boolean mask multiplies as 0/1)
        r"\max(0, z)",
        r"\mathbb{1}[z > 0]",
    ),
    "leaky_relu": Activation(
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),  # slope 1 or 0.01
        r"\max(0.01z, z)",
        r"\mathbb{1}[z > 0] + 0.01\,\mathbb{1}[z \le 0]",
    ),
    "sigmoid": Activation(
        sigmoid,
        lambda z, a: a * (1 - a),  # σ'(z) = σ(z)(1 - σ(z))
        r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        r"a\,(1 - a)",
    ),
    "tanh": Activation(
        np.tanh,
        lambda z, a: 1 - a * a,  # tanh'(z) = 1 - tanh²(z)
        r"\tanh(z)",
        r"1 - a^2",
    ),
}
