"""Train every preset on the full MNIST and print the README's presets table.

Usage: ``MNIST_DIR=../shared/data/mnist python scripts/measure_presets.py [NAME ...]``

Each preset runs through ``python -m explainer train --preset NAME --json`` in
its own process, so the figures are exactly what a user of the CLI gets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainer.presets import PRESETS  # noqa: E402


def describe(name: str) -> str:
    """Architecture and training in a few words, e.g. '784-60-10 relu/sigmoid, batch 250, lr 0.001'."""
    config = PRESETS[name].config
    sizes = config.architecture
    batch = "full batch" if config.full_batch else f"batch {config.batch_size}"
    length = f"{config.steps:,} steps" if config.steps else f"{config.epochs} epochs"
    return f"{sizes} {config.activation}/{config.output} {config.loss}, {batch}, lr {config.learning_rate:g}, {length}"


def main(names: list[str]) -> None:
    rows = ["| preset | network and training | seed claims | we measure (test) | train acc. | seconds |",
            "|---|---|---|---|---|---|"]
    for name in names or list(PRESETS):
        done = subprocess.run([sys.executable, "-m", "explainer", "train", "--preset", name, "--json"],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        claim = PRESETS[name].claimed
        rows.append(f"| `{name}` | {describe(name)} | {f'{claim:.2%}' if claim else '—'} | "
                    f"{summary['test_accuracy']:.2%} | {summary['train_accuracy']:.2%} | {summary['seconds']:.1f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
