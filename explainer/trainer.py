"""Mini-batch gradient descent that reports its progress as a stream of events.

:func:`train` is a generator: the caller (a terminal progress bar, a Streamlit
page, a test) owns the loop and decides what to draw. It yields a
:class:`Step` after every gradient step, an :class:`Evaluation` whenever
accuracy is measured, and finally one :class:`Finished` with the result.
It never prints.

At every evaluation the trainer also looks inside the network
(:mod:`explainer.diagnostics`): gradient and update sizes per layer, dead and
saturated units, how many first-layer units are still distinct, and a few
snapshots of the first layer's weights. The finished run carries that
history and the loss along the straight line from its initial to its final
weights (:mod:`explainer.landscape`).

The seed fixes two independent random streams, one for the initial weights and
one for the batch order, so two configs that differ only in, say, the
learning-rate schedule see exactly the same initial weights and batches.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from . import diagnostics as inside
from . import landscape, model
from .config import Notice, RunConfig
from .i18n import N_
from .metrics import evaluate
from .prepare import Splits
from .schedules import learning_rate_at

EVAL_TRAIN_IMAGES = 10_000  # curves measure training accuracy on this many images
EXPLOSION_FACTOR = 100.0  # a loss this many times the first one counts as exploding


@dataclass(frozen=True)
class Step:
    """One gradient step done: ``step`` counts from 1, ``loss`` is the batch loss."""

    step: int
    epoch: float
    loss: float
    lr: float


@dataclass(frozen=True)
class Evaluation:
    """Accuracy and data loss measured after ``step`` steps (0 = before training).

    ``diagnostics`` holds what was measured inside the network at the same
    moment (None when the trainer was asked not to look).
    """

    step: int
    epoch: float
    lr: float
    seconds: float
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    diagnostics: inside.Measurement | None = None


@dataclass(frozen=True)
class TrainResult:
    """A finished (or stopped) run.

    ``step_loss`` and ``step_lr`` are (steps_done,) arrays; ``stop_reason`` is
    None when the run completed, else why it stopped (diverged or asked to), in
    English; ``stop_message`` is the same sentence as a translatable
    :class:`~explainer.config.Notice` (None for runs stored before it existed:
    :attr:`stop_notice` then falls back to the English).
    ``diagnostics`` is the inside of the run over its training (every
    evaluation's measurement, first-layer snapshots, the loss along the line
    from the initial to the final weights), or None when it was not measured.
    """

    config: RunConfig
    params: model.Params
    initial_params: model.Params
    step_loss: np.ndarray
    step_lr: np.ndarray
    evaluations: tuple[Evaluation, ...]
    seconds: float
    total_steps: int
    stop_reason: str | None = None
    diverged: bool = False
    diagnostics: inside.Diagnostics | None = None
    test_accuracy: float | None = None  # measured on the test split after training (the job layer does it)
    stop_message: Notice | None = None

    @property
    def stop_notice(self) -> Notice | None:
        """Why the run stopped as a template and values (the app translates it), or None if it completed."""
        if self.stop_message is not None:
            return self.stop_message
        return Notice(self.stop_reason) if self.stop_reason else None

    @property
    def final(self) -> Evaluation:
        """The last evaluation."""
        return self.evaluations[-1]


@dataclass(frozen=True)
class Finished:
    """The last event of every run."""

    result: TrainResult


Event = Step | Evaluation | Finished


def plan(config: RunConfig, n_train: int) -> tuple[int, int, int]:
    """(batch size, steps per epoch, total steps) for ``n_train`` training images."""
    batch = n_train if config.full_batch else min(config.batch_size, n_train)
    per_epoch = math.ceil(n_train / batch)
    total = config.steps or config.epochs * per_epoch
    return batch, per_epoch, total


def batch_order(config: RunConfig, n: int, rng: np.random.Generator) -> Iterator[np.ndarray | None]:
    """Endless stream of index arrays, one per step; None means 'all images'."""
    batch, _, _ = plan(config, n)
    if batch == n and config.sampling != "replacement":
        while True:
            yield None
    while True:
        if config.sampling == "replacement":
            yield rng.integers(0, n, size=batch)  # np.random.choice-style, fourth seed
            continue
        order = rng.permutation(n) if config.sampling == "shuffle" else np.arange(n)
        for start in range(0, n, batch):
            yield order[start:start + batch]


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for (initial weights, batch order) from one seed."""
    init_seq, batch_seq = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init_seq), np.random.default_rng(batch_seq)


DIVERGED = {  # (exploding rather than NaN or inf, initialisation with a fixed scale) -> message
    (False, False): N_("learning rate {lr:g} is too large: loss became {loss} at step {step}. "
                       "Try {smaller:g} or less."),
    (False, True): N_("learning rate {lr:g} is too large: loss became {loss} at step {step}. Try {smaller:g} or less, "
                      "or a smaller init scale."),
    (True, False): N_("learning rate {lr:g} is too large: loss became {loss:.3g}, exploding at step {step}. "
                      "Try {smaller:g} or less."),
    (True, True): N_("learning rate {lr:g} is too large: loss became {loss:.3g}, exploding at step {step}. "
                     "Try {smaller:g} or less, or a smaller init scale."),
}
STOPPED = N_("stopped at step {step} of {total}")


def divergence_notice(config: RunConfig, loss: float, step: int, lr: float) -> Notice:
    """An explanation a learner can act on, as a template and its (JSON-ready) values."""
    exploding = math.isfinite(loss)
    values = {"lr": float(lr), "loss": float(loss) if exploding else ("NaN" if math.isnan(loss) else "inf"),
              "step": int(step), "smaller": float(lr) / 10}
    return Notice(DIVERGED[(exploding, config.init in ("normal", "uniform"))], values)


def divergence_message(config: RunConfig, loss: float, step: int, lr: float) -> str:
    """The explanation of :func:`divergence_notice` in English."""
    return str(divergence_notice(config, loss, step, lr))


def train(config: RunConfig, data: Splits, *, params: model.Params | None = None,
          should_stop: Callable[[], bool] | None = None, evaluate_progress: bool = True,
          diagnose: bool = True, chunk_rows: int = model.CHUNK_ROWS) -> Iterator[Event]:
    """Train a network on ``data`` as ``config`` describes, yielding events.

    Parameters
    ----------
    params : optional starting weights (copied, never modified); by default
        drawn from ``config.init`` with the config's seed.
    should_stop : optional callable checked between steps; returning True ends
        the run early with a result.
    evaluate_progress : False skips every accuracy measurement (benchmarks
        time the bare training loop this way), and the diagnostics with them.
    diagnose : False skips the diagnostics (for measuring their overhead).
    chunk_rows : batches of at least twice this many images (full-batch
        gradient descent) run forward, loss and backward chunk by chunk,
        reading every image once per step; 0 switches that off.
    """
    init_rng, batch_rng = random_streams(config.seed)
    drawn = params if params is not None else model.init_params(config, init_rng)
    initial = {name: value.astype(np.float32, copy=True) for name, value in drawn.items()}
    params = {name: value.copy() for name, value in initial.items()}
    X, y = data.X_train, data.y_train
    n = len(y)
    batch, per_epoch, total = plan(config, n)
    eval_every = config.eval_every or per_epoch
    X_eval, y_eval = X[:EVAL_TRAIN_IMAGES], y[:EVAL_TRAIN_IMAGES]
    chunked = bool(chunk_rows) and batch >= 2 * chunk_rows
    recorder = None
    if evaluate_progress and diagnose:
        X_probe, y_probe = ((data.X_val, data.y_val) if len(data.y_val) else (X, y))
        recorder = inside.Recorder(config, X_probe[:inside.PROBE_IMAGES], y_probe[:inside.PROBE_IMAGES],
                                   inside.planned_evaluations(total, eval_every))

    grads_out = {f"d{name}": np.empty_like(value) for name, value in params.items() if name[0] == "W"}
    velocity = {name: np.zeros_like(value) for name, value in params.items()} if config.momentum else {}
    X_batch = np.empty((batch, X.shape[1]), dtype=np.float32)
    step_loss = np.empty(total, dtype=np.float64)
    step_lr = np.empty(total, dtype=np.float64)
    evaluations: list[Evaluation] = []
    start = time.perf_counter()

    def measure(step: int) -> Evaluation:
        train_loss, train_acc = evaluate(params, X_eval, y_eval, config)
        val_loss, val_acc = evaluate(params, data.X_val, data.y_val, config)
        # After a step the gradient buffers hold that step's change ΔW (see _apply_update).
        measured = recorder.measure(params, step, grads_out if step else None) if recorder else None
        record = Evaluation(step, step / per_epoch, learning_rate_at(config, step, total),
                            time.perf_counter() - start, train_loss, train_acc, val_loss, val_acc, measured)
        evaluations.append(record)
        return record

    def finish(done: int, reason: Notice | None = None, diverged: bool = False) -> Finished:
        for value in (*initial.values(), *params.values()):
            value.flags.writeable = False
        history = None
        if recorder is not None:
            history = recorder.finish(params, done, diverged)
            if not diverged:
                history = history.with_line(*_loss_line(config, initial, params, X, y, done * batch))
        return Finished(TrainResult(config, params, initial, step_loss[:done].copy(),
                                    step_lr[:done].copy(), tuple(evaluations),
                                    time.perf_counter() - start, total, None if reason is None else str(reason),
                                    diverged, history, stop_message=reason))

    if evaluate_progress:
        yield measure(0)
    limit = math.inf
    batches = batch_order(config, n, batch_rng)
    for step in range(total):
        if should_stop is not None and should_stop():
            yield finish(step, Notice(STOPPED, {"step": step, "total": total}))
            return
        index = next(batches)
        if index is None:
            xb, yb = X, y
        else:
            xb = np.take(X, index, axis=0, out=X_batch[:len(index)])
            yb = y[index]
        lr = learning_rate_at(config, step, total)
        if chunked:
            loss, grads = model.chunked_loss_and_grads(params, xb, yb, config, out=grads_out, chunk_rows=chunk_rows)
        else:
            values = model.forward(params, xb, config)
            loss = model.loss(params, values, yb, config)
        if not math.isfinite(loss) or loss > limit:
            yield finish(step, divergence_notice(config, loss, step + 1, lr), diverged=True)
            return
        limit = EXPLOSION_FACTOR * max(loss, 1.0) if step == 0 else limit
        if not chunked:
            grads = model.backward(params, values, yb, config, out=grads_out)
        _apply_update(params, grads, lr, config.momentum, velocity)
        step_loss[step], step_lr[step] = loss, lr
        yield Step(step + 1, (step + 1) / per_epoch, loss, lr)
        if evaluate_progress and ((step + 1) % eval_every == 0 or step + 1 == total):
            yield measure(step + 1)
    yield finish(total)


def _loss_line(config: RunConfig, initial: model.Params, final: model.Params, X: np.ndarray, y: np.ndarray,
               samples_seen: int) -> tuple[np.ndarray, np.ndarray]:
    """(t, loss) along the line from the initial to the final weights, on the first training images."""
    count = landscape.line_images(samples_seen)
    return landscape.LINE_T, landscape.loss_along_line(initial, final, X[:count], y[:count], config)


def _apply_update(params: model.Params, grads: model.Grads, lr: float, momentum: float,
                  velocity: model.Params) -> None:
    """In-place SGD step W ← W - lr·v with v = momentum·v + dW (v = dW without momentum).

    Works on the gradient buffers in place so no weight-sized array is allocated;
    afterwards each ``dW_l`` buffer holds the change lr·v that was subtracted.
    """
    for name, value in params.items():
        grad = grads[f"d{name}"]
        if momentum:
            v = velocity[name]
            v *= momentum
            v += grad
            grad = v * lr if grad.ndim == 1 else np.multiply(v, lr, out=grad)
        else:
            grad *= lr
        value -= grad


def run(config: RunConfig, data: Splits, **kwargs) -> TrainResult:
    """Train without watching: consume the events and return the result."""
    for event in train(config, data, **kwargs):
        if isinstance(event, Finished):
            return event.result
    raise RuntimeError("training ended without a result")  # pragma: no cover - train always finishes
