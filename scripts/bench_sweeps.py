"""How sweeps scale: one worker against two, and what the Dask path adds per run.

1. A grid sweep of small runs on 1 local worker process, then on 2 (target: at least 1.8× faster).
2. The same small runs one at a time through the local pool and through a Dask LocalCluster with the
   same number of workers: the extra seconds per run on Dask (target: under 50 ms).

A benchmark, not a test: it prints figures next to their targets and exits 0 either way. Set
``MNIST_DIR`` for the full MNIST. Each configuration gets fresh seeds, so nothing comes from a store.

Usage (from the repository root)::

    python scripts/bench_sweeps.py [--runs 16] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer.config import RunConfig  # noqa: E402
from explainer.data import load_mnist  # noqa: E402
from explainer.engines import DaskEngine, ProcessEngine  # noqa: E402
from explainer.jobs import JobManager  # noqa: E402
from explainer.memory import BoundedCache  # noqa: E402
from explainer.runstore import RunStore  # noqa: E402
from explainer.sweep_runner import SweepRunner  # noqa: E402
from explainer.sweeps import SweepSpec, parse_axis  # noqa: E402
from explainer.worker import DatasetRef  # noqa: E402

SMALL = RunConfig(hidden=(64,), epochs=2, train_size=5000)


def manager_on(engine) -> JobManager:
    return JobManager(engine, RunStore(BoundedCache("runs", 2**28)))


def warm(manager: JobManager, dataset: DatasetRef, sizes) -> None:
    """One run per worker first, so every worker has read MNIST and prepared its splits."""
    jobs = [manager.request(SMALL.replace(seed=10_000 + i, train_size=500), dataset, sizes, "warm")
            for i in range(manager.engine.capacity)]
    manager.wait(jobs, 600)


def sweep_seconds(workers: int, runs: int, seed: int, dataset: DatasetRef, sizes) -> float:
    """Wall-clock seconds of a grid sweep of ``runs`` small runs on ``workers`` local processes."""
    manager = manager_on(ProcessEngine(workers, preload=dataset))
    try:
        warm(manager, dataset, sizes)
        rates = ",".join(f"{0.02 * (i + 1):g}" for i in range(runs // 2))
        spec = SweepSpec(SMALL.replace(seed=seed), (parse_axis(f"learning_rate:{rates}"),), seeds=2)
        started = time.perf_counter()
        runner = SweepRunner(spec, manager, dataset, sizes, "bench", in_flight=workers + 1).start()
        runner.wait()
        return time.perf_counter() - started
    finally:
        manager.close()


def per_run_seconds(engine, runs: int, seed: int, dataset: DatasetRef, sizes) -> list[float]:
    """Seconds from request to result for ``runs`` small runs asked for one at a time."""
    manager = manager_on(engine)
    try:
        warm(manager, dataset, sizes)
        times = []
        for i in range(runs):
            started = time.perf_counter()
            job = manager.request(SMALL.replace(seed=seed + i), dataset, sizes, "bench")
            manager.wait([job], 600)
            times.append(time.perf_counter() - started)
        return times
    finally:
        manager.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="runs per sweep and per engine")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = load_mnist(download=False)
    dataset, sizes = DatasetRef.of(data), (len(data.train_labels), len(data.test_labels))
    print(f"data: {data.description}; each run: {SMALL.architecture}, {SMALL.epochs} epochs of "
          f"{SMALL.train_size:,} images", flush=True)

    one = sweep_seconds(1, args.runs, 100, dataset, sizes)
    two = sweep_seconds(2, args.runs, 200, dataset, sizes)
    speedup = one / two
    print(f"Sweep of {args.runs} small runs: 1 worker {one:.2f} s, 2 workers {two:.2f} s, speed-up {speedup:.2f}× "
          f"(target ≥ 1.8×: {'met' if speedup >= 1.8 else 'MISSED'})", flush=True)

    local = per_run_seconds(ProcessEngine(2, preload=dataset), args.runs, 300, dataset, sizes)
    on_dask = per_run_seconds(DaskEngine("local", local_workers=2), args.runs, 300, dataset, sizes)
    extra = 1000 * (statistics.median(on_dask) - statistics.median(local))
    print(f"Per run, request to result (median of {args.runs}): local pool {1000 * statistics.median(local):.0f} ms, "
          f"Dask LocalCluster {1000 * statistics.median(on_dask):.0f} ms: Dask adds {extra:.0f} ms "
          f"(target < 50 ms: {'met' if extra < 50 else 'MISSED'})", flush=True)
    if args.json:
        print(json.dumps({"one_worker_s": one, "two_workers_s": two, "speedup": speedup,
                          "local_run_s": local, "dask_run_s": on_dask, "dask_extra_ms": extra}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
