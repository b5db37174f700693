"""What happens inside the network while it learns, measured at every evaluation.

The seeds warn in words: with all-zero weights every hidden unit stays the
same; with large weights a sigmoid sits on its flat tails and learning
crawls; ReLU units can die. This module measures each of these on a run as
it trains, cheaply enough to do at every evaluation (under 5% of the
training time, see ``scripts/bench_diagnostics.py``):

* per weight layer ``W_l``: the norm of the gradient ``‖dW_l‖`` on a fixed
  probe batch, the size of the last update relative to the weights
  ``‖ΔW_l‖ / ‖W_l‖`` (healthy training sits near 1e-3), the weight norm, the
  share of ReLU units that are zero for every probe image ("dead") and the
  share of sigmoid/tanh activations in their flat tails ("saturated");
* how many hidden units of layer 1 are still distinct (all-zero init: one);
* a few snapshots of the first layer's weights, for the template gallery.

A :class:`Recorder` is created by the trainer for one run; it returns one
:class:`Measurement` per evaluation and the whole history as
:class:`Diagnostics` at the end. :func:`to_arrays` and :func:`from_arrays`
turn the history into flat numeric arrays for ``.npz`` files and back.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import model
from .config import RunConfig

PROBE_IMAGES = 256  # the fixed validation batch every measurement uses
MAX_SNAPSHOTS = 12  # first-layer snapshots kept per run
SNAPSHOT_UNITS = 64  # units per snapshot
SATURATION = 0.99  # sigmoid outside [0.01, 0.99] or |tanh| > 0.99: the slope is under 1% (2%) of its peak
DISTINCT_TOLERANCE = 1e-3  # two units differing by less than this share of the largest unit count as one
ARRAY_PREFIX = "diag_"


@dataclass(frozen=True)
class LayerStats:
    """One weight layer ``W_l`` at one evaluation.

    ``grad_norm`` is ‖dL/dW_l‖ on the probe batch (L2 term included);
    ``update_ratio`` is ‖ΔW_l‖ / ‖W_l‖ of the step just taken (0 before
    training); ``dead_fraction`` the share of the layer's ReLU units that are
    0 for every probe image; ``saturated_fraction`` the share of its sigmoid
    or tanh activations (units × images) in the flat tails. Both are 0 where
    they do not apply (other activations, the output layer).
    """

    grad_norm: float
    update_ratio: float
    weight_norm: float
    dead_fraction: float
    saturated_fraction: float


LAYER_FIELDS = tuple(field.name for field in dataclasses.fields(LayerStats))


@dataclass(frozen=True)
class Measurement:
    """Everything measured at the evaluation after ``step`` steps; ``layers[l - 1]`` describes ``W_l``."""

    step: int
    distinct_units: int
    layers: tuple[LayerStats, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (a non-finite number becomes None)."""
        return {"step": self.step, "distinct_units": self.distinct_units,
                "layers": [{name: _json_number(getattr(layer, name)) for name in LAYER_FIELDS}
                           for layer in self.layers]}


@dataclass(frozen=True, eq=False)
class Diagnostics:
    """The inside of one run over its whole training.

    Attributes
    ----------
    units : widths of each weight layer's outputs, ``(n1, ..., 10)``.
    records : one :class:`Measurement` per evaluation, in order.
    snapshot_steps : (s,) int64, the steps at which ``W1`` was photographed (s ≤ 12).
    snapshots : (s, u, 784) float16, the first u ≤ 64 units' incoming weights.
    snapshot_dead : (s, u) bool, which of those units were dead (ReLU only).
    line_t : (p,) float64, positions along the line from the initial (t=0) to the final (t=1) weights.
    line_loss : (p,) float64, the loss there on a fixed training batch (empty if not computed).
    """

    units: tuple[int, ...]
    records: tuple[Measurement, ...]
    snapshot_steps: np.ndarray
    snapshots: np.ndarray
    snapshot_dead: np.ndarray
    line_t: np.ndarray
    line_loss: np.ndarray

    @property
    def steps(self) -> np.ndarray:
        """(k,) the step of every measurement."""
        return np.array([record.step for record in self.records], dtype=np.int64)

    @property
    def distinct(self) -> np.ndarray:
        """(k,) distinct hidden units of layer 1 at every measurement."""
        return np.array([record.distinct_units for record in self.records], dtype=np.int64)

    def series(self, name: str) -> np.ndarray:
        """(k, L) one :class:`LayerStats` field for every measurement and layer."""
        if name not in LAYER_FIELDS:
            raise KeyError(f"{name!r} is not one of {LAYER_FIELDS}")
        return np.array([[getattr(layer, name) for layer in record.layers] for record in self.records],
                        dtype=np.float64).reshape(len(self.records), len(self.units))

    def with_line(self, t: np.ndarray, loss: np.ndarray) -> Diagnostics:
        """A copy with the loss along the line filled in."""
        return dataclasses.replace(self, line_t=np.asarray(t, dtype=np.float64),
                                   line_loss=np.asarray(loss, dtype=np.float64))

    def to_json(self) -> list[dict[str, Any]]:
        """One plain record per evaluation: ``step``, ``distinct_units`` and ``layers``."""
        return [record.to_dict() for record in self.records]


def _json_number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --- the measurements ---------------------------------------------------------------------------

def distinct_units(W: np.ndarray, b: np.ndarray, tolerance: float = DISTINCT_TOLERANCE) -> int:
    """How many of the columns of ``W`` (n_in, n), with their biases ``b`` (n,), differ.

    Each unit is its n_in weights plus its bias. Units are sorted along one
    fixed random direction, so identical units end up next to each other, and
    neighbours count as the same unit when they are closer than ``tolerance``
    times the largest unit's norm (float32 arithmetic can leave twins a few
    ulps apart).
    """
    units = np.nan_to_num(np.vstack([W, b[None, :]]).T.astype(np.float32))  # (n, n_in + 1)
    if units.shape[0] <= 1:
        return units.shape[0]
    scale = float(np.linalg.norm(units, axis=1).max())
    direction = np.random.default_rng(0).standard_normal(units.shape[1]).astype(np.float32)
    order = np.argsort(units @ direction, kind="stable")
    gaps = np.linalg.norm(np.diff(units[order], axis=0), axis=1)
    return 1 + int(np.count_nonzero(gaps > tolerance * scale))


def hidden_unit_states(z: np.ndarray, a: np.ndarray, activation: str) -> tuple[np.ndarray, float]:
    """(dead mask (n,), saturated share) of one hidden layer on a batch, ``z`` and ``a`` (m, n).

    A ReLU unit is dead when ``z ≤ 0`` (so ``a = 0``) for every image; a
    sigmoid or tanh activation is saturated in its flat tails, where
    ``f′(z)`` is almost 0. Leaky ReLU never dies; other cases give zeros.
    """
    dead = np.all(z <= 0, axis=0) if activation == "relu" else np.zeros(z.shape[1], dtype=bool)
    if activation == "sigmoid":
        saturated = float(np.mean((a < 1 - SATURATION) | (a > SATURATION)))
    elif activation == "tanh":
        saturated = float(np.mean(np.abs(a) > SATURATION))
    else:
        saturated = 0.0
    return dead, saturated


def _norm(array: np.ndarray) -> float:
    return float(np.sqrt(np.vdot(array, array)))  # vdot accumulates without a weight-sized temporary


def measure(params: model.Params, config: RunConfig, X: np.ndarray, labels: np.ndarray, step: int,
            updates: model.Grads | None = None) -> tuple[Measurement, np.ndarray]:
    """Measure the network on a probe batch.

    Parameters
    ----------
    params : current weights ``W1, b1, ...``.
    X : (m, 784) probe images; labels : (m,) digits.
    step : steps done so far.
    updates : ``dW_l`` arrays holding the last step's change ``ΔW_l`` (None before training).

    Returns
    -------
    (measurement, dead) : the :class:`Measurement` and the (n1,) dead mask of layer 1's units.
    """
    last = model.layer_count(params)
    values = model.forward(params, X, config)
    grads = model.backward(params, values, labels, config)
    layers, dead_first = [], np.zeros(params["W1"].shape[1], dtype=bool)
    for layer in range(1, last + 1):
        W = params[f"W{layer}"]
        weight_norm = _norm(W)
        change = _norm(updates[f"dW{layer}"]) if updates is not None else 0.0
        ratio = change / weight_norm if weight_norm > 0 else (0.0 if change == 0 else math.inf)
        dead_share, saturated = 0.0, 0.0
        if layer < last:
            dead, saturated = hidden_unit_states(values[f"z{layer}"], values[f"a{layer}"], config.activation)
            dead_share = float(dead.mean())
            if layer == 1:
                dead_first = dead
        layers.append(LayerStats(_norm(grads[f"dW{layer}"]), ratio, weight_norm, dead_share, saturated))
    first = distinct_units(params["W1"], params["b1"]) if last > 1 else params["W1"].shape[1]
    return Measurement(step, first, tuple(layers)), dead_first


def snapshot_plan(evaluation_steps: Sequence[int], limit: int = MAX_SNAPSHOTS) -> set[int]:
    """The evaluation steps at which ``W1`` is photographed: at most ``limit``, denser early on.

    Templates change fastest at the start, so the chosen evaluations are
    spaced quadratically: the first and the last are always included.
    """
    steps = list(evaluation_steps)
    if len(steps) <= limit:
        return set(steps)
    picks = np.unique(np.round(np.linspace(0.0, 1.0, limit) ** 2 * (len(steps) - 1)).astype(int))
    return {steps[i] for i in picks}


def planned_evaluations(total_steps: int, eval_every: int) -> list[int]:
    """The steps after which the trainer evaluates: 0, every ``eval_every`` steps, and the last."""
    steps = [0, *range(eval_every, total_steps + 1, eval_every)]
    return steps if steps[-1] == total_steps else [*steps, total_steps]


class Recorder:
    """Collects the measurements of one training run (the trainer makes one per run; never shared).

    Parameters
    ----------
    config : the run's config.
    X, labels : the fixed probe batch, (m, 784) and (m,).
    evaluation_steps : the steps the trainer plans to evaluate at (see :func:`planned_evaluations`).
    """

    def __init__(self, config: RunConfig, X: np.ndarray, labels: np.ndarray,
                 evaluation_steps: Sequence[int]) -> None:
        self.config, self.X, self.labels = config, X, labels
        self.units = tuple(config.layer_sizes[1:])
        self._photograph = snapshot_plan(evaluation_steps, MAX_SNAPSHOTS - 1) | {evaluation_steps[-1]}
        self._records: list[Measurement] = []
        self._snapshots: list[tuple[int, np.ndarray, np.ndarray]] = []

    def measure(self, params: model.Params, step: int, updates: model.Grads | None) -> Measurement:
        """Measure after ``step`` steps and keep the result (and a snapshot if one is planned)."""
        record, dead = measure(params, self.config, self.X, self.labels, step, updates)
        self._records.append(record)
        if step in self._photograph:
            self._snapshot(params, step, dead)
        return record

    def _snapshot(self, params: model.Params, step: int, dead: np.ndarray) -> None:
        units = min(SNAPSHOT_UNITS, params["W1"].shape[1])
        with np.errstate(over="ignore"):  # a diverging run's huge weights become inf in float16
            picture = params["W1"][:, :units].T.astype(np.float16)
        self._snapshots.append((step, picture, dead[:units].copy()))

    def finish(self, params: model.Params, step: int, diverged: bool) -> Diagnostics:
        """The run's history; a run stopped between evaluations gets a last snapshot of its final weights."""
        if not diverged and self._snapshots and self._snapshots[-1][0] < step:
            _, dead = measure(params, self.config, self.X, self.labels, step)
            if len(self._snapshots) >= MAX_SNAPSHOTS:
                self._snapshots.pop()
            self._snapshot(params, step, dead)
        units = min(SNAPSHOT_UNITS, self.units[0])
        steps = np.array([s for s, _, _ in self._snapshots], dtype=np.int64)
        pictures = (np.stack([p for _, p, _ in self._snapshots]) if self._snapshots
                    else np.zeros((0, units, 784), dtype=np.float16))
        dead = (np.stack([d for _, _, d in self._snapshots]) if self._snapshots
                else np.zeros((0, units), dtype=bool))
        return Diagnostics(self.units, tuple(self._records), steps, pictures, dead,
                           np.zeros(0), np.zeros(0))


# --- flat arrays for .npz files -----------------------------------------------------------------

def to_arrays(diagnostics: Diagnostics) -> dict[str, np.ndarray]:
    """Flat numeric arrays with ``diag_``-prefixed keys, safe for ``np.savez`` and ``allow_pickle=False``.

    Keys: ``diag_units`` (L,), ``diag_step`` and ``diag_distinct_units`` (k,), one (k, L) float64
    array per :class:`LayerStats` field (``diag_grad_norm``, ...), ``diag_snapshot_step`` (s,),
    ``diag_snapshot`` (s, u, 784) float16, ``diag_snapshot_dead`` (s, u) bool, ``diag_line_t`` and
    ``diag_line_loss`` (p,).
    """
    arrays = {
        "units": np.array(diagnostics.units, dtype=np.int64),
        "step": diagnostics.steps,
        "distinct_units": diagnostics.distinct,
        **{name: diagnostics.series(name) for name in LAYER_FIELDS},
        "snapshot_step": np.asarray(diagnostics.snapshot_steps, dtype=np.int64),
        "snapshot": np.asarray(diagnostics.snapshots, dtype=np.float16),
        "snapshot_dead": np.asarray(diagnostics.snapshot_dead, dtype=bool),
        "line_t": np.asarray(diagnostics.line_t, dtype=np.float64),
        "line_loss": np.asarray(diagnostics.line_loss, dtype=np.float64),
    }
    return {ARRAY_PREFIX + name: value for name, value in arrays.items()}


def from_arrays(arrays: dict[str, np.ndarray]) -> Diagnostics:
    """Inverse of :func:`to_arrays`; keys without the ``diag_`` prefix are ignored.

    Raises
    ------
    ValueError
        naming the array that is missing, not numeric, or whose shape does not fit the others.
    """
    def get(name: str, kinds: str, ndim: int) -> np.ndarray:
        key = ARRAY_PREFIX + name
        if key not in arrays:
            raise ValueError(f"diagnostics array {key} is missing")
        value = np.asarray(arrays[key])
        if value.dtype.kind not in kinds or value.ndim != ndim:
            raise ValueError(f"diagnostics array {key} has dtype {value.dtype} and {value.ndim} dimensions")
        return value

    units = tuple(int(n) for n in get("units", "iu", 1))
    steps, distinct = get("step", "iu", 1), get("distinct_units", "iu", 1)
    count, layers = len(steps), len(units)
    if not layers or min(units) < 1 or len(distinct) != count:
        raise ValueError("diagnostics arrays disagree on the number of layers or evaluations")
    columns = {}
    for name in LAYER_FIELDS:
        columns[name] = get(name, "fiu", 2).astype(np.float64)
        if columns[name].shape != (count, layers):
            raise ValueError(f"diagnostics array {ARRAY_PREFIX}{name} has shape {columns[name].shape}, "
                             f"expected {(count, layers)}")
    records = tuple(Measurement(int(steps[k]), int(distinct[k]), tuple(
        LayerStats(*(float(columns[name][k, l]) for name in LAYER_FIELDS)) for l in range(layers)))
        for k in range(count))
    snapshot_steps, snapshots = get("snapshot_step", "iu", 1), get("snapshot", "f", 3)
    dead = get("snapshot_dead", "b", 2)
    shots, shown = len(snapshot_steps), min(SNAPSHOT_UNITS, units[0])
    if snapshots.shape != (shots, shown, 784) or dead.shape != (shots, shown) or shots > MAX_SNAPSHOTS:
        raise ValueError(f"diagnostics snapshots have shape {snapshots.shape}, expected {(shots, shown, 784)}")
    line_t, line_loss = get("line_t", "f", 1), get("line_loss", "f", 1)
    if line_t.shape != line_loss.shape:
        raise ValueError("diagnostics line_t and line_loss differ in length")
    return Diagnostics(units, records, snapshot_steps.astype(np.int64), snapshots.astype(np.float16),
                       dead.astype(bool), line_t.astype(np.float64), line_loss.astype(np.float64))
