"""Learning-rate schedules: the rate used at every gradient step."""

from __future__ import annotations

import math

import numpy as np

from .config import RunConfig

FORMULAS = {
    "constant": r"\eta_t = \eta",
    "exponential": r"\eta_t = \eta\,\beta^{\lfloor t / k \rfloor}",
    "cosine": r"\eta_t = \tfrac{\eta}{2}\big(1 + \cos(\pi t / T)\big)",
}


def learning_rate_at(config: RunConfig, step: int, total_steps: int) -> float:
    """Learning rate for gradient step ``step`` (0-based) of a run of ``total_steps``.

    ``exponential`` is the second seed's staircase ``lr·β^(step // k)``;
    ``cosine`` falls from lr to 0 along half a cosine over the whole run.
    """
    if config.schedule == "exponential":
        return config.learning_rate * config.decay_rate ** (step // config.decay_steps)
    if config.schedule == "cosine":
        return 0.5 * config.learning_rate * (1 + math.cos(math.pi * step / max(total_steps, 1)))
    return config.learning_rate


def learning_rate_curve(config: RunConfig, total_steps: int) -> np.ndarray:
    """(total_steps,) learning rate at every step, for plotting."""
    return np.array([learning_rate_at(config, step, total_steps) for step in range(total_steps)])
