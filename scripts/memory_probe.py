"""Does the server's memory stay bounded? The probes of the hosted-demo issue, rerun.

Starts its own ``streamlit run app.py`` on 127.0.0.1 (stopped by PID at the end)
and drives it with simulated visitors (``scripts/streamlit_client.py``), one link
after another, printing the server process's resident memory (RSS) as it goes:

1. ``configs``: ``--configs`` small configs in a row on the Train page, each
   trained (a pair of tiny runs): growth over the second half should stay
   under 5%.
2. ``shapes``: twelve Shapes links with four hidden layers of 2048.
3. ``wide``: a few trainings of 784-2048-2048-10 (each run's weights are
   47 MB before and after training).
4. ``idle``: every visitor gone; after Streamlit has dropped their sessions
   (``server.disconnectedSessionTTL``, 120 s by default) the memory should
   fall back under 600 MB.

Targets: under 1.5 GB at any time, under 600 MB once idle, under 5% growth
over the last half of the configs. A benchmark, not a test: it prints figures
and exits 0 either way. Worker processes are reported separately (they hold
their own copy of MNIST).

Usage (from the repository root; ``MNIST_DIR`` for the full MNIST)::

    python scripts/memory_probe.py [--configs 200] [--idle-wait 130] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.streamlit_client import Visitor  # noqa: E402
from tests.browser import harness  # noqa: E402

MB = 2**20
SMALL = "preset=recommended&hidden=16&epochs=1&train_size=500&seed={seed}"
SHAPES = "preset=recommended&hidden=2048,2048,2048,2048&seed={seed}"
WIDE = "preset=recommended&hidden=2048,2048&epochs=1&train_size=1000&seed={seed}"


def rss(process: psutil.Process) -> tuple[float, float]:
    """(server RSS, workers' RSS together) in MB."""
    workers = sum(child.memory_info().rss for child in process.children(recursive=True) if child.is_running())
    return process.memory_info().rss / MB, workers / MB


async def train_link(url: str, query: str) -> None:
    async with Visitor(url) as visitor:
        await visitor.open("train", query)
        await visitor.click("Train both runs", timeout=300)
        await visitor.wait_for_text("Run B: final validation accuracy", timeout=300)


async def open_link(url: str, path: str, query: str) -> None:
    async with Visitor(url) as visitor:
        await visitor.open(path, query, timeout=300)


async def probe(url: str, process: psutil.Process, configs: int, idle_wait: float) -> dict:
    figures: dict = {}
    await open_link(url, "", "")
    figures["start"] = rss(process)[0]
    peak = figures["start"]
    print(f"start: server {figures['start']:.0f} MB", flush=True)

    marks = {}
    for seed in range(configs):
        await train_link(url, SMALL.format(seed=seed))
        peak = max(peak, rss(process)[0])
        if seed + 1 in (configs // 2, configs):
            marks[seed + 1] = rss(process)[0]
            print(f"after {seed + 1} configs: server {marks[seed + 1]:.0f} MB", flush=True)
    half, full = marks[configs // 2], marks[configs]
    figures["configs_growth"] = (full - half) / half
    print(f"configs: {100 * figures['configs_growth']:+.1f}% over the last {configs - configs // 2} "
          f"(target < 5%: {'met' if figures['configs_growth'] < 0.05 else 'MISSED'})", flush=True)

    for seed in range(12):
        await open_link(url, "shapes", SHAPES.format(seed=seed))
        peak = max(peak, rss(process)[0])
    figures["after_shapes"] = rss(process)[0]
    print(f"after 12 Shapes links of 4×2048: server {figures['after_shapes']:.0f} MB", flush=True)

    for seed in range(4):
        await train_link(url, WIDE.format(seed=seed))
        peak = max(peak, rss(process)[0])
    server, workers = rss(process)
    figures["after_wide"], figures["workers"] = server, workers
    print(f"after 4 trainings of 784-2048-2048-10 pairs: server {server:.0f} MB, workers {workers:.0f} MB", flush=True)
    figures["peak"] = peak
    print(f"peak server RSS: {peak:.0f} MB (target < 1,500 MB: {'met' if peak < 1500 else 'MISSED'})", flush=True)

    print(f"idle: waiting {idle_wait:.0f} s for the closed sessions to expire…", flush=True)
    await asyncio.sleep(idle_wait)
    figures["idle"] = rss(process)[0]
    print(f"idle: server {figures['idle']:.0f} MB (target < 600 MB: {'met' if figures['idle'] < 600 else 'MISSED'})",
          flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=200)
    parser.add_argument("--idle-wait", type=float, default=130.0,
                        help="seconds to wait for closed sessions to expire (Streamlit keeps them 120 s)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    server = harness.start_server(timeout=120)
    try:
        figures = asyncio.run(probe(server.url, psutil.Process(server.process.pid), args.configs, args.idle_wait))
    finally:
        server.stop()
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(code)
