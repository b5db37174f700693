"""How fast is our trainer? Interleaved timings against three references.

For 784-128-10 ReLU/softmax, plain SGD lr 0.1, batch 128, on the full 60k
training set, one epoch of each implementation runs in turn (A B C D, A B C D…)
so that a slow moment of the machine hits all of them alike:

* ``ours``: :func:`explainer.trainer.train` itself, progress evaluation off;
* ``seed_style``: the tutorials' way, float64, feature-first (x is 784×m),
  fresh arrays every step;
* ``floor``: only the matrix products of a training step, into preallocated
  arrays: what no NumPy implementation can beat;
* ``torch``: PyTorch eager on the CPU with the same number of threads, when
  torch is installed.

All four see the same initial weights and the same batch order. The ratios are
medians of per-round ratios (ours over theirs). Accuracy is checked separately:
ours and torch trained 10 epochs from the same weights and batches.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Callable

import numpy as np

from . import model, trainer
from .config import RunConfig
from .metrics import evaluate
from .prepare import Splits

BENCH_CONFIG = RunConfig(hidden=(128,), activation="relu", output="softmax", loss="cross_entropy",
                         init="he", learning_rate=0.1, batch_size=128, epochs=1, validation="test_half")
ACCURACY_ARCHITECTURES = ((128,), (256, 128))

Epoch = Callable[[list[np.ndarray]], None]


def blas_threads() -> int:
    """Threads numpy's BLAS uses (OpenBLAS reads OPENBLAS_NUM_THREADS at import), so torch gets the same."""
    return int(os.environ.get("OPENBLAS_NUM_THREADS") or os.cpu_count() or 1)


def epoch_batches(config: RunConfig, n: int, seed: int) -> list[np.ndarray]:
    """The batch indices of one shuffled epoch, as the trainer would draw them."""
    _, batch_rng = trainer.random_streams(seed)
    order = trainer.batch_order(config, n, batch_rng)
    _, per_epoch, _ = trainer.plan(config, n)
    return [next(order) for _ in range(per_epoch)]


def ours_epoch(config: RunConfig, data: Splits, params: model.Params) -> Callable[[], float]:
    """Time one epoch of the real trainer (a fresh run of one epoch each call)."""
    def run() -> float:
        start = time.perf_counter()
        for _ in trainer.train(config, data, params=params, evaluate_progress=False):
            pass
        return time.perf_counter() - start
    return run


def seed_style_epoch(data: Splits, params: model.Params, batches: list[np.ndarray], lr: float) -> Callable[[], float]:
    """The tutorials' loop: float64, feature-first, a new array for every intermediate."""
    X = data.X_train.T.astype(np.float64)  # (784, n)
    Y = np.eye(10)[data.y_train].T  # (10, n)
    start_params = {name: value.T.astype(np.float64) for name, value in params.items()}

    def run() -> float:
        W1, W2 = start_params["W1"], start_params["W2"]
        b1, b2 = start_params["b1"].reshape(-1, 1), start_params["b2"].reshape(-1, 1)
        start = time.perf_counter()
        for index in batches:
            x, y = X[:, index], Y[:, index]
            m = x.shape[1]
            z1 = np.dot(W1, x) + b1
            a1 = np.maximum(0, z1)
            z2 = np.dot(W2, a1) + b2
            e = np.exp(z2 - np.max(z2, axis=0))
            a2 = e / np.sum(e, axis=0)
            dz2 = (a2 - y) / m
            dW2 = np.dot(dz2, a1.T)
            db2 = np.sum(dz2, axis=1, keepdims=True)
            dz1 = np.where(z1 > 0, np.dot(W2.T, dz2), 0)
            dW1 = np.dot(dz1, x.T)
            db1 = np.sum(dz1, axis=1, keepdims=True)
            W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
        return time.perf_counter() - start
    return run


def floor_epoch(data: Splits, params: model.Params, batches: list[np.ndarray]) -> Callable[[], float]:
    """Only the five matrix products of each step, on contiguous batches, into reused arrays."""
    X = data.X_train
    W1, W2 = params["W1"], params["W2"]
    m = len(batches[0])
    h = W1.shape[1]
    z1, z2 = np.empty((m, h), np.float32), np.empty((m, 10), np.float32)
    da1, dW1, dW2 = np.empty((m, h), np.float32), np.empty_like(W1), np.empty_like(W2)
    starts = [k * m for k in range(len(batches)) if (k + 1) * m <= len(X)]

    def run() -> float:
        start = time.perf_counter()
        for s in starts:
            x = X[s:s + m]
            np.matmul(x, W1, out=z1)
            np.matmul(z1, W2, out=z2)
            np.matmul(z2, W2.T, out=da1)
            np.matmul(z1.T, z2, out=dW2)
            np.matmul(x.T, da1, out=dW1)
        return (time.perf_counter() - start) * len(batches) / len(starts)
    return run


def torch_available() -> bool:
    """True when PyTorch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_train(data: Splits, params: model.Params, batches: list[np.ndarray], lr: float,
                threads: int) -> tuple[Callable[[], float], Callable[[int], float]]:
    """PyTorch eager with the same weights and batch order: (time one epoch, accuracy after N epochs)."""
    import torch
    torch.set_num_threads(threads)
    X = torch.from_numpy(data.X_train)
    y = torch.from_numpy(data.y_train)
    X_test, y_test = torch.from_numpy(data.X_test), torch.from_numpy(data.y_test)
    index_tensors = [torch.from_numpy(index) for index in batches]

    def build() -> torch.nn.Sequential:
        layers: list[torch.nn.Module] = []
        count = model.layer_count(params)
        for layer in range(1, count + 1):
            W, b = params[f"W{layer}"], params[f"b{layer}"]
            linear = torch.nn.Linear(W.shape[0], W.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W.T.copy()))
                linear.bias.copy_(torch.from_numpy(b.copy()))
            layers.append(linear)
            if layer < count:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    def one_epoch(net: torch.nn.Sequential, optimizer: torch.optim.Optimizer) -> None:
        for index in index_tensors:
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(net(X[index]), y[index])
            loss.backward()
            optimizer.step()

    def timed() -> float:
        net = build()
        optimizer = torch.optim.SGD(net.parameters(), lr=lr)
        start = time.perf_counter()
        one_epoch(net, optimizer)
        return time.perf_counter() - start

    def accuracy(epochs: int) -> float:
        net = build()
        optimizer = torch.optim.SGD(net.parameters(), lr=lr)
        for _ in range(epochs):
            one_epoch(net, optimizer)
        with torch.no_grad():
            return float((net(X_test).argmax(dim=1) == y_test).float().mean())

    return timed, accuracy


def compare_accuracy(data: Splits, hidden: tuple[int, ...], epochs: int, threads: int,
                     with_torch: bool) -> dict[str, float]:
    """Test accuracy after ``epochs`` epochs for ours and (optionally) torch, same start and batches."""
    config = BENCH_CONFIG.replace(hidden=hidden, epochs=epochs)
    init_rng, _ = trainer.random_streams(config.seed)
    params = model.init_params(config, init_rng)
    result = trainer.run(config, data, params=params, evaluate_progress=False)
    ours = evaluate(result.params, data.X_test, data.y_test, config)[1]
    figures = {"ours": ours}
    if with_torch:
        _, batch_rng = trainer.random_streams(config.seed)
        order = trainer.batch_order(config, len(data.y_train), batch_rng)
        _, per_epoch, total = trainer.plan(config, len(data.y_train))
        batches = [next(order) for _ in range(total)]
        # Handing torch every step's batch at once makes its "one epoch" the whole run.
        _, torch_accuracy = torch_train(data, params, batches, config.learning_rate, threads)
        figures["torch"] = torch_accuracy(1)
    return figures


def run_bench(data: Splits, rounds: int = 5, accuracy_epochs: int = 10,
              report: Callable[[str], None] = print) -> dict[str, object]:
    """Time every implementation ``rounds`` times, interleaved, and check accuracy.

    Returns a JSON-ready dict of medians (ms per epoch), paired ratios and
    accuracies; ``report`` receives human-readable lines as they are measured.
    """
    config = BENCH_CONFIG
    threads = blas_threads()
    init_rng, _ = trainer.random_streams(config.seed)
    params = model.init_params(config, init_rng)
    batches = epoch_batches(config, len(data.y_train), config.seed)
    contenders: dict[str, Callable[[], float]] = {
        "ours": ours_epoch(config, data, params),
        "seed_style": seed_style_epoch(data, params, batches, config.learning_rate),
        "floor": floor_epoch(data, params, batches),
    }
    with_torch = torch_available()
    if with_torch:
        contenders["torch"] = torch_train(data, params, batches, config.learning_rate, threads)[0]
    else:
        report("note: PyTorch is not installed (pip install -r requirements-bench.txt); skipping it")
    report(f"784-128-10 ReLU/softmax, SGD lr 0.1, batch 128, {len(data.y_train):,} images, "
           f"{threads} BLAS threads, {rounds} interleaved rounds")
    for run in contenders.values():  # warm-up: page in the data, spin up thread pools
        run()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_index in range(rounds):
        for name, run in contenders.items():
            times[name].append(run() * 1000)
        report(f"  round {round_index + 1}: " + ", ".join(f"{name} {ms[-1]:.0f} ms" for name, ms in times.items()))
    figures: dict[str, object] = {f"{name}_ms": statistics.median(ms) for name, ms in times.items()}
    for other in contenders:
        if other != "ours":
            ratios = [a / b for a, b in zip(times["ours"], times[other])]
            figures[f"ratio_to_{other}"] = statistics.median(ratios)
    if not with_torch:
        figures["ratio_to_torch"] = None
    report("median ms/epoch: " + ", ".join(f"{name} {figures[f'{name}_ms']:.1f}" for name in contenders))
    report("ours / other (median of paired ratios): " + ", ".join(
        f"{key[9:]} {value:.2f}x" for key, value in figures.items() if key.startswith("ratio_") and value))
    for hidden in ACCURACY_ARCHITECTURES:
        accuracy = compare_accuracy(data, hidden, accuracy_epochs, threads, with_torch)
        label = BENCH_CONFIG.replace(hidden=hidden).architecture
        figures[f"accuracy_{label}"] = accuracy
        report(f"test accuracy after {accuracy_epochs} epochs, {label}: "
               + ", ".join(f"{name} {value:.2%}" for name, value in accuracy.items()))
    return figures
