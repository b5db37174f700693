"""The public demo as a visitor's browser sees it: no developer toolbar, links shown as text, /overview.

Runs against the real server (``streamlit run app.py``, which reads
``.streamlit/config.toml``) in Debian's Chromium.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from tests.browser import harness

MARKDOWN_LINK = "[click me](http://evil.example/steal)"
HOSTILE_KEYS = {
    MARKDOWN_LINK: "1",
    "<img src=x onerror=alert(1)>": "2",
    "$\\frac{1}{0}$": "3",
    "www.evil.example": "4",
}
NOTICE = "[data-testid='stAlertContainer']"


def _notice(page):
    box = page.locator(NOTICE, has_text="link were not valid")
    box.wait_for()
    return box


def test_the_deploy_button_and_developer_menu_items_are_not_shown(page, warm_server):
    harness.open_page(page, warm_server.url, "/")
    page.locator("[data-testid='stToolbar']").wait_for(state="attached")  # the toolbar itself is there
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0
    page.locator("[data-testid='stMainMenuButton']").click()
    menu = page.locator("[data-testid='stMainMenuPopover']")
    menu.wait_for()
    items = menu.inner_text()
    assert "Print" in items or "Settings" in items, items  # the viewer's items are there...
    for developer_item in ("Deploy", "Rerun", "Clear cache"):
        assert developer_item not in items, items  # ...the developer's are not


def test_a_markdown_link_as_a_key_is_shown_as_text(page, warm_server):
    harness.open_page(page, warm_server.url, "/?" + urlencode({MARKDOWN_LINK: "1"}, quote_via=quote))
    shown = _notice(page).inner_text().replace("\N{WORD JOINER}", "")  # ui.text's invisible link breakers
    assert MARKDOWN_LINK in shown
    assert page.locator("a[href*='evil.example']").count() == 0
    assert harness.problems(page) == []


def test_hostile_keys_render_no_html_latex_or_link(page, warm_server):
    harness.open_page(page, warm_server.url, "/?" + urlencode(HOSTILE_KEYS, quote_via=quote))
    shown = _notice(page).inner_text().replace("\N{WORD JOINER}", "")
    for key in HOSTILE_KEYS:
        assert key in shown, (key, shown)
    assert page.locator(f"{NOTICE} img, {NOTICE} .katex, {NOTICE} a").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0


def _overview_shown(page) -> None:
    main = page.locator(harness.MAIN)
    main.get_by_text("The network").first.wait_for()
    active = page.locator("[data-testid='stSidebarNav'] [aria-current='page']")
    assert active.inner_text().strip().endswith("Overview")  # after its icon's name
    page.locator("[data-testid='stSidebar']").get_by_label("Preset", exact=True).wait_for()
    assert harness.problems(page) == []


def test_overview_opens_at_the_root_and_at_slash_overview(page, warm_server):
    harness.open_page(page, warm_server.url, "/")
    _overview_shown(page)
    harness.open_page(page, warm_server.url, "/overview?epochs=3&lang=en")
    page.wait_for_url(re.compile(r"/\?"))  # the alias switches to the root page, query kept
    harness.wait_for_idle(page)
    _overview_shown(page)
    assert "epochs=3" in page.url and "lang=en" in page.url
    assert page.locator(NOTICE, has_text="link were not valid").count() == 0
