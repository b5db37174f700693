"""IDX reading and writing: round trips, and one clear message per kind of damage."""

import gzip
import struct

import numpy as np
import pytest

from explainer.idx import IdxError, parse_idx, read_idx, read_idx_bytes, write_idx


@pytest.fixture
def images():
    """Five random 28x28 uint8 images."""
    return np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


@pytest.fixture
def labels():
    return np.array([3, 1, 4, 1, 5], dtype=np.uint8)


def raw_images(images):
    """The uncompressed IDX bytes of `images`, built independently of write_idx."""
    return struct.pack(">4I", 2051, len(images), 28, 28) + images.tobytes()


@pytest.mark.parametrize("name", ["x-images.gz", "x-images"])
def test_images_round_trip(tmp_path, images, name):
    write_idx(tmp_path / name, images)
    back = read_idx(tmp_path / name, expected_magic=2051)
    assert back.dtype == np.uint8
    assert back.shape == (5, 28, 28)
    np.testing.assert_array_equal(back, images)


@pytest.mark.parametrize("name", ["x-labels.gz", "x-labels"])
def test_labels_round_trip(tmp_path, labels, name):
    write_idx(tmp_path / name, labels)
    back = read_idx(tmp_path / name, expected_magic=2049)
    assert back.dtype == np.uint8
    assert back.shape == (5,)
    np.testing.assert_array_equal(back, labels)


def test_write_idx_matches_the_format_byte_for_byte(tmp_path, images):
    write_idx(tmp_path / "raw", images)
    write_idx(tmp_path / "packed.gz", images)
    assert (tmp_path / "raw").read_bytes() == raw_images(images)
    assert gzip.decompress((tmp_path / "packed.gz").read_bytes()) == raw_images(images)


def test_gzip_is_detected_from_content_not_name(tmp_path, images):
    (tmp_path / "gzipped-without-suffix").write_bytes(gzip.compress(raw_images(images)))
    (tmp_path / "plain-with-suffix.gz").write_bytes(raw_images(images))
    np.testing.assert_array_equal(read_idx(tmp_path / "gzipped-without-suffix"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "plain-with-suffix.gz"), images)


def test_gzip_output_is_reproducible(tmp_path, images):
    write_idx(tmp_path / "a.gz", images)
    write_idx(tmp_path / "b.gz", images)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_without_expected_magic_either_kind_is_accepted(tmp_path, images, labels):
    write_idx(tmp_path / "i.gz", images)
    write_idx(tmp_path / "l.gz", labels)
    assert read_idx(tmp_path / "i.gz").shape == (5, 28, 28)
    assert read_idx(tmp_path / "l.gz").shape == (5,)


def test_parse_idx_needs_no_file(images):
    np.testing.assert_array_equal(parse_idx(raw_images(images), "mem", 2051), images)


def test_wrong_magic_is_named(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">4I", 1234, 0, 28, 28)))
    with pytest.raises(IdxError) as err:
        read_idx(path, expected_magic=2051)
    assert str(err.value) == (
        "train-images-idx3-ubyte.gz: magic number 1234 is not 2051 (an IDX image file)"
    )


def test_unknown_magic_without_expectation(tmp_path):
    path = tmp_path / "mystery"
    path.write_bytes(struct.pack(">I", 7))
    with pytest.raises(IdxError, match=r"^mystery: magic number 7 is neither 2051 .* nor 2049"):
        read_idx(path)


def test_labels_where_images_expected(tmp_path, labels):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    write_idx(path, labels)
    with pytest.raises(IdxError) as err:
        read_idx(path, expected_magic=2051)
    message = str(err.value)
    assert message.startswith("train-labels-idx1-ubyte.gz: magic number 2049 is not 2051")
    assert "looks like an IDX label file" in message


def test_truncated_file(tmp_path, images):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw_images(images)[: 16 + 1000]))
    with pytest.raises(IdxError) as err:
        read_idx(path, expected_magic=2051)
    assert str(err.value) == (
        "t10k-images-idx3-ubyte.gz is truncated: header promises 3920 bytes of pixels, "
        "file has 1000"
    )


def test_truncated_labels_say_labels(tmp_path):
    path = tmp_path / "lab"
    path.write_bytes(struct.pack(">2I", 2049, 10) + bytes(4))
    with pytest.raises(IdxError) as err:
        read_idx(path)
    assert str(err.value) == "lab is truncated: header promises 10 bytes of labels, file has 4"


def test_trailing_bytes(tmp_path, images):
    path = tmp_path / "extra.gz"
    path.write_bytes(gzip.compress(raw_images(images) + b"\x00\x01\x02"))
    with pytest.raises(IdxError) as err:
        read_idx(path)
    assert str(err.value).startswith("extra.gz has 3 unexpected trailing bytes after the 3920")


def test_gzip_header_then_garbage(tmp_path):
    path = tmp_path / "broken.gz"
    # A valid 10-byte gzip header (magic, deflate, no flags) followed by noise.
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    path.write_bytes(header + bytes(range(7, 250, 3)) * 4)
    with pytest.raises(IdxError, match=r"^broken\.gz: is not a valid gzip stream \("):
        read_idx(path)


def test_gzip_cut_in_half(tmp_path, images):
    whole = gzip.compress(raw_images(images))
    path = tmp_path / "half.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(IdxError, match=r"^half\.gz: gzip stream is cut short"):
        read_idx(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.gz"
    path.write_bytes(b"")
    with pytest.raises(IdxError, match=r"^empty\.gz: header is too short \(0 bytes\)"):
        read_idx(path)


def test_header_cut_short(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(struct.pack(">3I", 2051, 5, 28))
    with pytest.raises(IdxError) as err:
        read_idx(path, expected_magic=2051)
    assert str(err.value) == (
        "short: header is too short: an IDX image file needs 16 bytes, file has 12"
    )


def test_wrong_image_size(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(struct.pack(">4I", 2051, 1, 30, 28) + bytes(30 * 28))
    with pytest.raises(IdxError, match=r"^big: images are 30x28 pixels, expected 28x28$"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(IdxError, match=r"^nowhere\.gz: cannot be read"):
        read_idx(tmp_path / "nowhere.gz")


def test_read_idx_bytes_decompresses(tmp_path, images):
    write_idx(tmp_path / "i.gz", images)
    assert read_idx_bytes(tmp_path / "i.gz") == raw_images(images)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((2, 28, 28), dtype=np.float32), np.zeros((2, 28), dtype=np.uint8)],
)
def test_write_idx_rejects_other_arrays(tmp_path, bad):
    with pytest.raises(ValueError):
        write_idx(tmp_path / "x.gz", bad)
    assert not (tmp_path / "x.gz").exists()
