"""Print the costs of looking inside: diagnostics overhead, full-batch chunking, Shapes memory.

    python scripts/bench_diagnostics.py                      # everything, on the data load_mnist finds
    python scripts/bench_diagnostics.py --only overhead --rounds 5
    python scripts/bench_diagnostics.py --only seed5 --seed5-steps 300
    python scripts/bench_diagnostics.py --only shapes

Three measurements, each printed with how it was made (no targets are
asserted; the figures move with the machine's load, so run it on a quiet one):

* ``overhead``: the recommended preset trained with and without diagnostics,
  alternately (A B A B ...), the median of the paired ratios; and the time
  spent inside the diagnostics code itself (every evaluation's measurement,
  the snapshots and the loss line) as a share of the run.
* ``seed5``: the ``seed5-full-batch`` preset's steps, unchunked (the old step:
  forward on all 50,000 images, then backward, reading them twice) against
  chunked (one read per step), alternately, with the largest difference in
  the resulting weights.
* ``shapes``: the bytes the Shapes page keeps for one step of a 4×2048
  network (full trace against compact trace), and the process's resident
  memory after twelve such links fill a cache of the "shapes" share.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI and the app run
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from explainer import diagnostics, trainer  # noqa: E402
from explainer.data import load_mnist  # noqa: E402
from explainer.prepare import prepare  # noqa: E402
from explainer.presets import PRESETS  # noqa: E402


def splits_for(mnist, config):
    return prepare(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels, config)


def timed_run(config, data, **kwargs) -> tuple[float, trainer.TrainResult]:
    start = time.perf_counter()
    result = trainer.run(config, data, **kwargs)
    return time.perf_counter() - start, result


class Stopwatch:
    """Adds up the time spent in some functions while it is installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._saved = []

    def wrap(self, owner, name: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self._saved.append((owner, name, original))
        setattr(owner, name, timed)

    def remove(self) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)


def bench_overhead(mnist, rounds: int, epochs: int | None) -> None:
    config = PRESETS["recommended"].config
    if epochs:
        config = config.replace(epochs=epochs)
    data = splits_for(mnist, config)
    print(f"\n== diagnostics overhead: {config.architecture}, {config.epochs} epochs, {data.sizes}")
    on, off, ratios, inside_share = [], [], [], []
    for round_ in range(1, rounds + 1):
        seconds_off, _ = timed_run(config, data, diagnose=False)
        watch = Stopwatch()
        watch.wrap(diagnostics.Recorder, "measure")
        watch.wrap(diagnostics.Recorder, "finish")
        watch.wrap(trainer, "_loss_line")
        try:
            seconds_on, result = timed_run(config, data)
        finally:
            watch.remove()
        on.append(seconds_on)
        off.append(seconds_off)
        ratios.append(seconds_on / seconds_off)
        inside_share.append(watch.seconds / seconds_on)
        print(f"  round {round_}: without {seconds_off:6.2f} s, with {seconds_on:6.2f} s "
              f"({100 * (seconds_on / seconds_off - 1):+.1f}%); diagnostics code {watch.seconds:.3f} s "
              f"= {100 * watch.seconds / seconds_on:.2f}% of the run ({len(result.diagnostics.records)} "
              f"measurements, {len(result.diagnostics.snapshot_steps)} snapshots, "
              f"{len(result.diagnostics.line_t)} line points)")
    print(f"median: without {statistics.median(off):.2f} s, with {statistics.median(on):.2f} s; overhead "
          f"{100 * (statistics.median(ratios) - 1):+.1f}% (median of paired ratios); time inside the diagnostics "
          f"code {100 * statistics.median(inside_share):.2f}% of the run")


def bench_seed5(mnist, rounds: int, steps: int) -> None:
    preset = PRESETS["seed5-full-batch"].config
    config = preset.replace(steps=steps, eval_every=max(steps // 2, 1))
    data = splits_for(mnist, config)
    print(f"\n== seed5-full-batch: {steps} of its {preset.steps:,} steps, {data.sizes}, "
          f"evaluating every {config.eval_every} steps")
    before, after, ratios = [], [], []
    for round_ in range(1, rounds + 1):
        seconds_before, old = timed_run(config, data, chunk_rows=0)
        seconds_after, new = timed_run(config, data)
        before.append(seconds_before)
        after.append(seconds_after)
        ratios.append(seconds_before / seconds_after)
        drift = max(float(np.max(np.abs(new.params[k] - old.params[k]) / (np.abs(old.params[k]).max() + 1e-30)))
                    for k in old.params)
        print(f"  round {round_}: before (unchunked) {seconds_before:6.2f} s, after (chunked) {seconds_after:6.2f} s, "
              f"{seconds_before / seconds_after:.2f}x; largest weight difference {drift:.1e} of the largest weight; "
              f"val accuracy {old.final.val_accuracy:.4f} vs {new.final.val_accuracy:.4f}")
    scale = preset.steps / steps
    print(f"median: before {statistics.median(before):.2f} s, after {statistics.median(after):.2f} s, "
          f"speed-up {statistics.median(ratios):.2f}x (median of paired ratios); for all {preset.steps:,} steps about "
          f"{scale * statistics.median(before):.0f} s -> {scale * statistics.median(after):.0f} s")


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_shapes(mnist) -> None:
    from explainer.config import RunConfig
    from explainer.memory import BoundedCache, approx_bytes
    from explainer.prepare import normalize
    from explainer.settings import MEMORY_SHARES, Settings
    from explainer.trace import trace_step
    from ui import shapes as page

    X, y = normalize(mnist.train_images[:16], "unit"), mnist.train_labels[:16].astype(np.int64)
    config = RunConfig(hidden=(2048, 2048, 2048, 2048))
    print(f"\n== Shapes page memory: {config.architecture}, batch of 16")
    full = trace_step(config, X, y)
    compact = trace_step(config, X, y, compact=True)
    print(f"one step's trace: full {approx_bytes(full) / 2**20:.1f} MB, compact {approx_bytes(compact) / 2**20:.2f} MB")
    del full, compact
    bound = int(Settings.from_env().memory_bytes * MEMORY_SHARES["shapes"])
    cache = BoundedCache("shapes", bound)
    start = rss_mb()
    for seed in range(12):
        linked = config.replace(seed=seed)
        ops = page.trace(linked, X, y, "batch-first", "bench", cache)
        key = (linked.key(), 16, "batch-first", "bench")
        for index in range(len(ops)):
            page.step_figure(ops, key, index, True, cache)
        page.flow(linked, X, y, "bench", cache)
    print(f"twelve links (12 seeds, every step's figure): cache holds {cache.bytes / 2**20:.1f} MB of its "
          f"{bound / 2**20:.0f} MB bound in {len(cache)} entries ({cache.evictions} evicted); resident memory "
          f"{start:.0f} MB -> {rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("overhead", "seed5", "shapes"), action="append")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, help="train the recommended preset for fewer epochs")
    parser.add_argument("--seed5-steps", type=int, default=200, help="steps of seed 5 per timed run")
    args = parser.parse_args()
    chosen = set(args.only or ("overhead", "seed5", "shapes"))
    mnist = load_mnist(download=False)
    print(f"data: {'full MNIST' if mnist.is_full else mnist.source}; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}; {os.cpu_count()} CPUs; load average "
          f"{os.getloadavg()[0]:.2f}")
    if "overhead" in chosen:
        bench_overhead(mnist, args.rounds, args.epochs)
    if "seed5" in chosen:
        bench_seed5(mnist, args.rounds, args.seed5_steps)
    if "shapes" in chosen:
        bench_shapes(mnist)


if __name__ == "__main__":
    main()
