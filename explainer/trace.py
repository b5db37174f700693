"""One training step, operation by operation, with formulas, shapes and real values.

:func:`trace_step` runs the very functions the trainer runs (:func:`model.forward`,
:func:`model.backward`) on a small real batch and lists every operation in
order: the forward pass layer by layer, the loss, the backward pass from the
output down, and the weight update. Each :class:`Operation` carries its LaTeX
formula, its inputs and output as named arrays, and a plain-English note.

Two conventions are offered, as the seeds use both:

* ``batch-first`` (third and fourth seeds): ``X`` is m×784, ``W1`` is 784×n1,
  ``z1 = X W1 + b1``. These are the trainer's own arrays.
* ``feature-first`` (first, second and fifth seeds): ``x`` is 784×m, ``W1`` is
  n1×784, ``z1 = W1 x + b1``. Every array is the transpose of its batch-first
  twin, and the formulas are written the seeds' way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import model
from .activations import ACTIVATIONS
from .config import RunConfig
from .losses import DELTA_FORMULAS, LOSS_FORMULAS, one_hot
from .trainer import random_streams

LAYOUTS = ("batch-first", "feature-first")
OUTPUT_FORMULAS = {
    "softmax": r"\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
    "sigmoid": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    "linear": r"z",
}


@dataclass(frozen=True)
class Tensor:
    """A named array as shown to the learner."""

    name: str
    value: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape (a scalar loss has shape ())."""
        return tuple(self.value.shape)


@dataclass(frozen=True)
class Operation:
    """One step of the walkthrough: ``output = formula(inputs)``."""

    phase: str  # "forward", "loss", "backward" or "update"
    title: str
    formula: str
    inputs: tuple[Tensor, ...]
    output: Tensor
    note: str


def shape_text(shape: tuple[int, ...]) -> str:
    """``(784, 128)`` -> ``"784×128"``; ``(128,)`` -> ``"128"``; ``()`` -> ``"scalar"``."""
    return "×".join(str(size) for size in shape) if shape else "scalar"


def _orient(array: np.ndarray, layout: str) -> np.ndarray:
    """Feature-first shows every matrix transposed and every bias as a column."""
    if layout == "batch-first":
        return array
    return array.reshape(-1, 1) if array.ndim == 1 else array.T


def decay_term(config: RunConfig, layer: int) -> str:
    """The L2 part of a weight gradient, as the config scales it."""
    if not config.l2:
        return ""
    return fr" + \frac{{\lambda}}{{m}} W_{layer}" if config.l2_per_batch else fr" + \lambda W_{layer}"


def trace_step(config: RunConfig, X: np.ndarray, labels: np.ndarray, *, layout: str = "batch-first",
               params: model.Params | None = None) -> list[Operation]:
    """Every operation of one gradient step on the batch ``X`` (m, 784), ``labels`` (m,).

    ``params`` default to the config's initial weights (same seed, same draw as
    the trainer). The learning rate is the config's rate at step 0.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if params is None:
        params = model.init_params(config, random_streams(config.seed)[0])
    X = np.asarray(X, dtype=np.float32)
    m, last = X.shape[0], model.layer_count(params)
    values = model.forward(params, X, config)
    record: dict[str, np.ndarray] = {}
    grads = model.backward(params, values, labels, config, record=record)
    loss_value = model.loss(params, values, labels, config)
    ff = layout == "feature-first"

    def t(name: str, array: np.ndarray) -> Tensor:
        return Tensor(name, _orient(np.asarray(array), layout))

    def act(layer: int) -> str:
        return ("x" if ff else "X") if layer == 0 else f"a{layer}"

    def tex(layer: int) -> str:
        return ("x" if ff else "X") if layer == 0 else f"a_{layer}"

    ops: list[Operation] = []
    for layer in range(1, last + 1):
        a_prev, W, b = act(layer - 1), f"W{layer}", f"b{layer}"
        formula = (fr"z_{layer} = W_{layer} {tex(layer - 1)} + b_{layer}" if ff
                   else fr"z_{layer} = {tex(layer - 1)} W_{layer} + b_{layer}")
        ops.append(Operation(
            "forward", f"Layer {layer}: weighted sum", formula,
            (t(a_prev, values[f"a{layer - 1}"]), t(W, params[W]), t(b, params[b])),
            t(f"z{layer}", values[f"z{layer}"]),
            f"Each of the {m} images becomes {params[W].shape[1]} weighted sums; the bias is broadcast "
            f"across the batch."))
        if layer < last:
            formula, note = ACTIVATIONS[config.activation].formula, f"{config.activation} applied elementwise."
        else:
            formula, note = OUTPUT_FORMULAS[config.output], {
                "softmax": "Each column of ten scores becomes probabilities that sum to 1." if ff else
                           "Each row of ten scores becomes probabilities that sum to 1.",
                "sigmoid": "Each of the ten scores is squashed into (0, 1) on its own.",
                "linear": "The output scores are used as they are.",
            }[config.output]
        ops.append(Operation("forward", f"Layer {layer}: activation",
                             fr"a_{layer} = f(z_{layer}),\quad f(z) = " + formula,
                             (t(f"z{layer}", values[f"z{layer}"]),), t(f"a{layer}", values[f"a{layer}"]), note))

    loss_formula = LOSS_FORMULAS[(config.loss, config.output)]
    if config.l2:
        half = r"\frac{\lambda}{2m}" if config.l2_per_batch else r"\frac{\lambda}{2}"
        loss_formula += " + " + half + r"\sum_l \lVert W_l \rVert^2"
    ops.append(Operation("loss", "Loss", loss_formula,
                         (t(f"a{last}", values[f"a{last}"]), t("y", one_hot(labels))),
                         Tensor("L", np.asarray(loss_value)),
                         f"One number for the whole batch of {m}: the mean over images."))

    ops.append(Operation("backward", "Output gradient", DELTA_FORMULAS[(config.loss, config.output)],
                         (t(f"a{last}", values[f"a{last}"]), t("y", one_hot(labels))),
                         t(f"dz{last}", record[f"dz{last}"]),
                         "Where backpropagation starts: how the loss changes with each output score."))
    for layer in range(last, 0, -1):
        a_prev, dz = act(layer - 1), f"dz{layer}"
        dW_formula = (fr"dW_{layer} = dz_{layer}\, {tex(layer - 1)}^T" if ff
                      else fr"dW_{layer} = {tex(layer - 1)}^T dz_{layer}")
        ops.append(Operation("backward", f"Layer {layer}: weight gradient", dW_formula + decay_term(config, layer),
                             (t(a_prev, values[f"a{layer - 1}"]), t(dz, record[dz])),
                             t(f"dW{layer}", grads[f"dW{layer}"]),
                             f"Same shape as W{layer}: one partial derivative per weight, summed over the batch."))
        ops.append(Operation("backward", f"Layer {layer}: bias gradient",
                             fr"db_{layer} = \sum_{{\text{{batch}}}} dz_{layer}",
                             (t(dz, record[dz]),), t(f"db{layer}", grads[f"db{layer}"]),
                             "Summed over the batch dimension."))
        if layer == 1:
            continue
        ops.append(Operation("backward", f"Layer {layer}: gradient to the layer below",
                             fr"da_{layer - 1} = W_{layer}^T dz_{layer}" if ff else fr"da_{layer - 1} = dz_{layer} W_{layer}^T",
                             (t(f"W{layer}", params[f"W{layer}"]), t(dz, record[dz])),
                             t(f"da{layer - 1}", record[f"da{layer - 1}"]),
                             "The error flows back through the same weights, transposed."))
        ops.append(Operation("backward", f"Layer {layer - 1}: through the activation",
                             fr"dz_{layer - 1} = da_{layer - 1} \odot f'(z_{layer - 1}),\quad f' = "
                             + ACTIVATIONS[config.activation].derivative_formula,
                             (t(f"da{layer - 1}", record[f"da{layer - 1}"]), t(f"z{layer - 1}", values[f"z{layer - 1}"])),
                             t(f"dz{layer - 1}", record[f"dz{layer - 1}"]),
                             f"Elementwise product with the {config.activation} derivative."))

    lr = config.learning_rate
    for layer in range(1, last + 1):
        for kind in ("W", "b"):
            key = f"{kind}{layer}"
            ops.append(Operation("update", f"Update {key}", fr"{kind}_{layer} \leftarrow {kind}_{layer} - \eta\, d{kind}_{layer}",
                                 (t(key, params[key]), t(f"d{key}", grads[f"d{key}"])),
                                 t(key, params[key] - lr * grads[f"d{key}"]),
                                 f"A step of size η = {lr:g} against the gradient."))
    return ops
