"""Caches with a bound in bytes, and a measure of how many bytes a value holds.

A server shared by a class must not grow without limit: every cache of
finished runs, prepared splits, test-set outputs and figures is a
:class:`BoundedCache` whose values are measured with :func:`approx_bytes` and
evicted least-recently-used first once their total passes ``max_bytes``.
A value larger than the whole bound is returned to its caller but never kept.
"""

from __future__ import annotations

import ctypes
import dataclasses
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

import numpy as np

V = TypeVar("V")

_OVERHEAD = 64  # bytes charged for every Python object we walk past, so many tiny entries still count


def approx_bytes(value: Any, _seen: set[int] | None = None) -> int:
    """Bytes held by ``value``: numpy buffers exactly, containers and dataclasses recursively.

    Views are charged for the bytes they show (their base may be shared); an
    object met twice is counted once. Plotly figures are measured through
    ``to_plotly_json()``, which holds the same arrays.
    """
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes + _OVERHEAD
    if isinstance(value, (str, bytes, bytearray)):
        return len(value) + _OVERHEAD
    if isinstance(value, (int, float, bool, complex, type(None), np.generic)):
        return _OVERHEAD
    if isinstance(value, dict):
        return _OVERHEAD + sum(approx_bytes(k, seen) + approx_bytes(v, seen) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return _OVERHEAD + sum(approx_bytes(item, seen) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _OVERHEAD + sum(approx_bytes(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    if hasattr(value, "to_plotly_json"):
        return _OVERHEAD + approx_bytes(value.to_plotly_json(), seen)
    if hasattr(value, "__dict__"):
        return _OVERHEAD + approx_bytes(vars(value), seen)
    return sys.getsizeof(value)


class BoundedCache:
    """A thread-safe least-recently-used cache whose values together hold at most ``max_bytes``.

    Parameters
    ----------
    name : str
        What it holds, for logs and the memory report.
    max_bytes : int
        Upper bound on the sum of :func:`approx_bytes` of the kept values.
    """

    def __init__(self, name: str, max_bytes: int) -> None:
        self.name = name
        self.max_bytes = int(max_bytes)
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Event] = {}
        self.hits = self.misses = self.evictions = 0

    @property
    def bytes(self) -> int:
        """Bytes held right now (never more than ``max_bytes``)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value kept for ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return default
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: Any, nbytes: int | None = None) -> bool:
        """Keep ``value`` under ``key``, evicting the least recently used; False when it is too big to keep."""
        size = approx_bytes(value) if nbytes is None else int(nbytes)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return False
            self._entries[key] = (value, size)
            self._bytes += size
            evicted = self._evict_locked()
        if evicted:
            release_freed_memory()
        return True

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The kept value, or ``compute()`` once (concurrent callers for the same key wait for it)."""
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return entry[0]
                waiting = self._computing.get(key)
                if waiting is None:
                    self.misses += 1
                    done = self._computing[key] = threading.Event()
                    break
            waiting.wait()
            if key not in self._entries:  # too big to keep, or it failed: compute it ourselves
                return compute()
        try:
            value = compute()
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._computing.pop(key, None)
            done.set()

    def discard(self, key: Hashable) -> None:
        """Forget ``key`` if it is kept."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
        release_freed_memory()

    def _evict_locked(self) -> int:
        evicted = 0
        while self._bytes > self.max_bytes and self._entries:
            _, (_, size) = self._entries.popitem(last=False)
            self._bytes -= size
            evicted += 1
        self.evictions += evicted
        return evicted


def release_freed_memory() -> None:
    """Ask glibc to hand freed heap pages back to the OS (no-op elsewhere), so RSS falls after evictions."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt() parameters, from glibc's <malloc.h>
TRAINING_MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its adaptive threshold on 64-bit


def heap_for_training() -> None:
    """Let training's large temporaries (batch activations, gradients) reuse heap pages again.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_`` set, which switches off glibc's
    adaptive mmap threshold: every array over 128 kB is then mapped and unmapped on each step, and
    the page faults made a small run 45% slower than in our own worker processes. This sets the
    thresholds where the adaptive rule would have settled; :func:`release_freed_memory` after each
    job still hands the pages back. A no-op without glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, TRAINING_MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, 2 * TRAINING_MMAP_THRESHOLD)
    except (OSError, AttributeError):
        pass
