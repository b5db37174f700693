"""Text from outside the app (a link's keys and values), made inert for Streamlit's Markdown.

``st.markdown``, ``st.warning`` and friends render Markdown, LaTeX between
``$`` signs, Streamlit's own ``:red[…]`` and ``:material/…:`` directives,
emoji shortcodes and bare ``http://`` links. Anything a link carries must show
as the characters it is, never as any of those: :func:`inert` cuts it short
and escapes it so that Streamlit renders it literally.
"""

from __future__ import annotations

import string
import unicodedata

# CommonMark lets a backslash escape any ASCII punctuation character, which then
# renders as itself; escaping all of them disarms every construct that needs one
# (links, images, HTML tags and entities, emphasis, code, tables, $ maths, :directives:).
_PUNCTUATION = frozenset(string.punctuation)
# Unicode categories that never show as a character: controls (newlines included, which would
# end a paragraph or a list item), format characters (bidirectional overrides that reorder what
# the reader sees, zero-width joiners) and line/paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})
ELLIPSIS = "…"
WORD_JOINER = "\N{WORD JOINER}"
_LINK_BREAKERS = frozenset(".:@")


def shorten(text: object, limit: int = 40) -> str:
    """``str(text)`` with invisible characters replaced by ``�`` and cut to ``limit`` characters.

    Parameters
    ----------
    text : object
        Anything; converted with ``str``.
    limit : int
        At most this many characters are kept, the last of them ``…`` when
        the text was cut.

    Returns
    -------
    str
        Plain text (not yet safe for Markdown: see :func:`inert`).
    """
    shown = "".join("\N{REPLACEMENT CHARACTER}" if unicodedata.category(char) in _INVISIBLE else char
                    for char in str(text)[:limit + 1])
    return shown if len(shown) <= limit else shown[:max(limit - 1, 0)] + ELLIPSIS


def escape_markdown(text: str) -> str:
    """``text`` with every ASCII punctuation character backslash-escaped, so Markdown renders it as itself.

    GitHub-flavoured Markdown also turns bare ``www.…``, ``http://…`` and
    ``name@host`` in plain text into links, after escapes are resolved; a word
    joiner (an invisible character that links do not span) before each ``.``,
    ``:`` and ``@`` stops that.
    """
    escaped = []
    for char in text:
        if char in _LINK_BREAKERS:
            escaped.append(WORD_JOINER)
        escaped.append("\\" + char if char in _PUNCTUATION else char)
    return "".join(escaped)


def inert(text: object, limit: int = 40) -> str:
    """Outside text, cut short and escaped, for a Markdown-rendering Streamlit element.

    Parameters
    ----------
    text : object
        A key, value or name taken from a URL (anything; ``str`` is applied).
    limit : int
        How many characters of it to show at most.

    Returns
    -------
    str
        Markdown that Streamlit renders as exactly :func:`shorten` of ``text``:
        no link, image, HTML, LaTeX, emphasis, directive or emoji.
    """
    return escape_markdown(shorten(text, limit))
