"""Marking the core's visitor-facing text for translation, without translating it here.

The core never knows who is reading. Strings a visitor may see (field labels
and help texts, preset and experiment descriptions, messages) are wrapped in
:func:`N_`, which returns them unchanged but lets Babel's extractor find them;
the app translates them per visitor at display time (``ui.i18n._``).

A message with values travels as a template and its values (a
:class:`explainer.config.Notice`, an exception with ``template`` and ``values``,
or a ``(template, values)`` pair), so the app can translate the template and
fill the values in afterwards. Functions that build text (figures, the shape
story) take a ``translate`` callable instead: ``translate(template, **values)``
returns the message in the reader's language with its placeholders filled.
The app passes its per-visitor ``_``; the default :func:`same` keeps English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Translate = Callable[..., str]


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogues; returns it untranslated."""
    return message


def same(message: str, **values: Any) -> str:
    """The translator for English readers: ``message`` itself, its ``{placeholders}`` filled from ``values``.

    Like ``ui.i18n._``, a message given without values is returned as it is (braces and all).
    """
    return message.format(**values) if values else message


def is_message(value: Any) -> bool:
    """True for a message with values: an object with ``template`` and ``values``, or a (template, values) pair."""
    if isinstance(value, (tuple, list)):
        return len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], dict)
    return isinstance(getattr(value, "template", None), str) and isinstance(getattr(value, "values", None), dict)


def render(message: Any, translate: Translate = same) -> str:
    """``message`` in ``translate``'s language: a plain string, or a template with values.

    A value that is itself a message (e.g. the config error quoted inside a
    sweep's error) is rendered first, so every part is in the same language.
    """
    if not is_message(message):
        return translate(str(message))
    template, values = message if isinstance(message, (tuple, list)) else (message.template, message.values)
    return translate(template, **{name: render(value, translate) if is_message(value) else value
                                  for name, value in values.items()})
