"""How fast the app feels: four figures, each printed next to its target.

1. Cold start: start ``streamlit run app.py``, open ``/`` in headless Chromium,
   time until the first page's main content and charts are drawn.
2. Rerun after a sidebar change when nothing needs training: the Overview page,
   and the Train page with both runs already in the server's run store
   (AppTest, median of ``--repeats`` reruns alternating between two seeds).
3. Canvas stroke to shown prediction on the Draw page, in the browser (median
   of ``--strokes`` strokes, each on a cleared canvas).
4. Training as shared jobs: a decay pair through the job layer (two worker
   processes, progress streamed back) against :func:`explainer.trainer.run` on
   the same two configs one after the other without any UI; plus the same
   comparison end to end in the browser (button click to both results shown).

A benchmark, not a test: it prints figures and exits 0 even when a target is
missed. ``--json`` adds one JSON object on the last line. Set ``MNIST_DIR``
to measure on the full MNIST. Timings depend on what else the machine runs.

Usage (from the repository root)::

    python scripts/bench_app.py [--json] [--repeats 10] [--strokes 5] [--job-repeats 3] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python scripts/bench_app.py` puts scripts/ on the path, not the repository root.
sys.path.insert(0, str(REPO_ROOT))

from explainer.config import RunConfig  # noqa: E402
from explainer.presets import PRESETS  # noqa: E402
from tests.apptest_support import new_app  # noqa: E402
from tests.browser import harness  # noqa: E402

# The small comparison the Train figures use (the Train page's default: decay vs no decay), and a
# medium one (the recommended network on 20,000 images, a few seconds) where fixed costs matter less.
SMALL = {"train_size": 2000, "epochs": 2, "hidden": (32,)}
MEDIUM = {"train_size": 20_000, "epochs": 3}
SMALL_QUERY = {"preset": "recommended", **{name: ",".join(map(str, value)) if name == "hidden" else str(value)
                                            for name, value in SMALL.items()}}
# Strokes drawn in turn on the Draw page's canvas (fractions of its width and height).
STROKES = [[(0.5, 0.15), (0.5, 0.85)], [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)],
           [(0.3, 0.2), (0.7, 0.2), (0.7, 0.5), (0.3, 0.5), (0.7, 0.5), (0.7, 0.8), (0.3, 0.8)]]


@dataclass
class Figure:
    """One measured number and what it should be."""

    name: str
    value: float
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    def line(self) -> str:
        shown = f"{self.value:.1f} {self.unit}" if self.unit != "s" else f"{self.value:.2f} s"
        if self.target is None:
            verdict = "(no target)"
        else:
            target = f"{self.target:g} {self.unit}"
            verdict = f"(target < {target}: {'met' if self.met else 'MISSED'})"
        return f"{self.name}: {shown} {verdict}" + (f"  [{self.note}]" if self.note else "")


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


# --- 2. reruns in AppTest -------------------------------------------------------------------------

def _timed_reruns(at, repeats: int, seeds=(1, 2)) -> list[float]:
    """Alternate the sidebar's random seed and time each ``at.run()`` (both seeds warmed up first)."""
    times = []
    for i in range(repeats + len(seeds)):
        at.sidebar.number_input(key="cfg.seed").set_value(seeds[i % len(seeds)])
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"the page raised: {at.exception[0].message}")
        if i >= len(seeds):
            times.append(elapsed)
    return times


def rerun_overview(repeats: int) -> Figure:
    at = new_app()
    at.run()
    times = _timed_reruns(at, repeats)
    return Figure("Overview rerun after a sidebar change (AppTest, median)", _median_ms(times), "ms", 100,
                  f"min {1000 * min(times):.0f} ms, max {1000 * max(times):.0f} ms over {len(times)} reruns")


def rerun_train_cached(repeats: int) -> Figure:
    at = new_app(query=SMALL_QUERY, timeout=300)
    at.run()
    at.switch_page("pages/train.py")
    at.run()
    for seed in (1, 2):  # train both comparisons once, so every timed rerun finds its runs in the store
        at.sidebar.number_input(key="cfg.seed").set_value(seed)
        at.run()
        at.button(key="train.start").click()
        at.run()
        while at.session_state["train.comparison"].going:  # the live fragment's reruns, by hand
            time.sleep(0.1)
            at.run()
        at.run()
    if not any("final validation accuracy" in metric.label for metric in at.metric):
        raise RuntimeError("the Train page did not show results after training")
    times = _timed_reruns(at, repeats)
    return Figure("Train rerun with both runs cached (AppTest, median)", _median_ms(times), "ms", 100,
                  f"min {1000 * min(times):.0f} ms, max {1000 * max(times):.0f} ms over {len(times)} reruns")


# --- 4. training as jobs against headless training -----------------------------------------------

def job_overhead(config: RunConfig, repeats: int, size: str) -> tuple[Figure, dict]:
    """A decay pair through the job layer (two worker processes, progress streamed) against headless training.

    The job manager is the app's own (real worker processes); the headless pair is trained one run after
    the other in this process, without any progress reporting.
    """
    from explainer import compare
    from explainer.data import load_mnist
    from explainer.engines import ProcessEngine
    from explainer.jobs import JobManager
    from explainer.memory import BoundedCache
    from explainer.runstore import RunStore
    from explainer.worker import DatasetRef

    data = load_mnist(download=False)
    dataset = DatasetRef.of(data)
    manager = JobManager(ProcessEngine(2, preload=dataset), RunStore(BoundedCache("runs", 2**28), None))
    sizes = (len(data.train_labels), len(data.test_labels))
    jobs_seconds, headless = [], []
    try:
        for rep in range(repeats + 1):  # the first pair warms up the workers' data: not counted
            pair = compare.decay_pair(config.replace(seed=2000 + rep))
            started = time.perf_counter()
            runs = [manager.request(run, dataset, sizes, "bench") for run in pair]
            manager.wait(runs, 600)
            elapsed = time.perf_counter() - started
            if rep:
                jobs_seconds.append(elapsed)
                headless.append(headless_pair_seconds(pair[0]))
    finally:
        manager.close()
    detail = {"jobs_s": jobs_seconds, "headless_s": headless}
    return (Figure(f"Pair as shared jobs on 2 workers vs headless one after the other, {size} pair",
                   100 * sum(jobs_seconds) / sum(headless), "%", None,
                   f"jobs {sum(jobs_seconds) / repeats:.2f} s vs headless {sum(headless) / repeats:.2f} s per pair, "
                   f"mean of {repeats}; the two runs train at once, progress streamed"), detail)


def headless_pair_seconds(config: RunConfig) -> float:
    """Both runs of the decay pair for ``config``, trained without any UI, on the app's data."""
    from explainer import compare, trainer
    from explainer.data import load_mnist
    from explainer.prepare import prepare

    data = load_mnist(download=False)
    total = 0.0
    for run in compare.decay_pair(config):
        splits = prepare(data.train_images, data.train_labels, data.test_images, data.test_labels, run)
        started = time.perf_counter()
        trainer.run(run, splits)
        total += time.perf_counter() - started
    return total


# --- 1, 3 and the end-to-end training time, in the browser ----------------------------------------

def browser_figures(strokes: int, small: RunConfig) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = harness.launch_browser(playwright)
    figures = []
    server = None
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        started = time.perf_counter()
        server = harness.start_server(timeout=60)
        healthy = time.perf_counter() - started
        harness.open_page(page, server.url, "/", timeout=180)
        harness.wait_for_render(page, timeout=60)
        cold = time.perf_counter() - started
        figures.append(Figure("Cold start to first rendered page", cold, "s", None,
                              f"server healthy after {healthy:.1f} s; the first visit reads MNIST "
                              f"and builds the Overview figures"))
        figures.append(draw_latency(page, server.url, strokes))
        figures.append(train_end_to_end(page, server.url, small))
    finally:
        browser.close()
        playwright.stop()
        if server is not None:
            server.stop()
    return figures


def draw_latency(page, url: str, strokes: int) -> Figure:
    """Mouse up on the canvas until 'Prediction: <digit>' is on screen, each time on a cleared canvas."""
    harness.open_page(page, url, "draw")
    harness.draw_stroke(page, STROKES[0])  # the first prediction loads the model: not timed
    harness.wait_for_prediction(page)
    harness.wait_for_idle(page)
    times = []
    for i in range(strokes):
        page.get_by_role("button", name="Clear", exact=True).click()
        page.wait_for_function(f"() => !({harness.PREDICTION_SHOWN})()", timeout=30_000)
        harness.wait_for_idle(page)
        harness.draw_stroke(page, STROKES[i % len(STROKES)])  # ends with the mouse button released
        started = time.perf_counter()
        harness.wait_for_prediction(page)
        times.append(time.perf_counter() - started)
        harness.wait_for_idle(page)
    return Figure("Canvas stroke to shown prediction (browser, median)", _median_ms(times), "ms", 300,
                  f"min {1000 * min(times):.0f} ms, max {1000 * max(times):.0f} ms over {len(times)} strokes")


def train_end_to_end(page, url: str, small: RunConfig, repeats: int = 3) -> Figure:
    """Click 'Train both runs' until both results are shown, against the same two runs trained headless."""
    browser, headless = [], []
    for seed in range(4242, 4242 + repeats):  # seeds no other figure trains: nothing comes from the run store
        query = {**SMALL_QUERY, "seed": seed}
        harness.open_page(page, url, "train?" + "&".join(f"{key}={value}" for key, value in query.items()))
        started = time.perf_counter()
        harness.train_both_runs(page, timeout=300)
        browser.append(time.perf_counter() - started)
        headless.append(headless_pair_seconds(small.replace(seed=seed)))
    return Figure("Train button to both results shown, small pair (browser, median)",
                  _median_ms(browser), "ms", None,
                  f"the same two runs headless: {_median_ms(headless):.0f} ms; includes the page's reruns, "
                  "the live chart and drawing the results")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="also print one JSON object on the last line")
    parser.add_argument("--repeats", type=int, default=10, help="timed reruns per AppTest figure")
    parser.add_argument("--strokes", type=int, default=5, help="timed strokes on the canvas")
    parser.add_argument("--job-repeats", type=int, default=3, help="pairs trained as jobs and headless")
    parser.add_argument("--no-browser", action="store_true", help="skip the figures that need Chromium")
    args = parser.parse_args(argv)

    small = PRESETS["recommended"].config.replace(**SMALL)
    from explainer.data import load_mnist
    print(f"data: {load_mnist(download=False).description}", flush=True)
    figures: list[Figure] = []
    details: dict = {}
    if not args.no_browser:
        missing = harness.chromium_missing()
        if missing:
            print(f"browser figures skipped: {missing}", flush=True)
        else:
            for figure in browser_figures(args.strokes, small):
                figures.append(figure)
                print(figure.line(), flush=True)
    for measure in (lambda: rerun_overview(args.repeats), lambda: rerun_train_cached(args.repeats)):
        figures.append(measure())
        print(figures[-1].line(), flush=True)
    medium = PRESETS["recommended"].config.replace(**MEDIUM)
    for size, config in (("small", small), ("medium", medium)):
        figure, details[f"jobs_{size}"] = job_overhead(config, args.job_repeats, size)
        figures.append(figure)
        print(figure.line(), flush=True)

    if args.json:
        print(json.dumps({"figures": [{**asdict(f), "met": f.met} for f in figures], "details": details}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
