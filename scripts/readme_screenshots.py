"""Take the README's screenshots: every page of the running app in a real browser, small PNGs.

Starts the app like the browser tests do (``tests/browser/harness.py``), opens
each page in headless Chromium at 1280×800 (Shapes taller), does what a visitor
would do there (steps the Shapes walkthrough to the first weight gradient,
trains the second seed's decay comparison, draws a 7), and writes
``docs/screenshots/<page>.png`` downscaled to 900 px wide and optimised to stay
under 250 KB. Exits 1 if a page failed or showed an error. Set ``MNIST_DIR``
to show the full dataset.

Usage (from the repository root)::

    python scripts/readme_screenshots.py [--out DIR] [--pages overview,train]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from pathlib import Path

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python scripts/readme_screenshots.py` puts scripts/ on the path, not the repository root.
sys.path.insert(0, str(REPO_ROOT))

from tests.browser import harness  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
# Pages whose interesting part needs a taller screen.
TALL = {"shapes-flow": 1100, "inside": 1100, "shapes": 1040, "explore": 1150, "train-zh": 1250}
WIDTH = 900
MAX_BYTES = 250_000
# The second seed's exponential decay against a constant rate: 5,000 SGD steps of one image, a few seconds.
TRAIN_LINK = "train?preset=seed2-sgd-decay"
SEVEN = [(0.22, 0.22), (0.78, 0.22), (0.45, 0.85)]
# Learning rate × hidden width, two seeds per point, on 10,000 training images for 2 epochs: 12 runs, under a minute.
EXPLORE_LINK = ("explore?preset=recommended&epochs=2&train_size=10000"
                "&sweep=learning_rate:0.01,0.1,1*log;width:32,128&sampler=grid&seeds=2")
# The developer toolbar ("Deploy", the menu) is not part of the app, and it covers the top of the page.
HIDE_TOOLBAR = "[data-testid='stHeader'] { display: none !important; }"


def _scroll_to(page, locator, margin: int = 16) -> None:
    """Scroll ``locator`` to ``margin`` pixels below the top (Streamlit scrolls its main area, not the window)."""
    locator.first.evaluate(
        "(element, margin) => { const main = document.querySelector(\"[data-testid='stMain']\");"
        "  main.scrollTop += element.getBoundingClientRect().top - margin; }", margin)


def overview(page, url: str) -> None:
    harness.open_page(page, url, harness.PAGES["overview"])


def shapes(page, url: str) -> None:
    """Jump to the backward pass and step on to dW1, whose columns show as digit-shaped gradients."""
    harness.open_page(page, url, "shapes")
    page.get_by_role("button", name=re.compile(r"^backward")).click()
    page.get_by_role("button", name=re.compile(r"^▶ backward")).wait_for()
    harness.wait_for_idle(page)
    heading = page.locator("h3", has_text=re.compile(r"Step \d+ of")).first
    step = int(heading.inner_text().split()[1])
    while "Layer 1: weight gradient" not in heading.inner_text():
        step += 1
        page.get_by_role("button", name="Next ▶").click()
        page.locator("h3", has_text=f"Step {step} of").first.wait_for()
        harness.wait_for_idle(page)
    _scroll_to(page, page.locator("h3", has_text=f"Step {step} of"))


def shapes_flow(page, url: str) -> None:
    """The same step, scrolled to the network diagram coloured by its gradients and a unit's chain rule."""
    shapes(page, url)
    _scroll_to(page, page.get_by_role("heading", name="Backprop flowing through the network"))


def inside(page, url: str) -> None:
    """The first one-click experiment (all-zero init vs He) trained, scrolled to the look inside A and B."""
    harness.open_page(page, url, "train")
    page.get_by_role("button", name=re.compile("Run this experiment")).first.click()
    page.get_by_text("Run B: final validation accuracy").first.wait_for(timeout=180_000)
    harness.wait_for_idle(page)
    _scroll_to(page, page.get_by_role("heading", name="Inside the network while it learned"))


def train(page, url: str) -> None:
    harness.open_page(page, url, TRAIN_LINK)
    harness.train_both_runs(page, timeout=180)
    _scroll_to(page, page.locator("[data-testid='stPlotlyChart']"))


def evaluate(page, url: str) -> None:
    harness.open_page(page, url, "evaluate")


def draw(page, url: str) -> None:
    harness.open_page(page, url, "draw")
    harness.draw_stroke(page, SEVEN)
    harness.wait_for_prediction(page)
    harness.wait_for_idle(page)
    _scroll_to(page, page.get_by_role("heading", name="Draw a digit"))


def seeds(page, url: str) -> None:
    harness.open_page(page, url, "seeds")


def explore(page, url: str) -> None:
    """A finished sweep: the heatmap of measured cells (mean ± seed spread, badges, loss sparklines), then why it wins."""
    harness.open_page(page, url, EXPLORE_LINK)
    page.get_by_role("button", name=re.compile("Start the sweep")).click()
    page.get_by_text("Why it wins").first.wait_for(timeout=300_000)
    harness.wait_for_idle(page)
    _scroll_to(page, page.locator("[data-testid='stProgress']"))


def train_zh(page, url: str) -> None:
    """The Train page as a visitor with ?lang=zh sees it once both runs are trained, from its title to the
    curves (README: language)."""
    harness.open_page(page, url, f"{TRAIN_LINK}&lang=zh")
    harness.train_both_runs(page, timeout=180, lang="zh")


def glossary_zh(page, url: str) -> None:
    """The glossary as a visitor with ?lang=zh sees it (README: switching language)."""
    harness.open_page(page, url, "glossary?lang=zh")


VISITS = {"overview": overview, "shapes": shapes, "train": train, "evaluate": evaluate, "draw": draw,
          "seeds": seeds, "glossary-zh": glossary_zh, "train-zh": train_zh, "shapes-flow": shapes_flow,
          "inside": inside, "explore": explore}


def small_png(png: bytes) -> bytes:
    """``png`` scaled to WIDTH pixels wide and compressed; palette colours only if that is needed to fit."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    height = round(image.height * WIDTH / image.width)
    image = image.resize((WIDTH, height), Image.Resampling.LANCZOS)
    for candidate in (image, image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)):
        out = io.BytesIO()
        candidate.save(out, format="PNG", optimize=True)
        if out.tell() <= MAX_BYTES:
            break
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument("--pages", default=",".join(VISITS), help="comma-separated pages to shoot")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.pages.split(",") if name.strip()]
    unknown = set(names) - set(VISITS)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    missing = harness.chromium_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    server = harness.start_server(timeout=60)
    playwright = sync_playwright().start()
    failures = 0
    try:
        browser = harness.launch_browser(playwright)
        warm = browser.new_page(viewport=VIEWPORT)
        harness.open_page(warm, server.url, "/", timeout=180)  # loads MNIST once, before the timed pages
        warm.close()
        for name in names:
            viewport = {**VIEWPORT, "height": TALL.get(name, VIEWPORT["height"])}
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            page.set_default_timeout(60_000)
            started = time.perf_counter()
            try:
                VISITS[name](page, server.url)
                page.add_style_tag(content=HIDE_TOOLBAR)
                page.mouse.move(VIEWPORT["width"] - 2, 2)  # no hover: Plotly's toolbar would cover the legend
                harness.wait_for_render(page)
                problems = harness.problems(page)
                png = small_png(page.screenshot())
            except Exception as error:  # noqa: BLE001 - report and go on with the other pages
                failures += 1
                print(f"{name}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
                continue
            finally:
                context.close()
            path = args.out / f"{name}.png"
            path.write_bytes(png)
            note = f"  PROBLEMS: {problems}" if problems else ""
            print(f"{path}: {len(png) / 1000:.0f} KB, "
                  f"{time.perf_counter() - started:.1f} s{note}")
            failures += bool(problems)
    finally:
        playwright.stop()
        server.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
