"""Build the bundled MNIST sample in explainer/sample/ from the full dataset.

The sample is what the app falls back to offline: 800 images of each digit
from the training set (8,000) and 200 of each from the test set (2,000).
Balanced classes keep accuracy numbers meaningful on a small set; a fixed seed
and the original order within the selection make the output reproducible
byte for byte, so rebuilding it does not change the committed files.

Usage (from the repository root)::

    python scripts/build_sample.py [--source DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
# Running `python scripts/build_sample.py` puts scripts/ on the path, not the
# repository root, so make the explainer package importable explicitly.
sys.path.insert(0, str(REPO_ROOT))

from explainer.data import MNIST_FILES, MNIST_SHA256, SAMPLE_DIR  # noqa: E402
from explainer.idx import parse_idx, read_idx_bytes, write_idx  # noqa: E402

PER_DIGIT = {"train": 800, "test": 200}
MAX_BYTES = 3_000_000


def balanced_indices(labels: np.ndarray, per_digit: int, rng: np.random.Generator) -> np.ndarray:
    """Pick `per_digit` examples of each digit at random, kept in original order.

    Parameters
    ----------
    labels : np.ndarray of uint8, shape (n,)
    per_digit : int
    rng : np.random.Generator

    Returns
    -------
    np.ndarray of int, shape (10 * per_digit,)
        Sorted indices into `labels`.
    """
    chosen = [
        rng.choice(np.flatnonzero(labels == digit), size=per_digit, replace=False)
        for digit in range(10)
    ]
    return np.sort(np.concatenate(chosen))


def read_official(source: Path, role: str) -> np.ndarray:
    """Read one full MNIST file, refusing anything but the official content."""
    path = source / MNIST_FILES[role]
    raw = read_idx_bytes(path)
    if hashlib.sha256(raw).hexdigest() != MNIST_SHA256[role]:
        raise SystemExit(f"{path}: not the official MNIST file (sha256 mismatch)")
    return parse_idx(raw, path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "data" / "mnist",
        help="directory with the four full MNIST .gz files (default: ../shared/data/mnist)",
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    SAMPLE_DIR.mkdir(exist_ok=True)
    for split, per_digit in PER_DIGIT.items():
        images = read_official(args.source, f"{split}_images")
        labels = read_official(args.source, f"{split}_labels")
        keep = balanced_indices(labels, per_digit, rng)
        write_idx(SAMPLE_DIR / MNIST_FILES[f"{split}_images"], images[keep])
        write_idx(SAMPLE_DIR / MNIST_FILES[f"{split}_labels"], labels[keep])

    total = 0
    for name in MNIST_FILES.values():
        size = (SAMPLE_DIR / name).stat().st_size
        total += size
        print(f"{name:30s} {size:>10,d} bytes")
    print(f"{'total':30s} {total:>10,d} bytes")
    if total > MAX_BYTES:
        raise SystemExit(f"sample is {total:,} bytes, more than the {MAX_BYTES:,} allowed")


if __name__ == "__main__":
    main()
