"""One training step, operation by operation, with formulas, shapes and real values.

:func:`trace_step` runs the very functions the trainer runs (:func:`model.forward`,
:func:`model.backward`) on a small real batch and lists every operation in
order: the forward pass layer by layer, the loss, the backward pass from the
output down, and the weight update. Each :class:`Operation` carries its LaTeX
formula, its inputs and output as named arrays, and a plain-English note
(title and note travel as :class:`~explainer.config.Notice` templates, so the
app can show them in the visitor's language; formulas stay as they are).

Two conventions are offered, as the seeds use both:

* ``batch-first`` (third and fourth seeds): ``X`` is m×784, ``W1`` is 784×n1,
  ``z1 = X W1 + b1``. These are the trainer's own arrays.
* ``feature-first`` (first, second and fifth seeds): ``x`` is 784×m, ``W1`` is
  n1×784, ``z1 = W1 x + b1``. Every array is the transpose of its batch-first
  twin, and the formulas are written the seeds' way.

A page that only draws parts of the arrays asks for ``compact=True``: each
tensor then keeps just what is drawn (the top-left corner of a heatmap, the
first units' 784 weights as images) with its true shape and whether it is all
zeros, so a trace of a 4×2048 network holds kilobytes, not its weight
matrices. :func:`gradient_flow` summarises the backward pass of the same step
for the network diagram: every drawn unit's and edge's gradient, and the chain
rule of each drawn hidden unit with the batch's real numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import model
from .activations import ACTIVATIONS
from .config import Notice, RunConfig
from .i18n import N_, Translate, same
from .losses import DELTA_FORMULAS, LOSS_FORMULAS, one_hot
from .trainer import random_streams

LAYOUTS = ("batch-first", "feature-first")
OUTPUT_FORMULAS = {
    "softmax": r"\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
    "sigmoid": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    "linear": r"z",
}


CORNER = 32  # a compact tensor keeps this many rows and columns (the heatmaps draw at most 32×32)
PIXEL_UNITS = 32  # ...and of a 784-pixel matrix, all 784 pixels of this many units (the 28×28 pictures)


@dataclass(frozen=True)
class Tensor:
    """A named array as shown to the learner.

    A compact tensor (see :meth:`compact`) holds only the part that is drawn in
    ``value``; ``full_shape`` then keeps the true shape and ``nonzero`` whether
    any entry of the whole array differs from 0.
    """

    name: str
    value: np.ndarray
    full_shape: tuple[int, ...] | None = None
    nonzero: bool | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """The array's true shape (a scalar loss has shape ())."""
        return self.full_shape if self.full_shape is not None else tuple(self.value.shape)

    @property
    def is_zero(self) -> bool:
        """True when the whole array (not only the kept part) is zeros."""
        return not self.nonzero if self.nonzero is not None else not np.any(self.value)

    def compact(self, corner: int = CORNER, pixel_units: int = PIXEL_UNITS) -> Tensor:
        """A copy keeping only what the Shapes page draws.

        Vectors keep their first ``corner`` entries; matrices their top-left
        ``corner``×``corner`` block, except that a matrix with a side of 784
        (a batch of images, W1, dW1) keeps that whole side for its first
        ``max(corner, pixel_units)`` rows or columns, enough for the 28×28 pictures.
        """
        value = self.value
        if value.ndim == 1:
            kept = value[:corner]
        elif value.ndim == 2:
            units = max(corner, pixel_units)
            rows = value.shape[0] if value.shape[0] == 784 else (units if value.shape[1] == 784 else corner)
            cols = value.shape[1] if value.shape[1] == 784 else (units if value.shape[0] == 784 else corner)
            kept = value[:rows, :cols]
        else:
            kept = value
        return Tensor(self.name, np.array(kept, copy=True), self.shape, bool(np.any(value)))


@dataclass(frozen=True)
class Operation:
    """One step of the walkthrough: ``output = formula(inputs)``.

    ``heading`` and ``explanation`` are the title and the note as templates with
    their values (``render(op.heading, translate)`` gives them in a language;
    :attr:`title` and :attr:`note` in English). ``kind`` says what the
    operation does, one of :data:`KINDS` ("" for anything else).
    """

    phase: str  # "forward", "loss", "backward" or "update"
    heading: Notice | str
    formula: str
    inputs: tuple[Tensor, ...]
    output: Tensor
    explanation: Notice | str
    kind: str = ""

    @property
    def title(self) -> str:
        """The title in English, e.g. 'Layer 1: weighted sum'."""
        return str(self.heading)

    @property
    def note(self) -> str:
        """The note in English."""
        return str(self.explanation)


KINDS = ("weighted sum", "activation", "loss", "output gradient", "weight gradient", "bias gradient",
         "gradient to the layer below", "through the activation", "update")
SCALAR = N_("scalar")


def shape_text(shape: tuple[int, ...], translate: Translate = same) -> str:
    """``(784, 128)`` -> ``"784×128"``; ``(128,)`` -> ``"128"``; ``()`` -> ``"scalar"``, in ``translate``'s words."""
    return "×".join(str(size) for size in shape) if shape else translate(SCALAR)


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
               params: model.Params | None = None, compact: bool = False) -> list[Operation]:
    """Every operation of one gradient step on the batch ``X`` (m, 784), ``labels`` (m,).

    ``params`` default to the config's initial weights (same seed, same draw as
    the trainer). The learning rate is the config's rate at step 0. With
    ``compact`` every tensor keeps only what is drawn (:meth:`Tensor.compact`),
    each as soon as it is made.
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
        tensor = Tensor(name, _orient(np.asarray(array), layout))
        return tensor.compact() if compact else tensor

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
            "forward", Notice(N_("Layer {layer}: weighted sum"), {"layer": layer}), formula,
            (t(a_prev, values[f"a{layer - 1}"]), t(W, params[W]), t(b, params[b])),
            t(f"z{layer}", values[f"z{layer}"]),
            Notice(N_("Each of the {m} images becomes {units} weighted sums; the bias is broadcast across the batch."),
                   {"m": m, "units": params[W].shape[1]}), "weighted sum"))
        if layer < last:
            formula = ACTIVATIONS[config.activation].formula
            note = Notice(N_("{activation} applied elementwise."), {"activation": config.activation})
        else:
            formula, note = OUTPUT_FORMULAS[config.output], Notice({
                "softmax": N_("Each column of ten scores becomes probabilities that sum to 1.") if ff else
                           N_("Each row of ten scores becomes probabilities that sum to 1."),
                "sigmoid": N_("Each of the ten scores is squashed into (0, 1) on its own."),
                "linear": N_("The output scores are used as they are."),
            }[config.output])
        ops.append(Operation("forward", Notice(N_("Layer {layer}: activation"), {"layer": layer}),
                             fr"a_{layer} = f(z_{layer}),\quad f(z) = " + formula,
                             (t(f"z{layer}", values[f"z{layer}"]),), t(f"a{layer}", values[f"a{layer}"]), note,
                             "activation"))

    loss_formula = LOSS_FORMULAS[(config.loss, config.output)]
    if config.l2:
        half = r"\frac{\lambda}{2m}" if config.l2_per_batch else r"\frac{\lambda}{2}"
        loss_formula += " + " + half + r"\sum_l \lVert W_l \rVert^2"
    ops.append(Operation("loss", Notice(N_("Loss")), loss_formula,
                         (t(f"a{last}", values[f"a{last}"]), t("y", one_hot(labels))),
                         Tensor("L", np.asarray(loss_value)),
                         Notice(N_("One number for the whole batch of {m}: the mean over images."), {"m": m}), "loss"))

    ops.append(Operation("backward", Notice(N_("Output gradient")), DELTA_FORMULAS[(config.loss, config.output)],
                         (t(f"a{last}", values[f"a{last}"]), t("y", one_hot(labels))),
                         t(f"dz{last}", record[f"dz{last}"]),
                         Notice(N_("Where backpropagation starts: how the loss changes with each output score.")),
                         "output gradient"))
    for layer in range(last, 0, -1):
        a_prev, dz = act(layer - 1), f"dz{layer}"
        dW_formula = (fr"dW_{layer} = dz_{layer}\, {tex(layer - 1)}^T" if ff
                      else fr"dW_{layer} = {tex(layer - 1)}^T dz_{layer}")
        ops.append(Operation("backward", Notice(N_("Layer {layer}: weight gradient"), {"layer": layer}),
                             dW_formula + decay_term(config, layer),
                             (t(a_prev, values[f"a{layer - 1}"]), t(dz, record[dz])),
                             t(f"dW{layer}", grads[f"dW{layer}"]),
                             Notice(N_("Same shape as W{layer}: one partial derivative per weight, summed over the "
                                       "batch."), {"layer": layer}), "weight gradient"))
        ops.append(Operation("backward", Notice(N_("Layer {layer}: bias gradient"), {"layer": layer}),
                             fr"db_{layer} = \sum_{{\text{{batch}}}} dz_{layer}",
                             (t(dz, record[dz]),), t(f"db{layer}", grads[f"db{layer}"]),
                             Notice(N_("Summed over the batch dimension.")), "bias gradient"))
        if layer == 1:
            continue
        ops.append(Operation("backward", Notice(N_("Layer {layer}: gradient to the layer below"), {"layer": layer}),
                             fr"da_{layer - 1} = W_{layer}^T dz_{layer}" if ff else fr"da_{layer - 1} = dz_{layer} W_{layer}^T",
                             (t(f"W{layer}", params[f"W{layer}"]), t(dz, record[dz])),
                             t(f"da{layer - 1}", record[f"da{layer - 1}"]),
                             Notice(N_("The error flows back through the same weights, transposed.")),
                             "gradient to the layer below"))
        ops.append(Operation("backward", Notice(N_("Layer {layer}: through the activation"), {"layer": layer - 1}),
                             fr"dz_{layer - 1} = da_{layer - 1} \odot f'(z_{layer - 1}),\quad f' = "
                             + ACTIVATIONS[config.activation].derivative_formula,
                             (t(f"da{layer - 1}", record[f"da{layer - 1}"]), t(f"z{layer - 1}", values[f"z{layer - 1}"])),
                             t(f"dz{layer - 1}", record[f"dz{layer - 1}"]),
                             Notice(N_("Elementwise product with the {activation} derivative."),
                                    {"activation": config.activation}), "through the activation"))

    lr = config.learning_rate
    for layer in range(1, last + 1):
        for kind in ("W", "b"):
            key = f"{kind}{layer}"
            ops.append(Operation("update", Notice(N_("Update {name}"), {"name": key}),
                                 fr"{kind}_{layer} \leftarrow {kind}_{layer} - \eta\, d{kind}_{layer}",
                                 (t(key, params[key]), t(f"d{key}", grads[f"d{key}"])),
                                 t(key, params[key] - lr * grads[f"d{key}"]),
                                 Notice(N_("A step of size η = {lr:g} against the gradient."), {"lr": lr}), "update"))
    return ops


# --- the backward pass as it flows through the network ------------------------------------------

@dataclass(frozen=True)
class UnitChain:
    """The chain rule of hidden unit ``unit`` of layer ``layer`` on this batch (all arrays (m,), one per image).

    ``da`` is dL/da from the layer above, ``slope`` f′(z), and their product
    ``dz`` = dL/dz. Summing ``dz`` over the batch gives ``db``; multiplying it
    by the inputs gives this unit's ``size`` weight gradients, of which the
    largest is spelled out: ``dW = Σ inputs·dz + decay`` for input ``source``.
    """

    layer: int
    unit: int
    da: np.ndarray
    z: np.ndarray
    slope: np.ndarray
    dz: np.ndarray
    db: float
    source: int
    inputs: np.ndarray
    dW: float
    decay: float
    size: int


@dataclass(frozen=True)
class GradientFlow:
    """One step's backward pass, reduced to what a network diagram draws.

    Attributes
    ----------
    layer_sizes : widths from input to output.
    units : for each layer 0..L, the indices of the drawn units.
    unit_grads : for each layer 1..L, ``db_l`` = Σ_batch dL/dz_l of the drawn units.
    edge_grads : for each layer 1..L, ``dW_l`` between the drawn units, (drawn in, drawn out).
    unit_scales, edge_scales : for each layer 1..L, the largest |db_l| and |dW_l| over the whole
        layer, drawn or not, so colours compare a drawn unit with all of its layer.
    chains : the :class:`UnitChain` of every drawn hidden unit, keyed by (layer, unit).
    """

    layer_sizes: tuple[int, ...]
    units: tuple[tuple[int, ...], ...]
    unit_grads: tuple[np.ndarray, ...]
    edge_grads: tuple[np.ndarray, ...]
    unit_scales: tuple[float, ...]
    edge_scales: tuple[float, ...]
    chains: dict[tuple[int, int], UnitChain] = field(default_factory=dict)


def gradient_flow(config: RunConfig, X: np.ndarray, labels: np.ndarray, *, params: model.Params | None = None,
                  units: Sequence[Sequence[int]] | None = None) -> GradientFlow:
    """The gradients of one step on ``X`` (m, 784), ``labels`` (m,), for the drawn units only.

    ``units[l]`` lists the units of layer l (0 = input) the diagram draws; by
    default all of them. Weights default to the config's initial ones.
    """
    if params is None:
        params = model.init_params(config, random_streams(config.seed)[0])
    X = np.asarray(X, dtype=np.float32)
    last = model.layer_count(params)
    sizes = config.layer_sizes
    drawn = tuple(tuple(int(u) for u in layer) for layer in units) if units is not None else tuple(
        tuple(range(n)) for n in sizes)
    values = model.forward(params, X, config)
    record: dict[str, np.ndarray] = {}
    grads = model.backward(params, values, labels, config, record=record)
    decay = model.l2_factor(config, X.shape[0])
    derivative = ACTIVATIONS[config.activation].derivative
    unit_grads, edge_grads, unit_scales, edge_scales, chains = [], [], [], [], {}
    for layer in range(1, last + 1):
        into, out = list(drawn[layer - 1]), list(drawn[layer])
        unit_grads.append(grads[f"db{layer}"][out].astype(np.float64))
        edge_grads.append(grads[f"dW{layer}"][np.ix_(into, out)].astype(np.float64))
        unit_scales.append(float(np.max(np.abs(grads[f"db{layer}"]))))
        edge_scales.append(float(np.max(np.abs(grads[f"dW{layer}"]))))
        if layer == last:
            continue
        for j in out:
            dz = record[f"dz{layer}"][:, j]
            a_prev = values[f"a{layer - 1}"]
            data = a_prev.T @ dz  # this unit's weight gradients without the L2 part: Σ_i a_prev[i, k]·dz[i]
            k = int(np.argmax(np.abs(data)))
            z = values[f"z{layer}"][:, j]
            chains[(layer, j)] = UnitChain(
                layer, j, record[f"da{layer}"][:, j].astype(np.float64), z.astype(np.float64),
                np.asarray(derivative(z, values[f"a{layer}"][:, j]), dtype=np.float64), dz.astype(np.float64),
                float(grads[f"db{layer}"][j]), k, a_prev[:, k].astype(np.float64),
                float(grads[f"dW{layer}"][k, j]), float(decay * params[f"W{layer}"][k, j]), a_prev.shape[1])
    return GradientFlow(tuple(sizes), drawn, tuple(unit_grads), tuple(edge_grads), tuple(unit_scales),
                        tuple(edge_scales), chains)


def gradient_progress(ops: Sequence[Operation], index: int) -> tuple[int, int]:
    """How far the backward pass has come by operation ``index``: (units from, edges from).

    The first number is the lowest layer whose dL/dz is known, the second the
    lowest layer whose dW is known; ``L + 1`` means none yet (forward pass and
    loss). The update steps come after the whole backward pass.
    """
    last = max(int(op.output.name[1:]) for op in ops if op.phase == "forward" and op.output.name.startswith("z"))
    units = edges = last + 1
    for op in ops[:index + 1]:
        name = op.output.name
        if op.phase == "update":
            return 1, 1
        if op.phase != "backward":
            continue
        if name.startswith("dz"):
            units = min(units, int(name[2:]))
        elif name.startswith(("dW", "db")):
            edges = min(edges, int(name[2:]))
    return units, edges
