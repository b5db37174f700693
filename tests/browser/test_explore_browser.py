"""The Explore page in a real browser: a 2×2 sweep fills in, a click explains a cell, My runs survive a reload.

Runs train in the server's worker processes on networks small enough to finish in about a second
(16 hidden units, 2,000 training images, one epoch).
"""

from __future__ import annotations

import re


from tests.browser import harness
from tests.browser.conftest import VIEWPORT

LINK = ("explore?preset=recommended&hidden=16&epochs=1&train_size=2000"
        "&sweep=learning_rate:0.05,0.5;batch_size:32,128&sampler=grid&seeds={seeds}&seed={seed}")
PARTLY_ENDLESS = ("explore?preset=recommended&hidden=16&train_size=2000&batch_size=32"
                  "&sweep=learning_rate:0.05,0.5;steps:300,1000000&sampler=grid&seeds=1&seed=10")
CELLS_JS = """
() => [...document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")].slice(0, 1)
  .flatMap(plot => [...plot.querySelectorAll('.annotation-text')].map(text => text.textContent))
"""


def heatmap_texts(page) -> list[str]:
    """What the first chart's cells write (their numbers, statuses and badges)."""
    return page.evaluate(CELLS_JS)


def measured(texts: list[str]) -> int:
    return sum(1 for text in texts if re.fullmatch(r"\d+\.\d%(± \d+\.\d)?", text.replace("\xa0", " ")))


def start(page, server, seeds: int = 1, seed: int = 0) -> None:
    harness.open_page(page, server.url, LINK.format(seeds=seeds, seed=seed), timeout=90)
    page.get_by_role("button", name=re.compile("Start the sweep")).click()


def test_a_2x2_sweep_fills_the_heatmap_in_cell_by_cell(page, server):
    # Half the grid trains 300 steps, the other half a million (until cancelled): whatever the machine's speed,
    # the page must show the quick cells measured while the others still run.
    harness.open_page(page, server.url, PARTLY_ENDLESS, timeout=90)
    page.get_by_role("button", name=re.compile("Start the sweep")).click()
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot .annotation-text")
    assert measured(heatmap_texts(page)) < 4
    page.wait_for_function(f"() => ({CELLS_JS})().filter(t => /^\\d+\\.\\d%$/.test(t)).length === 2", timeout=120_000)
    texts = heatmap_texts(page)
    assert measured(texts) == 2 and texts.count("running") == 2  # the endless cells, still training
    assert re.search(r"2 of 4 runs ended", page.locator(harness.MAIN).inner_text())
    assert harness.problems(page) == []
    harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    harness.full_page_screenshot(page, harness.SCREENSHOTS / "explore-filling-in.png")
    page.get_by_role("button", name=re.compile("Cancel the sweep")).click()
    page.get_by_text("This sweep was cancelled").first.wait_for(timeout=60_000)
    harness.wait_for_idle(page)
    assert measured(heatmap_texts(page)) == 2
    assert harness.problems(page) == []


def test_a_finished_sweep_explains_itself_and_a_click_explains_a_cell(page, server):
    start(page, server, seeds=2, seed=12)
    page.get_by_text("Why it wins").first.wait_for(timeout=180_000)
    harness.wait_for_idle(page)
    harness.wait_for_render(page)
    assert measured(heatmap_texts(page)) == 4
    body = page.locator(harness.MAIN).inner_text()
    assert re.search(r"Learning rate [\d.]+ beat [\d.]+ in \d of \d matched pairs", body)
    assert "Seeds of one point differ by" in body
    harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    harness.full_page_screenshot(page, harness.SCREENSHOTS / "explore-finished.png")
    plot = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    # The page position of cell (learning rate 0.5, batch size 128): x index 1, y index 1.
    where = plot.evaluate("(gd) => { const l = gd._fullLayout, box = gd.getBoundingClientRect();"
                          "  return [box.left + l.xaxis._offset + l.xaxis.d2p(1),"
                          "          box.top + l.yaxis._offset + l.yaxis.d2p(1)]; }")
    page.mouse.click(*where)
    # The panel under the chart explains the clicked point (it shows the first point until a click).
    page.wait_for_function(f"() => /Learning rate = 0\\.5, Batch size = 128 — (done|diverged)\\. Seeds: /"
                           f"  .test(document.querySelector(\"{harness.MAIN}\").innerText)", timeout=30_000)
    harness.wait_for_idle(page)
    assert harness.problems(page) == []


def test_my_runs_survive_a_reload_and_nobody_else_sees_them(browser, page, server):
    start(page, server, seed=13)
    page.get_by_text("Why it wins").first.wait_for(timeout=180_000)
    harness.wait_for_idle(page)
    page.reload(wait_until="domcontentloaded")
    harness.wait_for_app(page, 90)
    my_runs = page.locator("[data-testid='stDataFrame']")
    my_runs.first.wait_for()
    assert page.get_by_text("Set up a sweep above").count() == 1  # a new session: no sweep on screen...
    assert my_runs.count() == 1  # ...but My runs is back
    assert page.get_by_role("button", name=re.compile("Download all as CSV")).count() == 1
    stranger = browser.new_context(viewport=VIEWPORT)
    try:
        other = stranger.new_page()
        harness.open_page(other, server.url, LINK.format(seeds=1, seed=13), timeout=90)
        assert other.get_by_text("Nobody else sees them").count() == 1
        assert other.locator("[data-testid='stDataFrame']").count() == 0
    finally:
        stranger.close()


def test_the_explore_page_has_no_serious_accessibility_violations_and_fits_a_phone(browser, server):
    context = browser.new_context(viewport=harness.PHONE, has_touch=True, is_mobile=True)
    try:
        phone = context.new_page()
        phone.set_default_timeout(60_000)
        harness.open_page(phone, server.url, LINK.format(seeds=1, seed=14) + "&lang=en", timeout=90)
        harness.wait_for_render(phone)
        assert harness.problems(phone) == []
        assert harness.horizontal_overflow(phone) == 0
        assert harness.axe_violations(phone) == {}
    finally:
        context.close()
