"""The loss along the way: on the straight line from the initial to the final weights.

Goodfellow, Vinyals and Saxe (2015, "Qualitatively characterizing neural
network optimization problems") drew the loss at
``θ(t) = (1 − t)·θ₀ + t·θ₁`` for t a little below 0 to a little above 1,
where θ₀ are the initial and θ₁ the trained weights. Along this one line
most networks show a smooth valley: the long, winding road the optimiser took
could have been a straight walk downhill. A run that never left its start
(all-zero init) shows a flat line; one stuck in saturation a plateau first.

The trainer computes the line once per finished run on a fixed batch of
training images, sized so it costs about 1% of the run's arithmetic.
"""

from __future__ import annotations

import numpy as np

from . import model
from .config import RunConfig

LINE_T = np.arange(-4, 25) / 20  # -0.2 ... 1.2 in steps of 0.05; t = 0 and t = 1 are exact
LINE_SHARE = 0.01  # the line's forward passes cost about this share of the training arithmetic
MIN_IMAGES, MAX_IMAGES = 100, 1000


def interpolate(initial: model.Params, final: model.Params, t: float) -> model.Params:
    """θ(t) = (1 − t)·θ₀ + t·θ₁ for every array: exactly θ₀ at t = 0 and θ₁ at t = 1."""
    return {name: ((1 - t) * initial[name] + t * final[name]).astype(final[name].dtype, copy=False)
            for name in final}


def loss_along_line(initial: model.Params, final: model.Params, X: np.ndarray, labels: np.ndarray,
                    config: RunConfig, t: np.ndarray = LINE_T) -> np.ndarray:
    """The loss (data + L2) of ``θ(t)`` on the batch ``X`` (m, 784), ``labels`` (m,), for every t.

    Returns
    -------
    (len(t),) float64 array; non-finite where the weights blow the loss up.
    """
    losses = np.empty(len(t), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k, position in enumerate(np.asarray(t, dtype=np.float64)):
            params = interpolate(initial, final, float(position))
            losses[k] = model.loss(params, model.forward(params, X, config), labels, config)
    return losses


def line_images(samples_seen: int, points: int = len(LINE_T)) -> int:
    """How many training images the line uses for a run that saw ``samples_seen`` images.

    Training does about three passes' worth of arithmetic per image seen
    (forward and backward); the line does one forward pass per image and
    point, so this many images keep it near :data:`LINE_SHARE` of the run,
    between 100 and 1,000 images.
    """
    return int(np.clip(3 * LINE_SHARE * samples_seen / max(points, 1), MIN_IMAGES, MAX_IMAGES))
