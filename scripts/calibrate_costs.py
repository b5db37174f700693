"""Fit the cost model of ``explainer/costs.py`` on this machine, and show how well it predicts.

Trains a spread of small and medium runs the way a worker does (one BLAS
thread, diagnostics and the test-set accuracy included), times each, and fits
the per-step, per-layer, per-multiply-add and per-pixel constants by least
squares on the training part, and the per-evaluation constant on the
measuring part. Prints the fitted constants next to the ones in
``explainer/costs.py`` and, for every preset, the estimate against the time
it really took. A benchmark, not a test; run it on a quiet machine and copy
the constants into ``explainer/costs.py`` if they moved.

Usage (from the repository root; ``MNIST_DIR`` for the full MNIST)::

    python scripts/calibrate_costs.py [--presets]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from explainer import costs, trainer  # noqa: E402
from explainer.config import RunConfig  # noqa: E402
from explainer.data import load_mnist  # noqa: E402
from explainer.prepare import prepare  # noqa: E402
from explainer.presets import PRESETS  # noqa: E402
from explainer.worker import with_test_accuracy  # noqa: E402

PROBES = [RunConfig(hidden=hidden, batch_size=batch, steps=steps, eval_every=steps)
          for hidden, batch, steps in [((20,), 1, 4000), ((64,), 1, 3000), ((64,), 32, 1500), ((64,), 128, 800),
                                       ((256, 128), 128, 400), ((512,), 512, 120), ((1024, 1024), 128, 40),
                                       ((128,), 64, 600), ((32, 32, 32), 16, 1500)]]


def timed(config: RunConfig, splits) -> float:
    started = time.perf_counter()
    with_test_accuracy(trainer.run(config, splits), splits)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", action="store_true", help="also train every preset (minutes)")
    args = parser.parse_args(argv)
    data = load_mnist(download=False)
    splits = prepare(data.train_images, data.train_labels, data.test_images, data.test_labels, RunConfig())
    sizes = (len(data.train_labels), len(data.test_labels))
    print(f"data: {data.description}")
    rows, seconds = [], []
    for config in PROBES:
        measured = timed(config, splits)
        estimate = costs.estimate(config, *sizes)
        batch, steps = estimate.batch, estimate.steps
        layers = len(config.layer_sizes) - 1
        eval_part = estimate.evaluations * (min(trainer.EVAL_TRAIN_IMAGES, estimate.n_train) + len(splits.y_val)) \
            * costs.multiply_adds(config)
        rows.append([steps, steps * layers, steps * batch * costs.multiply_adds(config), steps * batch * 784, eval_part])
        seconds.append(measured)
        print(f"{config.architecture:>18s} batch {batch:>4d} {steps:>5d} steps: {measured:6.2f} s, "
              f"estimated {estimate.seconds:6.2f} s ({estimate.seconds / measured:.2f}×)", flush=True)
    fitted, *_ = np.linalg.lstsq(np.array(rows, float), np.array(seconds), rcond=None)
    names = ("STEP_SECONDS", "LAYER_SECONDS", "TRAIN_MAC_SECONDS", "INPUT_SECONDS", "EVAL_MAC_SECONDS")
    for name, value in zip(names, fitted):
        print(f"{name} = {value:.3g}  (now {getattr(costs, name):.3g})")
    if args.presets:
        for name, preset in PRESETS.items():
            config = preset.config
            data_splits = prepare(data.train_images, data.train_labels, data.test_images, data.test_labels, config)
            measured = timed(config, data_splits)
            estimate = costs.estimate(config, *sizes).seconds
            print(f"{name:>22s}: {measured:7.1f} s, estimated {estimate:7.1f} s ({estimate / measured:.2f}×)",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
