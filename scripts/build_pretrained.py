"""Train the recommended preset on the full MNIST and save it as the app's ready model.

The Evaluate and Draw pages need a trained network before a visitor has
trained anything. Rather than train one on every server start, the app ships
``explainer/pretrained/recommended.npz``: the weights of
``PRESETS["recommended"].config`` trained on all 60,000 training images
(50,000 train / 10,000 validation, as the preset splits them). The config is
stored inside the file, and a test checks it still equals the preset, so
changing the preset means running this script again.

Training is deterministic (the config's seed fixes initialisation and batch
order), so a rebuild on the same machine reproduces the same weights.

Usage (from the repository root; about 30 s on two cores)::

    python scripts/build_pretrained.py [--data-dir DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python scripts/build_pretrained.py` puts scripts/ on the path, not the repository root.
sys.path.insert(0, str(REPO_ROOT))

from explainer import trainer  # noqa: E402
from explainer.data import load_mnist  # noqa: E402
from explainer.metrics import evaluate  # noqa: E402
from explainer.persistence import load_npz, save_npz  # noqa: E402
from explainer.prepare import prepare  # noqa: E402
from explainer.presets import PRESETS  # noqa: E402

OUTPUT = REPO_ROOT / "explainer" / "pretrained" / "recommended.npz"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "mnist"
MAX_BYTES = 1_500_000
MIN_ACCURACY = 0.97


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("MNIST_DIR") or DEFAULT_DATA),
                        help="folder with the four full MNIST files (default: $MNIST_DIR, else ../shared/data/mnist)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to save (default: {OUTPUT})")
    args = parser.parse_args()

    mnist = load_mnist(args.data_dir)
    if not mnist.is_full:
        raise SystemExit(f"{args.data_dir} does not hold the full MNIST ({mnist.description})")
    config = PRESETS["recommended"].config
    data = prepare(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels, config)
    print(f"data: {mnist.description}; split {data.sizes}")

    start = time.perf_counter()
    result = trainer.run(config, data, evaluate_progress=False)
    if result.diverged or result.stop_reason:
        raise SystemExit(f"training did not finish: {result.stop_reason}")
    _, test_accuracy = evaluate(result.params, data.X_test, data.y_test, config)
    print(f"trained {'-'.join(map(str, config.layer_sizes))} in {time.perf_counter() - start:.1f} s; "
          f"test accuracy {test_accuracy:.2%}")
    if test_accuracy < MIN_ACCURACY:
        raise SystemExit(f"test accuracy {test_accuracy:.2%} is below {MIN_ACCURACY:.0%}; not saving")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_npz(args.output, result.params, config)
    size = args.output.stat().st_size
    load_npz(args.output)  # the file must load exactly as the app will load it
    print(f"saved {args.output} ({size:,} bytes)")
    if size > MAX_BYTES:
        raise SystemExit(f"{args.output} is {size:,} bytes, more than the {MAX_BYTES:,} allowed")


if __name__ == "__main__":
    main()
