"""Training as shared jobs, in a real browser against a real server with real worker processes.

The server writes one JSON line per job event (``EXPLAINER_JOB_LOG``), which is how these tests know
what the job manager did: trained, joined, or cancelled.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.browser import harness
from tests.browser.conftest import VIEWPORT

MEDIUM = "train?preset=recommended&hidden=128&epochs=6&train_size=30000&seed={seed}"
ENDLESS = "train?preset=recommended&hidden=16&steps=1000000&batch_size=8&seed={seed}"


@pytest.fixture(scope="module")
def job_server(browser, tmp_path_factory):
    """A server of this module's own, logging job events to a file."""
    log = tmp_path_factory.mktemp("jobs") / "jobs.jsonl"
    try:
        server = harness.start_server(timeout=60, env={"EXPLAINER_JOB_LOG": str(log)})
    except RuntimeError as error:
        pytest.fail(str(error))
    context = browser.new_context(viewport=VIEWPORT)
    harness.open_page(context.new_page(), server.url, "/", timeout=120)  # MNIST read before the timed parts
    context.close()
    server.job_log = log
    yield server
    server.stop()


def events(server, seed: int) -> list[dict]:
    """The job events of the runs whose config has this seed."""
    path = Path(server.job_log)
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line for line in lines if json.loads(line["key"])["seed"] == seed]


def count(server, seed: int, event: str) -> int:
    return sum(1 for line in events(server, seed) if line["event"] == event)


def tab(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def press_train(page) -> None:
    page.get_by_role("button", name=re.compile("Train both runs")).click()


def test_training_goes_on_while_the_visitor_visits_another_page(browser, job_server):
    context, page = tab(browser)
    harness.open_page(page, job_server.url, MEDIUM.format(seed=101))
    press_train(page)
    page.get_by_text(re.compile(r"Run A: step [\d,]+ of")).first.wait_for()
    page.get_by_role("link", name=re.compile("Evaluate")).click()
    page.get_by_role("heading", name=re.compile("Evaluate")).first.wait_for()
    harness.wait_for_idle(page)
    assert harness.problems(page) == []
    page.wait_for_timeout(1500)
    page.get_by_role("link", name=re.compile("Train")).first.click()
    page.get_by_text("Run B: final validation accuracy").first.wait_for(timeout=120_000)
    harness.wait_for_idle(page)
    assert harness.problems(page) == []
    assert count(job_server, 101, "computed") == 2  # both runs went to their end, once each
    assert count(job_server, 101, "cancelled") == 0
    harness.full_page_screenshot(page, harness.SCREENSHOTS / "jobs-after-visiting-evaluate.png")
    context.close()


def test_two_tabs_on_one_config_share_one_job(browser, job_server):
    first_context, first = tab(browser)
    second_context, second = tab(browser)
    for page in (first, second):
        harness.open_page(page, job_server.url, MEDIUM.format(seed=202))
    press_train(first)
    first.get_by_text(re.compile(r"Run A: step [\d,]+ of")).first.wait_for()
    press_train(second)
    for page in (first, second):
        page.get_by_text("Run B: final validation accuracy").first.wait_for(timeout=120_000)
        harness.wait_for_idle(page)
        assert harness.problems(page) == []
    assert count(job_server, 202, "computed") == 2  # A and B trained once, for both tabs
    assert count(job_server, 202, "joined") + count(job_server, 202, "cached") == 2
    accuracies = [page.locator("[data-testid='stMetricValue']").all_inner_texts() for page in (first, second)]
    assert accuracies[0] == accuracies[1] and len(accuracies[0]) == 2
    first_context.close()
    second_context.close()


def test_closing_the_tab_cancels_its_runs(browser, job_server):
    context, page = tab(browser)
    harness.open_page(page, job_server.url, ENDLESS.format(seed=303))
    press_train(page)
    page.get_by_text(re.compile(r"Run A: step [\d,]+ of")).first.wait_for()
    page.wait_for_timeout(500)
    closed = time.monotonic()
    context.close()
    while count(job_server, 303, "cancelled") < 2:
        assert time.monotonic() - closed < 10, "the runs of a closed tab were not cancelled"
        time.sleep(0.05)
    print(f"cancelled {time.monotonic() - closed:.2f} s after the tab closed")
    assert count(job_server, 303, "computed") == 0


def test_stop_is_explicit_and_keeps_what_was_trained(browser, job_server):
    context, page = tab(browser)
    harness.open_page(page, job_server.url, ENDLESS.format(seed=404))
    press_train(page)
    page.get_by_text(re.compile(r"Run A: step [\d,]+ of")).first.wait_for()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name=re.compile("Stop training")).click()
    page.get_by_text(re.compile("was stopped after")).first.wait_for(timeout=30_000)
    harness.wait_for_idle(page)
    assert harness.problems(page) == []
    # The results are drawn by the full rerun the live view asks for once both runs have ended.
    page.get_by_role("button", name=re.compile("Download run A's model")).wait_for(timeout=30_000)
    assert count(job_server, 404, "cancelled") == 2
    context.close()
