"""Read and write IDX files, the format MNIST is distributed in.

An IDX file is a big-endian header followed by raw unsigned bytes:

* images (magic 2051 = 0x00000803): magic, count, rows, cols, then
  ``count * rows * cols`` pixel bytes, row by row;
* labels (magic 2049 = 0x00000801): magic, count, then ``count`` label bytes.

The magic number itself encodes the layout: its third byte ``0x08`` means
"unsigned bytes" and its last byte is the number of dimensions (3 or 1).
Files are often gzipped; we recognise gzip by its two magic bytes rather than
by the file name, because downloads and mirrors do not always keep names
(or compression) consistent.

Every problem is reported as an :class:`IdxError` whose message starts with the
file name, so a learner who points the app at the wrong folder is told which
file is wrong and how.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049
IMAGE_SIDE = 28

# Two bytes every gzip stream starts with (RFC 1952).
GZIP_MAGIC = b"\x1f\x8b"

# What each magic number means, and how many 4-byte header fields it has
# (the magic itself plus one size per dimension).
_KIND = {IMAGE_MAGIC: "an IDX image file", LABEL_MAGIC: "an IDX label file"}
_HEADER_FIELDS = {IMAGE_MAGIC: 4, LABEL_MAGIC: 2}


class IdxError(ValueError):
    """An IDX file is missing, unreadable, corrupt or of the wrong kind.

    The message always starts with the file's name and says what is wrong.
    """


def read_idx_bytes(path: str | os.PathLike) -> bytes:
    """Return the IDX bytes of a file, decompressing it if it is gzipped.

    Parameters
    ----------
    path : str or os.PathLike
        A raw or gzipped IDX file. Gzip is detected from the content.

    Returns
    -------
    bytes
        The uncompressed file content (header and payload), not yet validated.

    Raises
    ------
    IdxError
        If the file cannot be read or its gzip stream is corrupt or cut short.
    """
    name = Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise IdxError(f"{name}: cannot be read ({err.strerror or err})") from err
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except EOFError as err:
        # The deflate stream stopped before its end marker: a partial download.
        raise IdxError(f"{name}: gzip stream is cut short ({err})") from err
    except (gzip.BadGzipFile, zlib.error, OSError) as err:
        raise IdxError(f"{name}: is not a valid gzip stream ({err})") from err


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read an MNIST image or label file (raw or gzipped).

    Parameters
    ----------
    path : str or os.PathLike
        The IDX file.
    expected_magic : int, optional
        2051 to insist on images, 2049 to insist on labels; ``None`` accepts
        either.

    Returns
    -------
    np.ndarray of uint8
        Images of shape ``(n, 28, 28)`` or labels of shape ``(n,)``. The array
        is a read-only view of the file's bytes.

    Raises
    ------
    IdxError
        If the file is unreadable, not gzip/IDX, of the wrong kind, or its
        length does not match its header.
    """
    return parse_idx(read_idx_bytes(path), Path(path).name, expected_magic)


def parse_idx(raw: bytes, name: str, expected_magic: int | None = None) -> np.ndarray:
    """Validate uncompressed IDX bytes and view them as an array.

    Parameters
    ----------
    raw : bytes
        The whole uncompressed file: header then payload.
    name : str
        The file name, used in error messages.
    expected_magic : int, optional
        2051 (images) or 2049 (labels); ``None`` accepts either.

    Returns
    -------
    np.ndarray of uint8
        Read-only images ``(n, 28, 28)`` or labels ``(n,)``.

    Raises
    ------
    IdxError
        If the header or the payload length is wrong.
    """
    if len(raw) < 4:
        raise IdxError(f"{name}: header is too short ({len(raw)} bytes): not an IDX file")
    (magic,) = struct.unpack(">I", raw[:4])
    _check_magic(magic, name, expected_magic)

    header_size = 4 * _HEADER_FIELDS[magic]
    if len(raw) < header_size:
        raise IdxError(
            f"{name}: header is too short: {_KIND[magic]} needs {header_size} bytes, "
            f"file has {len(raw)}"
        )
    count, *shape = struct.unpack(f">{_HEADER_FIELDS[magic] - 1}I", raw[4:header_size])
    if shape and shape != [IMAGE_SIDE, IMAGE_SIDE]:
        raise IdxError(
            f"{name}: images are {shape[0]}x{shape[1]} pixels, "
            f"expected {IMAGE_SIDE}x{IMAGE_SIDE}"
        )

    # The payload must be exactly what the header promises: fewer bytes means a
    # partial file, more means the header and data do not belong together.
    promised = count * int(np.prod(shape, dtype=np.int64))
    present = len(raw) - header_size
    what = "pixels" if shape else "labels"
    if present < promised:
        raise IdxError(
            f"{name} is truncated: header promises {promised} bytes of {what}, "
            f"file has {present}"
        )
    if present > promised:
        raise IdxError(
            f"{name} has {present - promised} unexpected trailing bytes after the "
            f"{promised} bytes of {what} its header promises"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(count, *shape)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write images or labels as an IDX file, gzipped if `path` ends in ``.gz``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; a ``.gz`` suffix selects gzip compression.
    array : np.ndarray of uint8
        Images of shape ``(n, 28, 28)`` or labels of shape ``(n,)``.

    Raises
    ------
    ValueError
        If `array` is not uint8 or has another shape.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"IDX arrays must be uint8, got {array.dtype}")
    if array.ndim == 3 and array.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
        header = struct.pack(">4I", IMAGE_MAGIC, *array.shape)
    elif array.ndim == 1:
        header = struct.pack(">2I", LABEL_MAGIC, len(array))
    else:
        raise ValueError(f"expected shape (n, 28, 28) or (n,), got {array.shape}")

    data = header + np.ascontiguousarray(array).tobytes()
    if str(path).endswith(".gz"):
        # mtime=0 keeps the bytes identical from run to run, so rebuilding the
        # bundled sample does not show up as a change in git.
        data = gzip.compress(data, compresslevel=9, mtime=0)
    Path(path).write_bytes(data)


def _check_magic(magic: int, name: str, expected_magic: int | None) -> None:
    """Raise IdxError unless `magic` is a known kind (and the expected one)."""
    if expected_magic is not None and expected_magic not in _KIND:
        raise ValueError(f"expected_magic must be {IMAGE_MAGIC} or {LABEL_MAGIC}")
    if expected_magic is None:
        if magic not in _KIND:
            raise IdxError(
                f"{name}: magic number {magic} is neither {IMAGE_MAGIC} "
                f"({_KIND[IMAGE_MAGIC]}) nor {LABEL_MAGIC} ({_KIND[LABEL_MAGIC]})"
            )
        return
    if magic != expected_magic:
        hint = f"; it looks like {_KIND[magic]}" if magic in _KIND else ""
        raise IdxError(
            f"{name}: magic number {magic} is not {expected_magic} "
            f"({_KIND[expected_magic]}){hint}"
        )
