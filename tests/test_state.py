"""Links as untrusted input: what ui/state.py reads from a URL, and how ui/text.py shows it.

Every key and value a link carries may be hostile. The app must read the
known ones, say which it ignored (unknown keys, repeated keys, bad values,
an unknown preset), and show anything it quotes from the link as plain text,
cut short: no Markdown link, image, HTML, LaTeX or Streamlit directive of the
link's choosing may render. The browser test (tests/browser/test_lockdown_browser.py)
checks the rendering itself; these tests check the Markdown the app sends.
"""

from __future__ import annotations

import re
import string

import pytest

from tests.apptest_support import new_app
from ui import state, text

HOSTILE = [
    "[x](http://evil)",
    "<img src=x onerror=alert(1)>",
    "$\\frac{1}{0}$",
    ":red[red] :material/home: :smile:",
    "www.evil.com a@b.com https://evil.org",
    "**bold** _it_ `code` ~~gone~~ | a | b |",
    "line one\n\n# heading\r\n- item",
    "\\[x](y) &lt;b&gt; &#60;",
    "日本語のキー ✓ émoji 🙂 \u202etxt.exe",
]


def unescaped(markdown: str) -> str:
    """What a CommonMark renderer shows for text without any construct: escapes and word joiners removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(text.WORD_JOINER, "")


def assert_inert(markdown: str) -> None:
    """Every ASCII punctuation character is backslash-escaped; no line break; no bare link GFM would find."""
    index = 0
    while index < len(markdown):
        char = markdown[index]
        if char == "\\":
            assert markdown[index + 1:index + 2] in set(string.punctuation), f"dangling backslash in {markdown!r}"
            index += 2
            continue
        assert char not in string.punctuation, f"unescaped {char!r} at {index} in {markdown!r}"
        index += 1
    assert "\n" not in markdown and "\r" not in markdown
    # What remains after the escapes (word joiners kept) must not look like www., http: or name@.
    shown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
    assert not re.search(r"www\.|https?:|\w@", shown), markdown


# --- ui/text.py -----------------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", HOSTILE)
def test_inert_text_reads_back_as_the_shortened_original(hostile):
    markdown = text.inert(hostile, limit=200)
    assert_inert(markdown)
    assert unescaped(markdown) == text.shorten(hostile, limit=200)


def test_shorten_cuts_long_text_with_an_ellipsis():
    assert text.shorten("x" * 10_000, limit=40) == "x" * 39 + "…"
    assert text.shorten("short", limit=40) == "short"
    assert len(text.inert("[" * 10_000, limit=40)) <= 2 * 40


def test_shorten_replaces_line_breaks_and_invisible_characters():
    shown = text.shorten("a\nb\r\nc\u202ed\u200be\x00f", limit=100)
    assert shown == "a�b��c�d�e�f"


def test_escape_breaks_bare_links_that_gfm_would_autolink():
    markdown = text.escape_markdown("see www.evil.com or http://evil.org or me@evil.org")
    assert not re.search(r"www\\?\.|https?\\?:|\w\\?@", markdown)
    assert unescaped(markdown) == "see www.evil.com or http://evil.org or me@evil.org"


# --- read_url: known, unknown and repeated keys ---------------------------------------------------

def test_read_url_keeps_known_keys_and_the_last_of_repeated_values():
    params, notices = state.read_url({"learning_rate": ["0.1", "0.2"], "preset": ["recommended"],
                                      "lang": ["zh"], "seed": ["3"]})
    assert params == {"learning_rate": "0.2", "preset": "recommended", "lang": "zh", "seed": "3"}
    assert len(notices) == 1 and "learning" in unescaped(notices[0]) and "2" in notices[0]


def test_read_url_names_each_unknown_key_and_drops_it():
    params, notices = state.read_url({"nope": ["1"], "[x](http://evil)": ["2"], "epochs": ["2"]})
    assert params == {"epochs": "2"}
    assert len(notices) == 2
    assert "nope" in notices[0]
    assert_inert(notices[1].split(" ", 3)[-1])


def test_lang_and_embed_are_known_keys():
    params, notices = state.read_url({"lang": ["zh"], "embed": ["true"], "embed_options": ["dark_theme"]})
    assert notices == []
    assert params["lang"] == "zh"


# --- the whole app under AppTest ------------------------------------------------------------------

def _notice(at) -> str:
    warnings = [str(warning.value) for warning in at.warning if "link were not valid" in str(warning.value)]
    assert len(warnings) == 1, [str(warning.value) for warning in at.warning]
    return warnings[0]


def _items(notice: str) -> list[str]:
    return [line[2:] for line in notice.splitlines()[1:]]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_key_is_named_as_plain_text(hostile):
    at = new_app(query={hostile: "1"})
    at.run()
    assert not at.exception
    items = _items(_notice(at))
    assert len(items) == 1
    assert text.inert(hostile) in items[0]
    assert "\n" not in items[0]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_value_is_quoted_as_plain_text(hostile):
    at = new_app(query={"activation": hostile, "preset": hostile})
    at.run()
    assert not at.exception
    items = _items(_notice(at))
    assert len(items) == 2  # the unknown preset and the bad activation
    preset, activation = sorted(items, key=lambda item: not item.startswith("unknown preset "))
    assert_inert(preset.removeprefix("unknown preset ").rsplit("; using ", 1)[0])
    assert_inert(activation)  # the core's whole notice, which quotes the value
    assert at.sidebar.selectbox(key="preset").value == "recommended"


def test_a_very_long_key_and_value_are_cut_short():
    at = new_app(query={"k" * 5000: "v", "learning_rate": "9" * 5000})
    at.run()
    notice = _notice(at)
    assert len(notice) < 800
    assert "k" * 41 not in notice and "9" * 200 not in notice


def test_many_unknown_keys_give_a_bounded_notice():
    at = new_app(query={f"junk{i}": str(i) for i in range(300)})
    at.run()
    items = _items(_notice(at))
    assert len(items) == state.MAX_URL_NOTICES + 1
    assert "292" in items[-1]


def test_a_repeated_key_gets_a_notice_and_the_last_value_wins():
    at = new_app(query={"learning_rate": ["0.05", "0.2"]})
    at.run()
    items = _items(_notice(at))
    assert len(items) == 1 and "2 times" in items[0]
    assert at.sidebar.number_input(key="cfg.learning_rate").value == pytest.approx(0.2)
    assert at.query_params["learning_rate"] == "0.2"  # the URL written back has one value


def test_lang_and_embed_raise_no_notice_and_lang_stays_in_the_url():
    at = new_app(query={"lang": "zh", "embed": "true", "epochs": "3"})
    at.run()
    assert not any("link were not valid" in str(warning.value) for warning in at.warning)
    assert at.query_params.get("lang") == "zh"
    assert at.query_params.get("epochs") == "3"
    at.sidebar.number_input(key="cfg.seed").set_value(7)
    at.run()
    assert at.query_params.get("lang") == "zh" and at.query_params.get("seed") == "7"


def test_unknown_keys_are_dropped_from_the_url_and_the_notice_shows_once():
    at = new_app(query={"nope": "1", "epochs": "3"})
    at.run()
    _notice(at)
    assert "nope" not in at.query_params
    at.run()
    assert not any("link were not valid" in str(warning.value) for warning in at.warning)
