"""What a run will cost before it starts: CPU seconds from steps × parameters, and what to lower.

A training step costs a fixed overhead (Python, the batch gather, one call per
layer) plus time proportional to the multiply-adds of the forward and backward
passes, ``batch × Σ n_in·n_out``; every accuracy measurement costs a forward
pass over the images it measures. The constants were fitted on the 2-vCPU
development machine with one BLAS thread (``scripts/calibrate_costs.py``
refits them and prints measured against estimated seconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .config import RunConfig
from .i18n import N_
from .prepare import split_sizes
from .trainer import EVAL_TRAIN_IMAGES, plan

STEP_SECONDS = 1.5e-4  # per step, whatever its size
LAYER_SECONDS = 4.0e-5  # per step and weight layer
TRAIN_MAC_SECONDS = 1.0e-10  # per multiply-add of one example's forward pass, forward and backward together
INPUT_SECONDS = 1.0e-9  # per input pixel a step reads (the batch gather; full-batch steps are bound by memory)
EVAL_MAC_SECONDS = 5.0e-11  # per multiply-add of one example's forward pass when measuring (accuracy, diagnostics)


def multiply_adds(config: RunConfig) -> int:
    """Multiply-adds of one example's forward pass: Σ n_in·n_out over the weight layers."""
    sizes = config.layer_sizes
    return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


@dataclass(frozen=True)
class Estimate:
    """The estimated cost of one run on a dataset with ``n_train`` training images."""

    steps: int
    batch: int
    evaluations: int
    n_train: int
    seconds: float

    @property
    def minutes(self) -> float:
        return self.seconds / 60


def estimate(config: RunConfig, n_train_images: int, n_test_images: int) -> Estimate:
    """CPU seconds ``config`` needs on a dataset of the given sizes (one BLAS thread).

    Parameters
    ----------
    n_train_images, n_test_images : sizes of the whole dataset before splitting
        (60,000 and 10,000 for the full MNIST).
    """
    n_train, n_val, _ = split_sizes(n_train_images, n_test_images, config)
    batch, per_epoch, total = plan(config, n_train)
    macs = multiply_adds(config)
    layers = len(config.layer_sizes) - 1
    step = STEP_SECONDS + LAYER_SECONDS * layers + batch * (TRAIN_MAC_SECONDS * macs + INPUT_SECONDS * 784)
    every = config.eval_every or per_epoch
    evaluations = total // every + 1 + (total % every != 0)
    measured_images = min(EVAL_TRAIN_IMAGES, n_train) + n_val
    seconds = total * step + evaluations * EVAL_MAC_SECONDS * measured_images * macs
    return Estimate(total, batch, evaluations, n_train, seconds)


def advice(config: RunConfig, sizes: tuple[int, int], limit_seconds: float) -> list[tuple[str, dict]]:
    """Ways to bring ``config`` under ``limit_seconds``, as (message, values) pairs for a translator.

    Each suggestion changes one setting on its own (fewer epochs or steps, fewer training images,
    narrower hidden layers, larger batches for batch-1 SGD), by as little as will do: every value
    offered is checked with :func:`estimate` to fit. ``sizes`` are the dataset's (training, test)
    image counts.
    """
    def fits(candidate: RunConfig) -> bool:
        return estimate(candidate, *sizes).seconds <= limit_seconds

    if fits(config):
        return []
    tips: list[tuple[str, dict]] = []
    n_train = estimate(config, *sizes).n_train
    if config.steps:
        fewer = _largest(1, config.steps - 1, lambda v: fits(config.replace(steps=v)))
        if fewer:
            tips.append((N_("use {value:,} steps instead of {current:,}"), {"value": fewer, "current": config.steps}))
    else:
        fewer = _largest(1, config.epochs - 1, lambda v: fits(config.replace(epochs=v)))
        if fewer:
            tips.append((N_("train {value} epochs instead of {current}"), {"value": fewer, "current": config.epochs}))
        images = _largest(500, n_train - 1, lambda v: fits(config.replace(train_size=v)))
        if images:
            tips.append((N_("use {value:,} training images instead of {current:,}"),
                         {"value": images, "current": n_train}))
    widest = max(config.hidden, default=0)
    narrower = _largest(16, widest - 1, lambda v: fits(config.replace(hidden=tuple(min(w, v) for w in config.hidden))))
    if narrower:
        tips.append((N_("make the hidden layers at most {value} units wide instead of {current}"),
                     {"value": narrower, "current": widest}))
    if 0 < config.batch_size < 32 and not config.steps and fits(config.replace(batch_size=32)):
        tips.append((N_("use batches of 32 or more instead of {current}: far fewer steps per epoch"),
                     {"current": config.batch_size}))
    return tips


def _largest(low: int, high: int, fits) -> int | None:
    """The largest whole number in [low, high] for which ``fits`` holds (it holds for all smaller ones), or None."""
    if high < low or not fits(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low
