"""Each visitor's language (English or Simplified Chinese) and the translator that goes with it.

Never ``gettext.install()``: that would set one language for every visitor of
the server. Instead :func:`_` looks up the language of the session it runs in
(``st.session_state``, so fragments and reruns agree) and translates with that
language's catalogue. Catalogues are the ``.po`` files under ``locale/``,
read with Babel and turned into gettext translations once per process.

Usage: ``_("Train both runs")`` or, with values, ``_("Step {step} of {total}", step=s, total=n)``:
placeholders are named and filled *after* translation, so a translator may move them.
Modules that import ``_`` never use ``_`` as a throwaway variable name.

Which language a visitor gets is decided once per session by
:func:`start_session`: ``?lang=zh`` / ``?lang=en`` in the link (so a shared
link keeps it), else the browser's language (``st.context.locale``), else
English. :func:`language_switch` lets the visitor change it and writes ``lang``
to the URL (``ui.state`` keeps that parameter when it rewrites the URL).
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

import streamlit as st
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ui import look

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "lang"  # both the session-state key and the URL's query parameter
SWITCH_KEY = "lang.switch"
# BCP 47 tags for <html lang>: screen readers pick their voice from it.
HTML_LANG = {"en": "en", "zh": "zh-Hans"}
# Shown in both languages, so a visitor who cannot read the current one still finds it.
SWITCH_LABEL = "Language · 语言"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


@functools.lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of ``language`` (English, or a missing catalogue: the messages themselves)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language() -> str:
    """This visitor's language code (``'en'`` until the app has chosen one)."""
    chosen = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _(message: str, **values: object) -> str:
    """``message`` in this visitor's language, with ``{name}`` placeholders filled from ``values``."""
    text = translations(language()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """The singular or plural form for ``n`` in this visitor's language; ``{n}`` and ``values`` are filled in."""
    text = translations(language()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def option_labels(options: Iterable[Hashable], label: Callable[[Hashable], str]) -> Callable[[Hashable], str]:
    """A widget's ``format_func``: each option's ``label(option)``, made now, in this visitor's language.

    Streamlit may call a ``format_func`` outside the script run (AppTest does, from the test's own
    thread, where no visitor and so no language is known), so the labels are made while the run knows
    who is reading. An option not among ``options`` shows as itself.
    """
    shown = {option: label(option) for option in options}
    return lambda option: shown.get(option, str(option))


def normalize_language(tag: str | None) -> str | None:
    """The supported language a tag names, or None: ``'zh-CN'``, ``'zh_Hans'``, ``'ZH'`` → ``'zh'``.

    Only the primary subtag counts, so every English and every Chinese
    variant maps to the one catalogue we have (Simplified Chinese).
    """
    if not tag:
        return None
    primary = str(tag).strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def choose_language(url_value: str | None, browser_locale: str | None) -> str:
    """The link's language if it names one we have, else the browser's, else English."""
    return normalize_language(url_value) or normalize_language(browser_locale) or DEFAULT_LANGUAGE


def start_session() -> str:
    """Decide this visitor's language once per session and return it (call first in every run).

    A link's ``lang`` that names a supported language is rewritten to its
    short code (``zh-CN`` → ``zh``); one that names no supported language is
    removed from the URL, so the link shows what the visitor actually gets.
    """
    if st.session_state.get(LANGUAGE_KEY) not in LANGUAGES:
        in_url = st.query_params.get(LANGUAGE_KEY)
        chosen = choose_language(in_url, st.context.locale)
        st.session_state[LANGUAGE_KEY] = chosen
        if in_url is not None:
            if normalize_language(in_url) is None:
                del st.query_params[LANGUAGE_KEY]
            elif in_url != chosen:
                st.query_params[LANGUAGE_KEY] = chosen
    return language()


def _on_switch() -> None:
    chosen = st.session_state[SWITCH_KEY]
    if chosen in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = chosen
        st.query_params[LANGUAGE_KEY] = chosen


def language_switch() -> None:
    """English / 中文 buttons at the top of the sidebar; a choice reruns the app in that language."""
    st.session_state[SWITCH_KEY] = language()
    with st.sidebar:
        st.segmented_control(SWITCH_LABEL, list(LANGUAGES), format_func=LANGUAGES.get, required=True,
                             key=SWITCH_KEY, on_change=_on_switch)


def mark_document_language() -> None:
    """Set ``<html lang>`` to this visitor's language, so a screen reader reads Chinese as Chinese."""
    code = HTML_LANG[language()]
    look.run_script(f"document.documentElement.lang = {code!r};", name="html-lang")
