"""What only a real browser can show: every page renders, charts draw, training streams, the canvas predicts.

The app runs under ``streamlit run`` (see conftest.py) and Chromium drives it
like a visitor. Screenshots land in artifacts/screenshots/ for a human to look
at; they are not compared with anything.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import harness

TITLES = {
    "overview": "How a NumPy network learns to read digits",
    "shapes": "Shapes: forward and backward",
    "train": "Train: decay vs no decay",
    "evaluate": "Evaluate",
    "draw": "Draw a digit",
    "seeds": "Seed tutorials",
}
# What each page shows as soon as it opens, besides text: Plotly charts that have data, the (still empty)
# curves chart, the batch's digit pictures, the drawing canvas, the presets table.
SHOWS = {"overview": "charts", "shapes": "pictures", "train": "empty chart", "evaluate": "charts",
         "draw": "canvas", "seeds": "table"}
VISIBLE = {"pictures": "[data-testid='stImage'] img, [data-testid='stPlotlyChart'] .main-svg",
           "canvas": harness.CANVAS, "table": "[data-testid='stDataFrame'] canvas"}
TRAIN_TIMEOUT = 90  # seconds; the tiny config below trains both runs in a few seconds
PREDICTION = re.compile(r"Prediction\D{0,40}(\d)")
STROKES = {
    "1": [(0.5, 0.15), (0.5, 0.85)],
    "7": [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)],
}


def screenshot(page, name: str) -> None:
    """A full-page screenshot in artifacts/screenshots/ (gitignored), for a human to look at."""
    harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    harness.full_page_screenshot(page, harness.SCREENSHOTS / f"{name}.png")


def assert_healthy(page, server) -> None:
    """No exception box, traceback, 'Page not found' or 'Something went wrong'; else show the server log."""
    found = harness.problems(page)
    assert not found, "\n".join(found) + "\n--- server log (tail) ---\n" + server.output()[-3000:]


def main_text(page) -> str:
    return page.locator(harness.MAIN).inner_text()


def rendered_charts(page) -> list[int]:
    """Number of traces in each Plotly chart on the page that has actually drawn its SVG."""
    return page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')]"
        "  .filter(plot => plot.querySelector('.main-svg'))"
        "  .map(plot => (plot.data || []).length)")


def trace_names(page) -> list[list[str]]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => (plot.data || []).map(t => t.name || ''))")


def test_a_shared_link_works_as_the_first_visit_to_a_fresh_server(browser):
    """A deep link opened before anyone visited '/' (a restarted server) still runs app.py and its sidebar."""
    fresh = harness.start_server(timeout=60)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        harness.open_page(page, fresh.url, "/shapes?preset=seed2-sgd-decay&hidden=32", timeout=90)
        assert_healthy(page, fresh)
        assert "784 → 32 → 10" in main_text(page)
    finally:
        context.close()
        fresh.stop()


@pytest.mark.parametrize("name", harness.PAGES)
def test_every_page_renders_without_errors(page, server, name):
    """Each page opens with its title, no error box and what it shows drawn (charts, canvas, table)."""
    harness.open_page(page, server.url, harness.PAGES[name], timeout=90)
    heading = page.locator(f"{harness.MAIN} h1").first
    heading.wait_for(state="visible")
    assert TITLES[name].lower() in heading.inner_text().lower()
    assert_healthy(page, server)
    shows = SHOWS[name]
    if shows in VISIBLE:
        page.locator(VISIBLE[shows]).first.wait_for(state="visible")
    else:
        page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot .main-svg")
        charts = rendered_charts(page)
        assert charts, "no Plotly chart was drawn"
        if shows == "charts":
            assert all(traces > 0 for traces in charts), f"Plotly charts without data: {charts}"
    if name == "shapes":  # the walkthrough draws its arrays as Plotly heatmaps from the second step on
        page.get_by_role("button", name="Next ▶").click()
        page.get_by_text("Step 2 of").first.wait_for()
        harness.wait_for_idle(page)
        page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot .main-svg")
        assert any(traces > 0 for traces in rendered_charts(page))
        assert_healthy(page, server)
    screenshot(page, name)


def test_training_shows_curves_of_both_runs(page, server):
    """A tiny comparison trains from the button; the chart then holds traces of run A and run B."""
    harness.open_page(page, server.url, "/train?preset=recommended&train_size=2000&epochs=2&hidden=32")
    harness.train_both_runs(page, timeout=TRAIN_TIMEOUT)
    assert_healthy(page, server)
    names = [name for chart in trace_names(page) for name in chart]
    assert any(name.startswith("A:") for name in names), names
    assert any(name.startswith("B:") for name in names), names
    accuracies = re.findall(r"Run [AB]: final validation accuracy\s*([\d.]+)%", main_text(page))
    assert len(accuracies) == 2 and all(float(value) > 50 for value in accuracies), accuracies
    screenshot(page, "train-finished")


@pytest.mark.parametrize("digit", ["1", "7"])
def test_drawing_a_digit_predicts_it(page, server, digit):
    """A mouse stroke on the canvas goes through the MNIST steps and the network, and is read right."""
    harness.open_page(page, server.url, "/draw")
    harness.draw_stroke(page, STROKES[digit])
    harness.wait_for_prediction(page)
    harness.wait_for_idle(page)
    assert_healthy(page, server)
    predicted = PREDICTION.search(main_text(page)).group(1)
    screenshot(page, f"draw-{digit}")
    assert predicted == digit


def test_shared_link_restores_its_config(page, server):
    """A link's preset and overrides land in the sidebar controls and in what the page shows."""
    harness.open_page(page, server.url, "/shapes?preset=seed2-sgd-decay&learning_rate=0.05&hidden=32,16")
    assert_healthy(page, server)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_label("Preset", exact=True).input_value().startswith("Seed 2")
    controls = sidebar.get_by_label("Learning rate", exact=True)
    if not controls.is_visible():
        sidebar.locator("[data-testid='stExpander'] summary", has_text="Network and training").click()
    # Just after the expander opens its inputs may still show their minimum for a moment: poll.
    expect(controls).to_have_value("0.05")
    expect(sidebar.get_by_label("Width of hidden layer 1", exact=True)).to_have_value("32")
    expect(sidebar.get_by_label("Width of hidden layer 2", exact=True)).to_have_value("16")
    assert "784 → 32 → 16 → 10" in main_text(page)
    assert "preset=seed2-sgd-decay" in page.url and "learning_rate=0.05" in page.url
    screenshot(page, "shared-link")


def test_a_broken_link_shows_a_notice(page, server):
    """Every bad value in a link is named in one warning; the page still works with defaults."""
    harness.open_page(page, server.url, "/?preset=nope&learning_rate=abc&hidden=-5")
    notice = page.locator("[data-testid='stAlertContentWarning']", has_text="not valid").first
    notice.wait_for(state="visible")
    for bad in ("nope", "learning_rate", "hidden"):
        assert bad in notice.inner_text(), f"{bad!r} not named in the notice: {notice.inner_text()}"
    assert_healthy(page, server)
    assert page.locator(f"{harness.MAIN} h1").first.is_visible()
    screenshot(page, "broken-link")
