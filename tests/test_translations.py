"""Every page in both languages: Chinese with no English sentence left, English with no Chinese, both catalogues whole.

The checks read what a visitor reads (``tests/language_check.py``): every page
is rendered in Chinese for every preset (chosen in the sidebar, as a visitor
would), and again after what a visitor does next there (training, a gradient
check, a test digit, a sweep); every title, text, label, help text, option,
table header and cell, metric and chart title, axis and legend is searched for
a run of three or more English words once formulas, code, numbers, shapes,
identifiers and proper names are taken out.

These checks need the Chinese catalogue complete (``python scripts/i18n.py
check``): until every message is translated, a message without a translation
shows in English and the Chinese checks fail, naming it.
"""

from __future__ import annotations

import time

import pytest

from explainer.presets import PRESETS
from scripts import i18n as tool
from tests.apptest_support import clear_caches, new_app
from tests.language_check import chinese_characters, english_runs, visible_texts
from tests.test_page_explore import GRID, run_to_the_end
from tests.test_page_train import SMALL
from ui import i18n, training

PAGES = {
    "Overview": "pages/overview.py", "Shapes": "pages/shapes.py", "Train": "pages/train.py",
    "Evaluate": "pages/evaluate.py", "Draw": "pages/draw.py", "Seeds": "pages/seeds.py",
    "Explore": "pages/explore.py", "Glossary": "pages/glossary.py",
}
DEFAULT_PRESET = "recommended"
# Chinese an English page may show: the language switch names its languages in both, and the glossary
# is bilingual by design (its title is "Glossary · 术语表" wherever it is linked).
BILINGUAL = ("Language · 语言", "中文", "Glossary · 术语表")


def open_page(page: str, lang: str):
    at = new_app({"lang": lang})
    at.switch_page(PAGES[page])
    at.run()
    return at


def assert_rendered(at, where: str) -> None:
    """No exception, and no error box (the app's own 'Something went wrong' included)."""
    assert not at.exception, f"{where}: {at.exception}"
    assert not at.error, f"{where}: {[error.value for error in at.error]}"


def english_left(at) -> list[str]:
    """Each visible text that still holds an English sentence, with the sentence found."""
    return [f"{kind}: {text[:200]!r} -> {runs}" for kind, text in visible_texts(at)
            for runs in [english_runs(text)] if runs]


# --- Chinese: every page, every preset -----------------------------------------------------------

@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_in_chinese_for_every_preset_with_no_english_sentence(page):
    at = open_page(page, "zh")
    assert at.session_state["lang"] == "zh"
    leftovers = {}
    for preset in [DEFAULT_PRESET, *(name for name in PRESETS if name != DEFAULT_PRESET)]:
        if preset != DEFAULT_PRESET:
            at.sidebar.selectbox(key="preset").set_value(preset).run()
        where = f"{page} page, preset {preset}"
        assert_rendered(at, where)
        assert at.title, where
        found = english_left(at)
        if found:
            leftovers[where] = found
    assert not leftovers, "English left in Chinese pages:\n" + "\n".join(
        f"[{where}]\n  " + "\n  ".join(lines) for where, lines in leftovers.items())


# --- Chinese: what a visitor does next ----------------------------------------------------------

def _train(at) -> None:
    at.sidebar.slider(key="cfg.layers").set_value(1).run()
    for key, value in SMALL.items():
        at.sidebar.number_input(key=key).set_value(value)
    at.run()
    at.button(key="train.start").click().run()
    deadline = time.monotonic() + 120
    while at.session_state[training.COMPARISON_KEY].going:  # as the live fragment would rerun
        assert time.monotonic() < deadline, "the runs did not finish"
        time.sleep(0.2)
        at.run()
    at.run()


def _check_gradients_and_step_backward(at) -> None:
    at.button(key="shapes.run_gradcheck").click().run()
    at.button(key="shapes.phase.backward").click().run()


def _sweep(at) -> None:
    at.button(key="explore.start").click().run()
    run_to_the_end(at)


@pytest.mark.parametrize("page, query, act", [
    ("Train", {}, _train),
    ("Shapes", {}, _check_gradients_and_step_backward),
    ("Draw", {}, lambda at: at.button(key="draw.random").click().run()),
    ("Explore", {key: value for key, value in GRID.items() if key != "lang"}, _sweep),
], ids=["train both runs", "gradient check", "random test digit", "a finished sweep"])
def test_what_a_visitor_does_next_is_in_chinese_too(page, query, act):
    clear_caches()
    at = new_app({**query, "lang": "zh"})
    at.run()
    at.switch_page(PAGES[page]).run()
    act(at)
    assert_rendered(at, page)
    found = english_left(at)
    assert not found, f"English left on the {page} page:\n" + "\n".join(found)


def test_a_broken_link_is_explained_in_chinese():
    """The sidebar's notices about a link's bad values: the core's reasons are translated too."""
    at = new_app({"lang": "zh", "epochs": "abc", "seed": str(10**40), "mystery": "1", "preset": "nope"})
    at.run()
    assert_rendered(at, "a broken link")
    notice = at.warning[0].value
    assert chinese_characters(notice) and not english_runs(notice), notice
    assert "epochs" in notice and "mystery" in notice  # the link's own keys are quoted as they are


def test_sidebar_labels_help_texts_and_choices_are_chinese():
    at = open_page("Overview", "zh")
    activation = at.sidebar.selectbox(key="cfg.activation")
    assert chinese_characters(activation.label) and chinese_characters(activation.help)
    loss = at.sidebar.selectbox(key="cfg.loss")
    assert "交叉熵" in " ".join(loss.options)
    assert loss.value == "cross_entropy"  # the value stays the identifier the URL carries
    assert chinese_characters(at.sidebar.selectbox(key="preset").label)


# --- English: no Chinese outside the language switch and the glossary ----------------------------

@pytest.mark.parametrize("page", [name for name in PAGES if name != "Glossary"])
def test_english_pages_show_no_chinese(page):
    at = open_page(page, "en")
    assert_rendered(at, f"{page} page")
    found = []
    for kind, text in visible_texts(at):
        for bilingual in BILINGUAL:
            text = text.replace(bilingual, "")
        if chinese_characters(text):
            found.append(f"{kind}: {text[:200]!r}")
    assert not found, "Chinese in an English page:\n" + "\n".join(found)


# --- the catalogues -------------------------------------------------------------------------------

def test_both_catalogues_hold_every_message_and_the_chinese_one_translates_all_of_them():
    """``python scripts/i18n.py check``: template in step with the code, every message in both
    catalogues, every Chinese translation present, not fuzzy, with exactly its message's placeholders."""
    problems = tool.check()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def test_every_config_label_and_help_text_is_marked_for_translation():
    from explainer.config import FIELDS

    marked = {message.id for message in tool.extract() if message.id}
    for field in FIELDS.values():
        assert field.label in marked and field.help in marked, field.name


def test_the_checker_finds_english_sentences_but_not_names_formulas_or_numbers():
    assert english_runs("Train both runs") == ["Train both runs"]
    assert english_runs("数据：full MNIST from a public mirror") != []
    for fine in ("训练 A 和 B", "**运行 A**：relu（ReLU），学习率 0.1", "用 $\\eta_t = \\eta\\,\\beta^{t}$ 衰减",
                 "784×128 的 W1", "activation 必须是 relu, leaky_relu, sigmoid, tanh 之一",
                 "TPE（Optuna 的树结构 Parzen 估计器）", "用 `explainer.persistence` 载入 .npz",
                 "‖num − bp‖ / (‖num‖ + ‖bp‖)", "Language · 语言"):
        assert english_runs(fine) == [], fine
    assert chinese_characters("Glossary · 术语表") == "术语表"
    assert i18n.LANGUAGES["zh"] == "中文"
