"""Start the real app and a real Chromium, and wait for Streamlit the way a visitor would.

Shared by the browser tests (``tests/browser/conftest.py``) and the scripts
that drive the app in a browser (``scripts/readme_screenshots.py``,
``scripts/bench_app.py``). The last few helpers know one page each: the Train
page's button, the Draw page's canvas and its prediction.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"  # the tests' screenshots, for a human (gitignored)
CHROMIUM = Path("/usr/bin/chromium")
# Playwright starts Chromium with a fresh temporary profile itself (and refuses
# --user-data-dir in ``launch``), so no profile flag here.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Each page's URL path. Overview is st.navigation's default page, served at "/"; "/overview" is a
# hidden alias that switches to it (ui.frame.alias), so both open the Overview.
PAGES = {"overview": "overview", "shapes": "shapes", "train": "train", "evaluate": "evaluate", "draw": "draw",
         "seeds": "seeds"}
# Streamlit marks its root element with the script's state: initial -> running -> notRunning.
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"
APP_BUSY = "[data-testid='stApp'][data-test-script-state='running']"
CANVAS = "canvas.upper-canvas"
MAIN = "[data-testid='stMainBlockContainer']"  # the page's own content, without the sidebar
PREDICTION_SHOWN = f"() => /Prediction\\D{{0,40}}\\d/.test(document.querySelector(\"{MAIN}\")?.innerText ?? '')"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run app.py`` and where to reach it."""

    process: subprocess.Popen
    url: str
    log: IO[bytes]

    def output(self) -> str:
        """Everything the server wrote so far (stdout and stderr together); empty once stopped."""
        if self.log.closed:
            return ""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        """Terminate the server by its PID (kill it if it ignores that for 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()
            Path(self.log.name).unlink(missing_ok=True)


def start_server(timeout: float = 60, env: dict[str, str] | None = None) -> Server:
    """Run the app on a free local port and wait until its health check answers "ok".

    The server inherits this process's environment (so ``MNIST_DIR`` is used
    when set), plus ``env``. Raises RuntimeError with the server's output when it exits or
    is not healthy within ``timeout`` seconds.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})})
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.output()
            server.stop()
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return server
        except OSError:
            pass
        time.sleep(0.25)
    output = server.output()
    server.stop()
    raise RuntimeError(f"streamlit was not healthy after {timeout:.0f} s:\n{output}")


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None when Debian's Chromium is installed."""
    if not CHROMIUM.is_file():
        return f"Chromium missing at {CHROMIUM} (apt-get install chromium)"
    return None


def launch_browser(playwright):
    """Debian's Chromium, headless, through Playwright (which cannot download its own browser here)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def wait_for_app(page, timeout: float = 60) -> None:
    """Wait until the script run the page started has finished and the main area shows something.

    ``timeout`` is in seconds. Call right after ``page.goto``: the root element
    only says 'notRunning' once the first run ended.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout * 1000)
    page.wait_for_function(f"() => document.querySelector(\"{MAIN}\")?.innerText.trim().length > 0",
                           timeout=timeout * 1000)
    page.wait_for_selector("[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningIcon']",
                           state="detached", timeout=timeout * 1000)


def wait_for_idle(page, timeout: float = 60) -> None:
    """Wait for a script run that is known to have started (it already drew something) to end.

    After a click, wait for something the click changes first: the root element
    still says 'notRunning' until the rerun it asked for has begun.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout * 1000)


def open_page(page, base_url: str, path: str, timeout: float = 60) -> None:
    """Go to ``base_url/path`` (path may carry a query) and wait for the app to finish running."""
    page.goto(f"{base_url}/{path.lstrip('/')}", wait_until="domcontentloaded", timeout=timeout * 1000)
    wait_for_app(page, timeout)


def wait_for_render(page, timeout: float = 30) -> None:
    """Wait until what is on screen is drawn, then let layout settle.

    Streamlit loads Plotly and the table grid lazily and shows grey skeletons
    meanwhile; a chart counts once its SVG exists, a table once its canvas
    does. Charts in a closed expander, an inactive tab or outside the viewport
    do not count (they are drawn when shown).
    """
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stPlotlyChart'], [data-testid='stDataFrame'],"
        "                                     [data-testid='stSkeleton']\")]"
        "  .filter(element => {"
        "    const box = element.getBoundingClientRect();"
        "    return element.getClientRects().length && !element.closest('details:not([open])')"
        "      && box.bottom > 0 && box.top < window.innerHeight; })"
        "  .every(element => element.querySelector('.main-svg, canvas'))", timeout=timeout * 1000)
    page.wait_for_timeout(500)


def full_page_screenshot(page, path: str | Path, max_height: int = 12_000) -> None:
    """A screenshot of the whole page, not just the screen.

    Streamlit scrolls inside its main area, so Playwright's ``full_page`` only
    sees one screen: make the viewport as tall as the content, shoot, restore.
    """
    viewport = page.viewport_size
    height = page.evaluate(
        "() => Math.max(window.innerHeight, ...[...document.querySelectorAll("
        "  \"[data-testid='stMain'], [data-testid='stSidebarContent']\")].map(element => element.scrollHeight))")
    page.set_viewport_size({"width": viewport["width"], "height": min(int(height), max_height)})
    try:
        wait_for_render(page)
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(viewport)


def words(lang: str = "en"):
    """``_`` of the app for a visitor of language ``lang`` (the catalogue the server reads): to find a button or
    a text by the words that visitor sees, e.g. ``words("zh")("Train both runs")``."""
    from ui.i18n import translations

    catalogue = translations(lang)
    return lambda message, **values: (catalogue.gettext(message).format(**values) if values
                                      else catalogue.gettext(message))


def _guarded_box_words() -> list[str]:
    """The fixed words of ui.errors.guarded's box in every language (its longest piece between placeholders)."""
    from ui import errors, i18n

    return [max(re.split(r"\{\w+\}", words(lang)(errors.MESSAGE)), key=len).strip() for lang in i18n.LANGUAGES]


def problems(page) -> list[str]:
    """Exception boxes, tracebacks, 'Page not found' and the app's own 'Something went wrong' boxes (any language)."""
    found = []
    for dialog in page.locator("[role='dialog']", has_text="Page not found").all():
        found.append("dialog: " + dialog.inner_text()[:300])
    for box in page.locator("[data-testid='stException']").all():
        found.append("exception box: " + box.inner_text()[:500])
    body = page.locator("body").inner_text()
    if "Traceback" in body:
        start = body.index("Traceback")
        found.append("traceback text: " + body[start:start + 500])
    guarded_words = _guarded_box_words()
    for box in page.locator("[data-testid='stAlertContentError']").all():
        text = box.inner_text()
        if any(fixed in text for fixed in guarded_words):
            found.append("error box: " + text[:500])
    return found


def draw_stroke(page, points: list[tuple[float, float]], steps: int = 20) -> None:
    """Drag the mouse through ``points`` on the Draw page's canvas (fractions of its width and height).

    streamlit-drawable-canvas 0.13 is a v2 component drawn in the page inside
    an open shadow root, which Playwright's CSS selectors pierce.
    """
    box = canvas_box(page)
    x, y = (box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
    page.mouse.move(x, y)
    page.mouse.down()
    for fx, fy in points[1:]:
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=steps)
    page.mouse.up()


def canvas_box(page, timeout: float = 30) -> dict[str, float]:
    """The Draw page canvas' bounding box in page pixels (scrolled into view first)."""
    canvas = page.locator(CANVAS).first
    canvas.wait_for(state="visible", timeout=timeout * 1000)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    if box is None:
        raise RuntimeError("the drawing canvas has no bounding box (not displayed?)")
    return box


def train_both_runs(page, timeout: float = 90, lang: str = "en") -> None:
    """On the Train page: press 'Train both runs' and wait until both runs have finished (words of ``lang``)."""
    say = words(lang)
    page.get_by_role("button", name=re.compile(re.escape(say("Train both runs")))).click()
    page.get_by_text(say("Run {letter}: final validation accuracy", letter="B")).first.wait_for(timeout=timeout * 1000)
    wait_for_idle(page, timeout=timeout)


def wait_for_prediction(page, timeout: float = 30) -> None:
    """On the Draw page: wait until 'Prediction: <digit>' is shown."""
    page.wait_for_function(PREDICTION_SHOWN, timeout=timeout * 1000)


# --- phones, touch and accessibility (tests/browser/test_reach.py) -------------------------------

PHONE = {"width": 390, "height": 844}  # a common phone screen in CSS pixels
SERIOUS = ("serious", "critical")  # the axe-core impacts the app must have none of


def axe_violations(page, impacts: tuple[str, ...] = SERIOUS) -> dict[str, list[str]]:
    """axe-core's violations of the page as it is now: rule id → the offending elements (CSS selectors).

    axe-core is the copy bundled with axe-playwright-python, injected into the
    page; it checks open shadow roots too. Only violations of ``impacts`` count.
    """
    from axe_playwright_python.sync_playwright import Axe

    found: dict[str, list[str]] = {}
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in impacts:
            found[violation["id"]] = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    return found


def horizontal_overflow(page) -> int:
    """By how many CSS pixels the page or its main area is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "() => { const main = document.querySelector(\"[data-testid='stMain']\");"
        "  return Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        "                  main ? main.scrollWidth - main.clientWidth : 0, 0); }")


def touch_stroke(page, points: list[tuple[float, float]], steps: int = 10) -> None:
    """Draw with a finger through ``points`` (fractions of the canvas) using Chromium's touch events.

    Sent through the DevTools protocol (``Input.dispatchTouchEvent``), as a
    touch screen would: no mouse, so nothing ever hovers before the finger lands.
    The page's context must be created with ``has_touch=True``.
    """
    box = canvas_box(page)
    where = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": where[0][0], "y": where[0][1]}]})
        for (x0, y0), (x1, y1) in zip(where, where[1:]):
            for step in range(1, steps + 1):
                t = step / steps
                cdp.send("Input.dispatchTouchEvent",
                         {"type": "touchMove", "touchPoints": [{"x": x0 + t * (x1 - x0), "y": y0 + t * (y1 - y0)}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()
