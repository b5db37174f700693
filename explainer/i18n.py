"""Marking the core's visitor-facing text for translation, without translating it here.

The core never knows who is reading. Strings a visitor may see (field labels
and help texts, preset and experiment descriptions, messages) are wrapped in
:func:`N_`, which returns them unchanged but lets Babel's extractor find them;
the app translates them per visitor at display time (``ui.i18n._``).
"""


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogues; returns it untranslated."""
    return message
