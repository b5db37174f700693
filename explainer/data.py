"""Where MNIST comes from.

:func:`load_mnist` tries four sources in order and returns the first that works:

1. **A directory you name** (the `data_dir` argument or the ``MNIST_DIR``
   environment variable). You asked for it, so a missing or broken file there
   is an error rather than a silent fallback to something else.
2. **The download cache**: files fetched earlier. Each is checked again
   (SHA-256 and IDX header); a corrupt one is deleted and fetched again.
3. **The mirrors**: each missing file is downloaded into the cache, checked,
   and only then given its final name.
4. **The bundled sample**: 10,000 real digits shipped with the code
   (``explainer/sample/``), so the app works offline.

MNIST mirrors re-compress the files differently, so the gzip bytes differ from
mirror to mirror; the SHA-256 of the *decompressed* bytes is what identifies
the real dataset.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pooch
import requests

from .config import Notice
from .i18n import N_
from .idx import IMAGE_MAGIC, LABEL_MAGIC, IdxError, parse_idx, read_idx, read_idx_bytes

MNIST_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# SHA-256 of the decompressed IDX bytes of the original files.
MNIST_SHA256: dict[str, str] = {
    "train_images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train_labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "test_images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "test_labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

SAMPLE_DIR = Path(__file__).with_name("sample")
CACHE_NAME = "numpy-mnist-explainer"
SOURCES = ("directory", "cache", "download", "sample")

_MAGIC = {role: IMAGE_MAGIC if role.endswith("images") else LABEL_MAGIC for role in MNIST_FILES}

Progress = Callable[[Notice, float], None]  # (what is happening, fraction done); str(message) is the English

# pooch logs every download at INFO level; the app reports progress itself.
pooch.get_logger().setLevel("WARNING")


class MnistError(RuntimeError):
    """No source could provide MNIST; the message lists why each one failed."""


@dataclass(frozen=True, eq=False)
class Mnist:
    """The four MNIST arrays and where they were read from.

    The arrays are read-only: one loaded dataset is shared by every part of
    the app, so an accidental in-place edit must fail loudly.

    Attributes
    ----------
    train_images : np.ndarray of uint8, shape (n_train, 28, 28)
    train_labels : np.ndarray of uint8, shape (n_train,)
        Digits 0-9.
    test_images : np.ndarray of uint8, shape (n_test, 28, 28)
    test_labels : np.ndarray of uint8, shape (n_test,)
    source : str
        One of "directory", "cache", "download", "sample".
    location : str
        The directory the files were read from.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str
    location: str

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        for array in (self.train_images, self.train_labels, self.test_images, self.test_labels):
            array.flags.writeable = False

    @functools.cached_property
    def key(self) -> str:
        """Identity of the data, e.g. 'mnist-60000-10000-1a2b3c4d5e6f': equal content, equal key.

        Finished runs are cached (in memory and on disk) under this key, so they are found again
        after a restart or when the same files come from another folder.
        """
        digest = hashlib.blake2b(digest_size=6)
        for array in (self.train_images, self.train_labels, self.test_images, self.test_labels):
            digest.update(np.ascontiguousarray(array).data)
        return f"mnist-{len(self.train_labels)}-{len(self.test_labels)}-{digest.hexdigest()}"

    @property
    def is_full(self) -> bool:
        """True for the complete dataset: 60,000 training and 10,000 test images."""
        return len(self.train_images) == 60_000 and len(self.test_images) == 10_000

    @property
    def description(self) -> str:
        """One line for the UI saying what was loaded and from where."""
        sizes = f"{len(self.train_images):,} train + {len(self.test_images):,} test images"
        if self.source == "sample":
            return f"bundled sample ({sizes}) — offline fallback"
        kind = "full MNIST" if self.is_full else "MNIST subset"
        return f"{kind} from {self.location} ({sizes})"

    @property
    def summary(self) -> str:
        """:attr:`description` without the folder: what a visitor of a public server may see (in English)."""
        return str(self.summary_notice)

    @property
    def summary_notice(self) -> Notice:
        """:attr:`summary` as a template and values, for the app to translate (``render(data.summary_notice, _)``)."""
        sizes = {"train": len(self.train_images), "test": len(self.test_images)}
        if self.source == "sample":
            return Notice(N_("bundled sample ({train:,} train + {test:,} test images) — offline fallback"), sizes)
        kind = Notice(N_("full MNIST") if self.is_full else N_("MNIST subset"))
        where = Notice({"directory": N_("a local folder"), "cache": N_("the download cache"),
                        "download": N_("a public mirror")}[self.source])
        return Notice(N_("{kind} from {where} ({train:,} train + {test:,} test images)"),
                      {"kind": kind, "where": where, **sizes})


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    mirrors: Sequence[str] = MIRRORS,
    timeout: float = 10.0,
    progress: Progress | None = None,
    use_sample: bool = True,
    known_sha256: Mapping[str, str] = MNIST_SHA256,
) -> Mnist:
    """Load MNIST from the first source that works (see the module docstring).

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        A directory holding the four files (gzipped or not). Defaults to the
        ``MNIST_DIR`` environment variable. If set, it is the only source tried.
    cache_dir : str or os.PathLike, optional
        Where downloads are kept. Defaults to ``MNIST_CACHE_DIR``, else the
        per-user cache ``pooch.os_cache("numpy-mnist-explainer")``.
    download : bool
        Whether to try the mirrors when the cache is incomplete.
    mirrors : sequence of str
        Base URLs tried in turn for each file (file name appended).
    timeout : float
        Seconds to wait for a connection or for the next bytes.
    progress : callable, optional
        ``progress(message, fraction)`` with fraction in [0, 1], called as
        each download starts, advances and finishes; ``message`` is a
        :class:`~explainer.config.Notice` (``str(message)`` is the English).
    use_sample : bool
        Fall back to the bundled sample when nothing else works.
    known_sha256 : mapping of str to str
        SHA-256 of the decompressed bytes for each role in `MNIST_FILES`;
        cached and downloaded files must match it.

    Returns
    -------
    Mnist
        Images ``(n, 28, 28)`` and labels ``(n,)``, all four files validated.

    Raises
    ------
    IdxError
        If a file in the named directory is corrupt.
    MnistError
        If the named directory lacks files, or no source worked and
        `use_sample` is False.
    """
    report = progress or (lambda message, fraction: None)
    if data_dir is not None:
        return _load_directory(Path(data_dir).expanduser(), f"data_dir {data_dir}")
    if os.environ.get("MNIST_DIR"):
        return _load_directory(Path(os.environ["MNIST_DIR"]).expanduser(), "MNIST_DIR")

    cache = Path(cache_dir or os.environ.get("MNIST_CACHE_DIR") or pooch.os_cache(CACHE_NAME))
    cache = cache.expanduser()
    failures: list[str] = []
    arrays = _read_cache(cache, known_sha256, failures)
    missing = [role for role in MNIST_FILES if role not in arrays]
    if not missing:
        return _mnist(arrays, "cache", cache)

    if not download:
        failures.append("download: switched off (download=False)")
    else:
        fetched = _download(missing, cache, mirrors, timeout, report, known_sha256, failures)
        if fetched is not None:
            return _mnist(arrays | fetched, "download", cache)

    if use_sample:
        report(Notice(N_("Could not get the full MNIST; using the bundled sample")), 1.0)
        return load_sample()
    lines = "\n".join(f"  - {failure}" for failure in failures)
    raise MnistError(f"could not load MNIST from any source:\n{lines}")


def load_sample() -> Mnist:
    """Load the bundled sample: 800 images per digit for training, 200 for testing.

    Returns
    -------
    Mnist
        8,000 training and 2,000 test images ``(n, 28, 28)`` with their labels,
        source "sample".
    """
    arrays = {
        role: read_idx(SAMPLE_DIR / name, _MAGIC[role]) for role, name in MNIST_FILES.items()
    }
    return _mnist(arrays, "sample", SAMPLE_DIR)


def reload(source: str, location: str) -> Mnist:
    """Read again a dataset found earlier by :func:`load_mnist` (in a worker process), never downloading.

    ``source`` and ``location`` are the :class:`Mnist` fields of the first load.
    """
    if source == "sample":
        return load_sample()
    data = _load_directory(Path(location), "dataset")
    return Mnist(data.train_images, data.train_labels, data.test_images, data.test_labels, source, location)


def _load_directory(directory: Path, origin: str) -> Mnist:
    """Read all four files from a directory the user named; never fall back."""
    paths = {role: _find(directory, name) for role, name in MNIST_FILES.items()}
    missing = [MNIST_FILES[role] for role, path in paths.items() if path is None]
    if missing:
        raise MnistError(
            f"{origin}: {directory} is missing {', '.join(missing)} "
            "(each may also be uncompressed, without .gz)"
        )
    arrays = {role: read_idx(path, _MAGIC[role]) for role, path in paths.items()}
    return _mnist(arrays, "directory", directory)


def _read_cache(cache: Path, known_sha256: Mapping[str, str], failures: list[str]) -> dict:
    """Return the cached files that pass their checks, deleting those that fail."""
    arrays, absent = {}, []
    for role, name in MNIST_FILES.items():
        path = _find(cache, name)
        if path is None:
            absent.append(name)
            continue
        try:
            arrays[role] = _verify(read_idx_bytes(path), path.name, role, known_sha256)
        except IdxError as err:
            # A bad cached file can never become good: remove it so the
            # download below replaces it instead of tripping over it again.
            with contextlib.suppress(OSError):
                path.unlink()
            failures.append(f"cache {cache}: {err} (deleted)")
    if absent:
        failures.append(f"cache {cache}: no {', '.join(absent)}")
    return arrays


def _download(
    roles: list[str],
    cache: Path,
    mirrors: Sequence[str],
    timeout: float,
    report: Progress,
    known_sha256: Mapping[str, str],
    failures: list[str],
) -> dict | None:
    """Fetch each role's file from the first mirror that serves a valid copy.

    Returns the arrays, or None as soon as one file fails on every mirror
    (the caller then falls back, so the remaining files are not tried).
    """
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        failures.append(f"download: cannot create the cache {cache} ({err.strerror or err})")
        return None
    order = [m if m.endswith("/") else m + "/" for m in mirrors]
    if not order:
        failures.append("download: no mirrors given")
    arrays = {}
    for i, role in enumerate(roles):
        name = MNIST_FILES[role]
        start, end = i / len(roles), (i + 1) / len(roles)
        for mirror in order:
            report(Notice(N_("Downloading {name} from {mirror}"), {"name": name, "mirror": mirror}), start)
            bar = _ByteProgress(report, name, start, end)
            try:
                arrays[role] = _fetch(mirror + name, cache, role, timeout, bar, known_sha256)
            except (requests.RequestException, OSError, IdxError) as err:
                failures.append(f"{mirror}{name}: {_reason(err, timeout)}")
                continue
            report(Notice(N_("Downloaded and verified {name}"), {"name": name}), end)
            # Ask the mirror that just worked first for the remaining files.
            order.remove(mirror)
            order.insert(0, mirror)
            break
        else:
            return None
    return arrays


def _fetch(
    url: str,
    cache: Path,
    role: str,
    timeout: float,
    bar: _ByteProgress,
    known_sha256: Mapping[str, str],
) -> np.ndarray:
    """Download one file into the cache; it only gets its final name once verified."""
    name = MNIST_FILES[role]
    # A private temporary folder next to the cache keeps the real file name (for
    # clear error messages), cannot collide with another process, and lives on
    # the same file system, so the final os.replace is atomic: the cache never
    # holds a partial or unverified file, even if we are killed mid-download.
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=cache))
    try:
        pooch.HTTPDownloader(progressbar=bar, timeout=timeout, chunk_size=65536)(
            url, str(staging / name), None
        )
        array = _verify(read_idx_bytes(staging / name), name, role, known_sha256)
        os.replace(staging / name, cache / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return array


def _verify(raw: bytes, name: str, role: str, known_sha256: Mapping[str, str]) -> np.ndarray:
    """Check the IDX header, then that the bytes are exactly the known file."""
    array = parse_idx(raw, name, _MAGIC[role])
    digest = hashlib.sha256(raw).hexdigest()
    if digest != known_sha256[role]:
        raise IdxError(
            f"{name}: content does not match the known MNIST file "
            f"(sha256 {digest[:16]}…, expected {known_sha256[role][:16]}…)"
        )
    return array


def _find(directory: Path, name: str) -> Path | None:
    """The file `name` in `directory`, or its uncompressed twin without .gz."""
    for candidate in (directory / name, directory / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _mnist(arrays: dict, source: str, location: Path) -> Mnist:
    """Check the four arrays belong together and wrap them in an Mnist."""
    for split in ("train", "test"):
        images, labels = f"{split}_images", f"{split}_labels"
        if len(arrays[images]) != len(arrays[labels]):
            raise IdxError(
                f"{MNIST_FILES[images]} has {len(arrays[images])} images but "
                f"{MNIST_FILES[labels]} has {len(arrays[labels])} labels"
            )
        if len(arrays[labels]) and arrays[labels].max() > 9:
            raise IdxError(
                f"{MNIST_FILES[labels]}: label {arrays[labels].max()} is not a digit 0-9"
            )
    return Mnist(**arrays, source=source, location=str(location))


def _reason(err: Exception, timeout: float) -> str:
    """A short, human explanation of why one download failed."""
    if isinstance(err, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code} {err.response.reason}"
    if isinstance(err, IdxError):
        return f"rejected: {err}"
    # requests wraps urllib3, which wraps the socket error that says what
    # actually happened ("Connection refused", "Name or service not known").
    root = err
    while root.__cause__ or root.__context__:
        root = root.__cause__ or root.__context__
    detail = root.strerror if isinstance(root, OSError) and root.strerror else str(root)
    return f"{type(err).__name__}: {detail}"


class _ByteProgress:
    """Turn pooch's progress-bar calls into ``progress(message, fraction)`` calls.

    pooch's HTTPDownloader sets ``total`` to the Content-Length, calls
    ``update(n)`` per chunk, then ``reset()``, ``update(total)`` and ``close()``.
    Reports are throttled to one per percent so a UI is not flooded.
    """

    def __init__(self, report: Progress, name: str, start: float, end: float) -> None:
        self.report, self.name, self.start, self.end = report, name, start, end
        self.total = 0
        self.done = 0
        self.last = -1.0

    def update(self, n: int) -> None:
        self.done += n
        if not self.total:
            return
        # pooch counts whole chunks, so the count can overshoot the last one.
        fraction = min(self.done / self.total, 1.0)
        if fraction - self.last >= 0.01:
            self.last = fraction
            mb_done, mb_total = fraction * self.total / 1e6, self.total / 1e6
            self.report(
                Notice(N_("Downloading {name}: {done:.1f} of {total:.1f} MB"),
                       {"name": self.name, "done": mb_done, "total": mb_total}),
                self.start + (self.end - self.start) * fraction,
            )

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        pass
