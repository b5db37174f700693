"""A Chinese visitor in a real browser: the pages, the navigation and the charts speak Chinese.

The same checker as the AppTest checks (``tests/language_check.py``) reads the
main area's visible text, formulas and code hidden, charts included, and finds
no English sentence in it. Like those checks, this one needs the Chinese
catalogue complete (``python scripts/i18n.py check``).
"""

from __future__ import annotations

from tests.browser import harness
from tests.language_check import chinese_characters, english_runs

HIDE_FORMULAS = ".katex, code { display: none !important; }"  # KaTeX's text is the formula's symbols


def visible_text(page, selector: str) -> str:
    """What a visitor reads in ``selector``: its rendered text with formulas and code spans hidden."""
    style = page.add_style_tag(content=HIDE_FORMULAS)
    try:
        return page.locator(selector).first.inner_text()
    finally:
        style.evaluate("element => element.remove()")


def english_sentences(text: str) -> list[str]:
    return [f"{line.strip()[:160]!r} -> {runs}" for line in text.splitlines() for runs in [english_runs(line)] if runs]


def assert_chinese(page, where: str) -> None:
    assert not harness.problems(page), harness.problems(page)
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")  # set by a page script (ui.i18n)
    main = visible_text(page, harness.MAIN)
    assert chinese_characters(main), f"{where}: no Chinese in the main area"
    found = english_sentences(main)
    assert not found, f"{where}: English left in the main area:\n" + "\n".join(found)
    navigation = visible_text(page, "[data-testid='stSidebarNav']")
    assert chinese_characters(navigation) and not english_sentences(navigation), navigation


def test_the_overview_in_chinese_has_no_english_sentence(page, warm_server):
    harness.open_page(page, warm_server.url, "/?lang=zh")
    harness.wait_for_render(page)
    assert_chinese(page, "Overview")
    assert chinese_characters(page.title())  # the browser tab too


def test_a_chinese_training_run_from_a_shared_link_has_no_english_sentence(page, warm_server):
    harness.open_page(page, warm_server.url, "/train?lang=zh&preset=seed2-sgd-decay")
    assert_chinese(page, "Train, before training")
    harness.train_both_runs(page, timeout=180, lang="zh")
    harness.wait_for_render(page)
    assert_chinese(page, "Train, after training")  # the charts' titles, axes and legends included
