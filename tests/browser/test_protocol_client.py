"""The simulated visitor of scripts/load_test.py (scripts/streamlit_client.py) against the real server.

No browser here, only Streamlit's websocket protocol; the server is the
browser tests' shared one (``warm_server``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from scripts.load_test import percentile
from scripts.streamlit_client import Visitor

TINY = "preset=recommended&hidden=16&epochs=1&train_size=2000&seed=4711"


def run(coroutine):
    """Run ``coroutine`` to the end in a thread of its own (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result(timeout=300)


def test_a_visitor_loads_the_overview(warm_server):
    async def visit():
        async with Visitor(warm_server.url) as visitor:
            seconds = await visitor.open("", timeout=60)
            return seconds, visitor.texts(), visitor.errors, visitor.traffic

    seconds, texts, errors, traffic = run(visit())
    assert seconds > 0 and errors == []
    assert any("How a NumPy network learns to read digits" in text for text in texts)
    assert traffic.messages > 10 and traffic.largest > 1000


def test_a_visitor_follows_a_link_and_the_app_rewrites_its_query(warm_server):
    async def visit():
        async with Visitor(warm_server.url) as visitor:
            await visitor.open("train", "epochs=3&nope=1", timeout=60)
            return visitor.query, visitor.shows("Train: decay vs no decay"), visitor.shows("nope")

    query, on_train_page, notice = run(visit())
    assert on_train_page
    assert notice  # the app's notice names the unknown key...
    assert "epochs=3" in query and "nope" not in query  # ...and drops it from the URL


def test_a_visitor_presses_train_and_watches_until_both_results_show(warm_server):
    async def visit():
        async with Visitor(warm_server.url) as visitor:
            await visitor.open("train", TINY, timeout=60)
            assert not visitor.shows("Run B: final validation accuracy")
            await visitor.click("Train both runs", timeout=120)
            await visitor.wait_for_text("Run B: final validation accuracy", timeout=180)
            return visitor.errors

    assert run(visit()) == []


def test_percentile_is_the_nearest_rank():
    samples = [float(value) for value in range(1, 21)]
    assert percentile(samples, 0.5) == 10.0
    assert percentile(samples, 0.95) == 19.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([], 0.5) is None
