"""Byte-bounded caches: the bound holds however they are filled, and sizes are measured honestly."""

import threading

import numpy as np
import plotly.graph_objects as go

from explainer.memory import BoundedCache, approx_bytes


def test_numpy_buffers_and_containers_are_measured():
    array = np.zeros((1000, 100), dtype=np.float32)
    assert 400_000 <= approx_bytes(array) < 401_000
    assert approx_bytes({"a": array, "b": [array, array]}) < 2 * 400_000  # the same array counts once
    figure = go.Figure(go.Heatmap(z=np.ones((300, 300))))
    assert approx_bytes(figure) >= 300 * 300 * 8


def test_filling_the_cache_keeps_it_under_its_bound_and_evicts_the_least_recently_used():
    cache = BoundedCache("test", max_bytes=10 * 2**20)
    for key in range(100):
        cache.put(key, np.zeros(2**18, dtype=np.float32))  # 1 MB each
        assert cache.bytes <= cache.max_bytes
    assert len(cache) <= 10 and cache.evictions >= 90
    assert cache.get(99) is not None and cache.get(0) is None
    cache.get(91)  # recently used: survives the next eviction
    cache.put("new", np.zeros(2**18, dtype=np.float32))
    assert 91 in cache and 92 not in cache


def test_a_value_bigger_than_the_bound_is_not_kept_but_still_returned():
    cache = BoundedCache("test", max_bytes=1000)
    big = np.zeros(10_000)
    assert not cache.put("big", big)
    assert cache.get_or_compute("big", lambda: big) is big
    assert len(cache) == 0 and cache.bytes == 0


def test_concurrent_askers_compute_a_value_once():
    cache = BoundedCache("test", max_bytes=2**20)
    calls, results = [], []
    started = threading.Event()

    def compute():
        calls.append(1)
        started.wait(1)
        return np.arange(10)

    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute))) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(result is results[0] for result in results)
