"""Each visitor's language (English or Simplified Chinese) and the translator that goes with it.

Never ``gettext.install()``: that would set one language for every visitor of
the server. Instead :func:`_` looks up the language of the session it runs in
(``st.session_state``, so fragments and reruns agree) and translates with that
language's catalogue. Catalogues are the ``.po`` files under ``locale/``,
read with Babel and turned into gettext translations once per process.

Usage: ``_("Train both runs")`` or, with values, ``_("Step {step} of {total}", step=s, total=n)``:
placeholders are named and filled *after* translation, so a translator may move them.
Modules that import ``_`` never use ``_`` as a throwaway variable name.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

import streamlit as st
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "lang"
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
