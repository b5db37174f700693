"""Where MNIST comes from: a named directory, the cache, the mirrors, the sample.

Downloads are exercised for real against HTTP servers on 127.0.0.1 that
serve, drop, garble or refuse. Every test passes an explicit temporary
cache_dir and removes MNIST_DIR, so the user's cache and the internet are
never touched.
"""

import dataclasses
import hashlib
import os
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from explainer.data import (
    MNIST_FILES,
    SAMPLE_DIR,
    Mnist,
    MnistError,
    load_mnist,
    load_sample,
)
from explainer.config import Notice
from explainer.i18n import render
from explainer.idx import IdxError, read_idx_bytes, write_idx

REPO_ROOT = Path(__file__).resolve().parent.parent
# Read once at import, before the autouse fixture below removes MNIST_DIR.
FULL_DIR = Path(os.environ.get("MNIST_DIR") or REPO_ROOT.parent / "shared" / "data" / "mnist")
HAVE_FULL = all((FULL_DIR / name).is_file() for name in MNIST_FILES.values())
needs_full = pytest.mark.skipif(not HAVE_FULL and not os.environ.get("CI"), reason=f"full MNIST not found in {FULL_DIR}")


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("MNIST_CACHE_DIR", raising=False)


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def write_subset(directory: Path, sample: Mnist, n_train=30, n_test=20) -> dict[str, str]:
    """Write the first real digits of the sample as a small MNIST directory.

    Returns the SHA-256 of each file's decompressed bytes, keyed by role,
    to stand in for the official hashes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    sizes = {"train": n_train, "test": n_test}
    for role, name in MNIST_FILES.items():
        write_idx(directory / name, getattr(sample, role)[: sizes[role.split("_")[0]]])
    return {
        role: hashlib.sha256(read_idx_bytes(directory / name)).hexdigest()
        for role, name in MNIST_FILES.items()
    }


def files_in(directory: Path) -> list[str]:
    """Every file and folder below `directory` (hidden ones included)."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


# --- a tiny configurable mirror ------------------------------------------------


def start_server(behaviour: str, root: Path | None = None):
    """Serve `root` on an ephemeral port; returns (server, mirror URL, request log).

    behaviour: "good" serves files, "drop" promises the whole file but sends
    half and hangs up, "garbage" answers 200 with random bytes.
    """
    log: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            log.append(self.path)
            if behaviour == "garbage":
                body = np.random.default_rng(len(log)).bytes(5000)
            else:
                path = root / self.path.rsplit("/", 1)[-1]
                if not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if behaviour == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/mnist/", log


@pytest.fixture
def serve():
    servers = []

    def start(behaviour, root=None):
        server, url, log = start_server(behaviour, root)
        servers.append(server)
        return url, log

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def refused_url():
    """A mirror on a port nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def mirror_files(tmp_path, sample):
    """A small valid MNIST to serve, and the hashes that identify it."""
    hashes = write_subset(tmp_path / "served", sample)
    return tmp_path / "served", hashes


# --- the named directory --------------------------------------------------------


def test_directory_argument(tmp_path, sample):
    write_subset(tmp_path / "d", sample)
    mnist = load_mnist(tmp_path / "d", cache_dir=tmp_path / "cache", download=False)
    assert mnist.source == "directory"
    assert mnist.location == str(tmp_path / "d")
    assert mnist.train_images.shape == (30, 28, 28)
    assert mnist.test_labels.shape == (20,)
    np.testing.assert_array_equal(mnist.train_images, sample.train_images[:30])
    np.testing.assert_array_equal(mnist.test_labels, sample.test_labels[:20])
    assert mnist.description == f"MNIST subset from {tmp_path / 'd'} (30 train + 20 test images)"
    assert not (tmp_path / "cache").exists()


def test_mnist_dir_environment_variable(tmp_path, sample, monkeypatch):
    write_subset(tmp_path / "env", sample)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    mnist = load_mnist(cache_dir=tmp_path / "cache", download=False, use_sample=False)
    assert mnist.source == "directory"
    assert mnist.location == str(tmp_path / "env")


def test_argument_wins_over_environment(tmp_path, sample, monkeypatch):
    write_subset(tmp_path / "arg", sample)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "does-not-exist"))
    assert load_mnist(tmp_path / "arg", cache_dir=tmp_path / "c").location == str(tmp_path / "arg")


def test_uncompressed_names_are_accepted(tmp_path, sample):
    for role, name in MNIST_FILES.items():
        write_idx(tmp_path / name.removesuffix(".gz"), getattr(sample, role)[:10])
    mnist = load_mnist(tmp_path, cache_dir=tmp_path / "cache")
    assert mnist.source == "directory"
    assert len(mnist.train_images) == len(mnist.test_labels) == 10


def test_corrupt_file_in_directory_is_an_error_not_a_fallback(
    tmp_path, sample, serve, mirror_files
):
    write_subset(tmp_path / "d", sample)
    (tmp_path / "d" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    url, log = serve("good", mirror_files[0])
    with pytest.raises(IdxError, match=r"^t10k-labels-idx1-ubyte\.gz: "):
        load_mnist(tmp_path / "d", cache_dir=tmp_path / "cache", mirrors=[url])
    assert log == []
    assert not (tmp_path / "cache").exists()


def test_directory_missing_files_names_them(tmp_path, sample):
    write_subset(tmp_path / "d", sample)
    (tmp_path / "d" / "train-labels-idx1-ubyte.gz").unlink()
    (tmp_path / "d" / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(MnistError) as err:
        load_mnist(tmp_path / "d", cache_dir=tmp_path / "cache")
    message = str(err.value)
    assert "train-labels-idx1-ubyte.gz" in message
    assert "t10k-images-idx3-ubyte.gz" in message
    assert "train-images-idx3-ubyte.gz" not in message
    assert str(tmp_path / "d") in message


def test_images_and_labels_must_match_in_number(tmp_path, sample):
    write_subset(tmp_path / "d", sample)
    write_idx(tmp_path / "d" / "train-labels-idx1-ubyte.gz", sample.train_labels[:29])
    with pytest.raises(IdxError, match="train-images-idx3-ubyte.gz has 30 images but "
                                       "train-labels-idx1-ubyte.gz has 29 labels"):
        load_mnist(tmp_path / "d", cache_dir=tmp_path / "cache")


def test_labels_must_be_digits(tmp_path, sample):
    write_subset(tmp_path / "d", sample)
    write_idx(tmp_path / "d" / "t10k-labels-idx1-ubyte.gz", np.full(20, 10, dtype=np.uint8))
    with pytest.raises(IdxError, match="label 10 is not a digit"):
        load_mnist(tmp_path / "d", cache_dir=tmp_path / "cache")


@needs_full
def test_full_mnist_from_directory():
    mnist = load_mnist(FULL_DIR, download=False, use_sample=False)
    assert mnist.source == "directory"
    assert mnist.is_full
    assert mnist.train_images.shape == (60_000, 28, 28)
    assert mnist.train_labels.shape == (60_000,)
    assert mnist.test_images.shape == (10_000, 28, 28)
    assert mnist.test_labels.shape == (10_000,)
    train_counts = np.bincount(mnist.train_labels, minlength=10)
    test_counts = np.bincount(mnist.test_labels, minlength=10)
    assert len(train_counts) == len(test_counts) == 10
    assert train_counts.sum() == 60_000 and test_counts.sum() == 10_000
    assert train_counts.min() > 5000 and test_counts.min() > 800
    assert mnist.description.startswith("full MNIST from ")
    assert "(60,000 train + 10,000 test images)" in mnist.description


# --- the bundled sample and the Mnist record -------------------------------------


def test_sample_is_balanced(sample):
    assert sample.source == "sample"
    assert sample.train_images.shape == (8000, 28, 28)
    assert sample.test_images.shape == (2000, 28, 28)
    assert np.bincount(sample.train_labels, minlength=10).tolist() == [800] * 10
    assert np.bincount(sample.test_labels, minlength=10).tolist() == [200] * 10
    assert not sample.is_full
    assert sample.description == (
        "bundled sample (8,000 train + 2,000 test images) — offline fallback"
    )


@pytest.mark.parametrize("source", ["sample", "directory", "cache", "download"])
def test_the_summary_is_a_template_whose_english_is_the_summary(sample, source):
    data = dataclasses.replace(sample, source=source, location="/somewhere")
    notice = data.summary_notice
    assert str(notice) == render(notice) == data.summary
    marked = render(notice, lambda message, **values: "«" + message.format(**values) + "»")
    assert marked.startswith("«") and "8,000" in marked  # the values are filled in after translation
    if source != "sample":  # the kind of data and where it came from are words to translate too
        assert marked.startswith("««MNIST subset» from «") and "/somewhere" not in marked


def test_sample_holds_real_digits(sample):
    # Real MNIST digits sit on a black background with a bright stroke.
    assert (sample.train_images[:, 0, :] == 0).mean() > 0.99
    assert sample.train_images.max(axis=(1, 2)).min() > 200


def test_sample_is_small():
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir() if p.is_file())
    assert total <= 3_000_000


def test_arrays_are_read_only(sample):
    for role in MNIST_FILES:
        array = getattr(sample, role)
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 1


def test_mnist_is_frozen_and_made_read_only():
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    mnist = Mnist(images, np.zeros(2, np.uint8), images[:1], np.zeros(1, np.uint8), "cache", "x")
    assert not images.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        mnist.source = "download"
    with pytest.raises(ValueError, match="source"):
        Mnist(images, images[:, 0, 0], images, images[:, 0, 0], "internet", "x")


# --- downloads -----------------------------------------------------------------


def test_download_then_cache(tmp_path, serve, mirror_files):
    served, hashes = mirror_files
    url, log = serve("good", served)
    cache = tmp_path / "cache"

    first = load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes, use_sample=False)
    assert first.source == "download"
    assert first.location == str(cache)
    assert first.train_images.shape == (30, 28, 28)
    assert sorted(log) == sorted(f"/mnist/{name}" for name in MNIST_FILES.values())
    assert files_in(cache) == sorted(MNIST_FILES.values())
    for name in MNIST_FILES.values():
        assert (cache / name).read_bytes() == (served / name).read_bytes()

    second = load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes, use_sample=False)
    assert second.source == "cache"
    assert len(log) == 4
    np.testing.assert_array_equal(second.test_images, first.test_images)


def test_cache_dir_from_environment(tmp_path, serve, mirror_files, monkeypatch):
    served, hashes = mirror_files
    url, _ = serve("good", served)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "env-cache"))
    assert load_mnist(mirrors=[url], known_sha256=hashes).source == "download"
    assert files_in(tmp_path / "env-cache") == sorted(MNIST_FILES.values())


def test_corrupt_cached_file_is_replaced(tmp_path, serve, mirror_files):
    served, hashes = mirror_files
    url, log = serve("good", served)
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes)
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip, not idx")

    again = load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes, use_sample=False)
    assert again.source == "download"
    assert log[4:] == ["/mnist/train-labels-idx1-ubyte.gz"]
    assert (cache / "train-labels-idx1-ubyte.gz").read_bytes() == (
        served / "train-labels-idx1-ubyte.gz"
    ).read_bytes()


def test_valid_idx_with_wrong_hash_is_rejected(tmp_path, serve, mirror_files):
    served, _ = mirror_files
    url, log = serve("good", served)
    cache = tmp_path / "cache"
    # Well-formed IDX files, but not the official MNIST: the default hashes refuse them.
    with pytest.raises(MnistError, match="content does not match the known MNIST file"):
        load_mnist(cache_dir=cache, mirrors=[url], use_sample=False)
    assert log == ["/mnist/train-images-idx3-ubyte.gz"]
    assert files_in(cache) == []


def test_dropped_connection_falls_through_to_next_mirror(tmp_path, serve, mirror_files):
    served, hashes = mirror_files
    drop_url, drop_log = serve("drop", served)
    good_url, good_log = serve("good", served)
    cache = tmp_path / "cache"
    mnist = load_mnist(cache_dir=cache, mirrors=[drop_url, good_url], known_sha256=hashes)
    assert mnist.source == "download"
    # After the good mirror delivered the first file it is asked first.
    assert drop_log == ["/mnist/train-images-idx3-ubyte.gz"]
    assert len(good_log) == 4
    assert files_in(cache) == sorted(MNIST_FILES.values())


def test_dropped_connection_alone_falls_back_to_sample(tmp_path, serve, mirror_files):
    served, hashes = mirror_files
    url, log = serve("drop", served)
    cache = tmp_path / "cache"
    mnist = load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes)
    assert mnist.source == "sample"
    assert len(log) == 1
    assert files_in(cache) == []
    with pytest.raises(MnistError) as err:
        load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes, use_sample=False)
    message = str(err.value)
    assert f"{url}train-images-idx3-ubyte.gz: " in message
    # requests notices the short body; were it not to, the gzip check would.
    assert "IncompleteRead" in message or "cut short" in message
    assert files_in(cache) == []


def test_garbage_is_rejected_and_not_cached(tmp_path, serve, mirror_files):
    _, hashes = mirror_files
    url, log = serve("garbage")
    cache = tmp_path / "cache"
    assert load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes).source == "sample"
    assert files_in(cache) == []
    with pytest.raises(MnistError) as err:
        load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes, use_sample=False)
    name = "train-images-idx3-ubyte.gz"
    assert f"{url}{name}: rejected: {name}: magic number" in str(err.value)
    assert len(log) == 2
    assert files_in(cache) == []


def test_connection_refused_is_fast_and_falls_back(tmp_path, refused_url):
    start = time.monotonic()
    mnist = load_mnist(cache_dir=tmp_path / "cache", mirrors=[refused_url])
    assert time.monotonic() - start < 5
    assert mnist.source == "sample"


def test_silent_server_times_out(tmp_path):
    # The kernel accepts the connection into the backlog, but nobody answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist/"
        start = time.monotonic()
        with pytest.raises(MnistError, match=r"no answer within 0\.5 s"):
            load_mnist(cache_dir=tmp_path / "c", mirrors=[url], timeout=0.5, use_sample=False)
        assert time.monotonic() - start < 5


def test_no_source_names_every_mirror(tmp_path, refused_url, serve):
    garbage_url, _ = serve("garbage")
    mirrors = [refused_url, garbage_url]
    with pytest.raises(MnistError) as err:
        load_mnist(cache_dir=tmp_path / "cache", mirrors=mirrors, use_sample=False)
    message = str(err.value)
    assert message.startswith("could not load MNIST from any source")
    assert f"{refused_url}train-images-idx3-ubyte.gz: ConnectionError:" in message
    assert "Connection refused" in message
    assert f"{garbage_url}train-images-idx3-ubyte.gz: rejected" in message
    assert f"cache {tmp_path / 'cache'}: no train-images-idx3-ubyte.gz" in message


def test_download_switched_off(tmp_path, serve, mirror_files):
    url, log = serve("good", mirror_files[0])
    assert load_mnist(cache_dir=tmp_path / "c", mirrors=[url], download=False).source == "sample"
    with pytest.raises(MnistError, match=r"download=False"):
        load_mnist(cache_dir=tmp_path / "c", mirrors=[url], download=False, use_sample=False)
    assert log == []


def test_progress_is_reported(tmp_path, serve, mirror_files):
    served, hashes = mirror_files
    url, _ = serve("good", served)
    calls = []
    load_mnist(
        cache_dir=tmp_path / "cache",
        mirrors=[url],
        known_sha256=hashes,
        progress=lambda message, fraction: calls.append((message, fraction)),
    )
    fractions = [fraction for _, fraction in calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(message, Notice) for message, _ in calls)  # the app translates them
    messages = " ".join(str(message) for message, _ in calls)
    for name in MNIST_FILES.values():
        assert f"Downloading {name} from {url}" in messages
        assert f"Downloaded and verified {name}" in messages
    assert " MB" in messages  # byte progress from pooch's download loop


@needs_full
def test_full_mnist_download(tmp_path, serve):
    # A local copy of the real files, served under the mirrors' names and
    # checked against the official hashes.
    served = tmp_path / "served"
    shutil.copytree(FULL_DIR, served)
    url, log = serve("good", served)
    mnist = load_mnist(cache_dir=tmp_path / "cache", mirrors=[url], use_sample=False)
    assert mnist.source == "download"
    assert mnist.is_full
    assert len(log) == 4
    assert load_mnist(cache_dir=tmp_path / "cache", mirrors=[url]).source == "cache"
    assert len(log) == 4


def test_corrupt_cached_file_is_deleted_even_offline(tmp_path, serve, mirror_files):
    served, hashes = mirror_files
    url, _ = serve("good", served)
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache, mirrors=[url], known_sha256=hashes)
    write_idx(cache / "t10k-images-idx3-ubyte.gz", np.zeros((20, 28, 28), np.uint8))
    with pytest.raises(MnistError) as err:
        load_mnist(cache_dir=cache, known_sha256=hashes, download=False, use_sample=False)
    assert "t10k-images-idx3-ubyte.gz: content does not match" in str(err.value)
    assert "(deleted)" in str(err.value)
    assert not (cache / "t10k-images-idx3-ubyte.gz").exists()
    assert (cache / "train-images-idx3-ubyte.gz").exists()
