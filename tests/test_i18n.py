"""Each visitor's language: from the link, else the browser, else English; a switch; never shared between visitors.

Also the glossary (EN ↔ 中文 in the seeds' words) and the catalogue tooling
(``scripts/i18n.py``): extraction finds the marked text of every layer, and
``check`` catches what a translator can get wrong. That every message is
translated, and that the pages show it, is checked in ``tests/test_translations.py``.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from scripts import i18n as tool
from tests.apptest_support import new_app
from ui import glossary, i18n

ROOT = Path(__file__).resolve().parent.parent
SEEDS_VOCABULARY = ("前向传播", "反向传播", "学习率", "指数衰减", "正则化", "归一化", "标准化", "交叉熵", "梯度检验")
GLOSSARY_ZH_TITLE = "术语表 · Glossary"  # the Chinese catalogue's translation of "Glossary · 术语表"


def run_app(query: dict[str, str] | None = None, locale: str | None = None, page: str | None = None):
    at = new_app(query)
    if locale is not None:
        at.context["locale"] = locale
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def glossary_page(query=None, locale=None):
    return run_app(query, locale, page="pages/glossary.py")


# --- choosing the language -----------------------------------------------------------------------

@pytest.mark.parametrize("tag, expected", [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH-tw", "zh"), ("en", "en"), ("en-GB", "en"),
    ("fr-FR", None), ("", None), (None, None), ("zhx", None)])
def test_a_language_tag_names_one_of_our_catalogues_or_none(tag, expected):
    assert i18n.normalize_language(tag) == expected


@pytest.mark.parametrize("url, browser, expected", [
    ("zh", "en-US", "zh"),  # the link wins over the browser
    ("en", "zh-CN", "en"),
    (None, "zh-CN", "zh"),  # no link: the browser's language
    ("fr", "zh-TW", "zh"),  # a language we do not have in the link: the browser's
    (None, "de-DE", "en"),  # neither: English
    (None, None, "en")])
def test_the_link_then_the_browser_then_english(url, browser, expected):
    assert i18n.choose_language(url, browser) == expected


def test_lang_zh_in_the_link_gives_chinese_and_says_so_to_the_browser():
    at = glossary_page({"lang": "zh"}, locale="en-US")
    assert at.session_state["lang"] == "zh"
    assert at.title[0].value == GLOSSARY_ZH_TITLE
    assert at.sidebar.button_group(key=i18n.SWITCH_KEY).value == "zh"
    assert any("documentElement.lang = 'zh-Hans'" in html.proto.body for html in at.get("html"))


def test_the_browser_language_is_used_when_the_link_has_none():
    at = glossary_page(locale="zh-CN")
    assert at.session_state["lang"] == "zh"
    assert at.title[0].value == GLOSSARY_ZH_TITLE
    assert "lang" not in at.query_params  # only a link or the switch puts it in the URL


def test_english_when_neither_link_nor_browser_names_a_language_we_have():
    at = glossary_page(locale="de-DE")
    assert at.session_state["lang"] == "en"
    assert at.title[0].value == "Glossary · 术语表"
    assert any("documentElement.lang = 'en'" in html.proto.body for html in at.get("html"))


def test_a_link_with_an_unknown_language_falls_back_and_the_url_stops_claiming_it():
    at = run_app({"lang": "fr"}, locale="zh-TW")
    assert at.session_state["lang"] == "zh"
    assert "lang" not in at.query_params


def test_a_regional_tag_in_the_link_is_kept_as_our_code():
    at = run_app({"lang": "zh-CN"})
    assert at.session_state["lang"] == "zh"
    assert at.query_params["lang"] == "zh"


def test_the_switch_changes_the_language_and_writes_it_to_the_url():
    at = glossary_page(locale="en-US")
    assert at.title[0].value == "Glossary · 术语表"
    at.sidebar.button_group(key=i18n.SWITCH_KEY).set_value("zh").run()
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "zh"
    assert at.query_params["lang"] == "zh"
    assert at.title[0].value == GLOSSARY_ZH_TITLE
    assert "preset" in at.query_params  # the rest of the link is kept
    at.sidebar.button_group(key=i18n.SWITCH_KEY).set_value("en").run()
    assert at.title[0].value == "Glossary · 术语表" and at.query_params["lang"] == "en"


def test_the_language_is_decided_once_per_session():
    at = glossary_page(locale="zh-CN")
    at.context["locale"] = "en-US"  # the browser changes its mind: this session keeps its language
    at.run()
    assert at.session_state["lang"] == "zh"


def test_two_visitors_at_once_each_keep_their_own_language():
    """Never a process-wide translation: runs of two sessions interleave and neither leaks into the other."""
    chinese = glossary_page({"lang": "zh"})
    english = glossary_page({"lang": "en"})
    chinese.run()
    english.sidebar.button_group(key=i18n.SWITCH_KEY).set_value("en").run()
    chinese.run()
    assert chinese.title[0].value == GLOSSARY_ZH_TITLE
    assert english.title[0].value == "Glossary · 术语表"
    assert (chinese.session_state["lang"], english.session_state["lang"]) == ("zh", "en")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", ["pages/overview.py", "pages/evaluate.py", "pages/draw.py", "pages/glossary.py"])
def test_overview_evaluate_draw_and_glossary_render_in_both_languages(lang, page):
    at = run_app({"lang": lang}, page=page)
    assert not at.error, [e.value for e in at.error]
    assert at.title


# --- the glossary --------------------------------------------------------------------------------

def test_every_glossary_term_has_both_languages_and_a_meaning_in_each():
    assert len(glossary.TERMS) >= 30
    for term in glossary.TERMS:
        assert term.english and term.chinese and term.meaning_en and term.meaning_zh, term
        assert any("\u4e00" <= ch <= "\u9fff" for ch in term.meaning_zh), term.english
    assert len({term.english for term in glossary.TERMS}) == len(glossary.TERMS)


def test_the_glossary_uses_the_seeds_vocabulary():
    chinese = " ".join(term.chinese for term in glossary.TERMS)
    missing = [word for word in SEEDS_VOCABULARY if word not in chinese]
    assert not missing
    seeds = " ".join(path.read_text(errors="replace") for path in (ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if seeds:  # the seeds themselves use these words (they sit beside the repo in development and CI)
        assert all(word in seeds for word in ("反向传播", "学习率", "交叉熵", "正则化", "归一化", "标准化"))


@pytest.mark.parametrize("lang, meaning_column, sample", [
    ("en", "Meaning", "chain rule"), ("zh", "含义", "链式法则")])
def test_the_glossary_page_shows_every_term_with_the_meaning_in_the_visitors_language(lang, meaning_column, sample):
    at = glossary_page({"lang": lang})
    table = at.table[0].value
    assert len(table) == len(glossary.TERMS)
    assert list(table.columns) == ["中文", meaning_column]
    assert table.index.name == "English"
    meanings = " ".join(table[meaning_column])
    has_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in meanings)
    assert has_chinese == (lang == "zh")
    assert sample in " ".join(table.index) + " ".join(table["中文"])


def test_the_glossary_filter_finds_a_term_in_either_language():
    at = glossary_page({"lang": "en"})
    at.text_input(key="glossary.filter").set_value("梯度").run()
    found = at.table[0].value
    assert 0 < len(found) < len(glossary.TERMS)
    assert "gradient check" in found.index
    at.text_input(key="glossary.filter").set_value("learning rate").run()
    assert "learning rate" in at.table[0].value.index
    at.text_input(key="glossary.filter").set_value("no such word").run()
    assert not at.table and any("No term" in info.value for info in at.info)


# --- the catalogues and their tooling ------------------------------------------------------------

def test_the_tool_and_the_app_know_the_same_languages():
    assert set(tool.LANGUAGES) == set(i18n.LANGUAGES)
    for language in tool.LANGUAGES:
        assert tool.catalogue_path(language).is_file(), language
    assert tool.TEMPLATE.is_file()


def test_extraction_finds_marked_text_in_every_layer():
    found = {message.id: {path for path, _line in message.locations} for message in tool.extract() if message.id}
    files = {path for paths in found.values() for path in paths}
    assert "app.py" in files  # i18n._("Glossary · 术语表") in the router
    assert any(path.startswith("pages/") for path in files)
    assert any(path.startswith("ui/") for path in files)
    assert any(path.startswith("explainer/") for path in files)  # N_() in the core
    assert ("{count} epoch", "{count} epochs") in found  # ngettext's two forms


@pytest.mark.parametrize("text, names", [
    ("Step {step} of {total}", {"step", "total"}), ("{count:,} images", {"count"}), ("{p:.1%} sure", {"p"}),
    ("{{literal}} braces and {name!r}", {"name"}), ("no placeholders, 100%", set())])
def test_placeholders_are_read_like_str_format_reads_them(text, names):
    assert tool.placeholders(text) == names


@pytest.fixture
def tiny_project(tmp_path):
    """A project of one module with three messages, extracted and updated into fresh catalogues."""
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "page.py").write_text(textwrap.dedent('''
        from ui.i18n import _, ngettext
        _("Hello {name}", name="you")
        _("Train both runs")
        ngettext("{n} run", "{n} runs", 2)
    '''))
    shutil.copy(tool.MAPPING, tmp_path / "babel.cfg")
    locale = tmp_path / "locale"
    template = tool.extract(tmp_path, tmp_path / "babel.cfg")
    tool._write(template, locale / "messages.pot")
    tool.update(template, locale)
    return tmp_path, locale


def translate(locale: Path, language: str, strings: dict) -> None:
    path = tool.catalogue_path(language, locale)
    catalog = tool._read(path, language)
    for msgid, text in strings.items():
        catalog[msgid].string = text
    tool._write(catalog, path)


def test_check_passes_only_when_everything_is_translated(tiny_project):
    root, locale = tiny_project
    found = tool.check(root, locale)
    assert len(found) == 3 and all(line.startswith("zh: untranslated") for line in found)  # English may stay empty
    translate(locale, "zh", {"Hello {name}": "你好，{name}", "Train both runs": "训练两次",
                             ("{n} run", "{n} runs"): ("{n} 次运行",)})
    assert tool.check(root, locale) == []


def test_check_catches_a_lost_placeholder_new_code_and_a_missing_catalogue(tiny_project):
    root, locale = tiny_project
    translate(locale, "zh", {"Hello {name}": "你好", "Train both runs": "训练两次",
                             ("{n} run", "{n} runs"): ("{count} 次运行",)})
    found = tool.check(root, locale)
    assert any("placeholders [] instead of ['name']" in line for line in found)
    assert any("placeholders ['count'] instead of ['n']" in line for line in found)
    (root / "ui" / "more.py").write_text('from ui.i18n import _\n_("A new sentence")\n')
    tool.catalogue_path("en", locale).unlink()
    found = tool.check(root, locale)
    assert any("messages.pot lacks 'A new sentence'" in line for line in found)
    assert "en: no catalogue (run: python scripts/i18n.py update)" in found


def test_merge_fills_the_chinese_catalogue_from_json_but_never_a_broken_translation(tiny_project, tmp_path):
    root, locale = tiny_project
    first, second = tmp_path / "core.json", tmp_path / "ui.json"
    first.write_text(json.dumps({"Hello {name}": "你好", "Train both runs": "训练"}), encoding="utf-8")
    second.write_text(json.dumps({"Train both runs": "训练两次", "{n} run": "{n} 次运行", "Gone": "没了"}),
                      encoding="utf-8")
    filled, unknown = tool.merge("zh", [first, second], locale)
    assert (filled, unknown) == (2, ["Gone"])  # "你好" lost {name}: not merged
    found = tool.check(root, locale)
    assert found == ["zh: untranslated 'Hello {name}'"] or (len(found) == 1 and "Hello {name}" in found[0])
    catalog = tool._read(tool.catalogue_path("zh", locale), "zh")
    assert catalog.get("Train both runs").string == "训练两次" and catalog.get("{n} run").string[0] == "{n} 次运行"
