"""Fixtures for the browser tests: the real app served by ``streamlit run``, and Debian's Chromium.

One server and one browser serve the whole session; every test gets a fresh
page (its own browser context, so its own Streamlit session). Without
Chromium the tests are skipped on a developer machine but fail in CI, where a
missing browser means the install step is broken.
"""

from __future__ import annotations

import os

import pytest

from tests.browser import harness

VIEWPORT = {"width": 1280, "height": 900}


def _require_chromium() -> None:
    reason = harness.chromium_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser tests cannot run, and CI must not skip them")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server():
    """The app, started once for the session on a free port (inherits ``MNIST_DIR``)."""
    _require_chromium()
    try:
        running = harness.start_server(timeout=60)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright's sync API."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = harness.launch_browser(playwright)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def warm_server(server, browser):
    """The session's server after one visit to '/', so MNIST is loaded before any test's timeout starts.

    (A deep link as the very first visit is tested on a server of its own.)
    """
    context = browser.new_context(viewport=VIEWPORT)
    try:
        harness.open_page(context.new_page(), server.url, "/", timeout=120)
    finally:
        context.close()
    return server


@pytest.fixture
def page(browser, warm_server, request):
    """A new tab in a new context; on failure its screenshot goes to artifacts/screenshots/failed-<test>.png."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            harness.full_page_screenshot(tab, harness.SCREENSHOTS / f"failed-{request.node.name}.png")
        except Exception as error:  # noqa: BLE001 - a failed test must not also fail its teardown
            print(f"no failure screenshot: {error}")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each test's call report on its item, so the page fixture knows whether it failed."""
    report = yield
    if report.when == "call":
        item.report_call = report
    return report

