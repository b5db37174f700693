"""What every page shares on screen beyond Streamlit's theme: CSS for phones and keyboards, and page scripts.

The theme (``.streamlit/config.toml``, ``[theme]``) sets colours with enough
contrast; :data:`CSS` adds what a theme cannot say:

* on a phone (≤ 640 px) the main area uses the whole width and nothing in it
  may be wider than the screen, so the page never scrolls sideways;
* formulas that are wider than the screen scroll inside their own box, which
  the keyboard can reach (``tabindex`` is added by :data:`FOCUSABLE_FORMULAS`);
* the boxes that hold page scripts (:func:`run_script`) take no room.

Scripts run in the page itself (``st.html`` is not an iframe), once per
mount of their element: each must be safe to run twice.
"""

from __future__ import annotations

import streamlit as st

SCRIPT_KEY_PREFIX = "page-script-"

CSS = """
<style>
/* Page scripts are invisible and take no room, not even the gap between elements: Streamlit wraps a keyed
   container in a layout wrapper, which would otherwise stay in the column as a 0-px item with a gap. */
[class*="st-key-page-script-"],
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-page-script-"]) { display: none !important; }

/* Phones: every pixel of width for the content, and nothing wider than the screen. */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem; padding-right: 0.75rem; }
  [data-testid="stMainBlockContainer"] img { max-width: 100%; height: auto; }
}

/* A formula wider than its column scrolls on its own, and shows a focus ring when tabbed to. */
.katex-display { overflow-x: auto; overflow-y: hidden; }
.katex-display:focus-visible { outline: 2px solid currentColor; outline-offset: 2px; }
</style>
"""

# Display formulas that overflow become scrollable regions; a keyboard user must be able to focus them
# to scroll (axe: scrollable-region-focusable). New formulas appear on every rerun, so a MutationObserver
# (debounced to one pass per frame) gives each one tabindex=0.
FOCUSABLE_FORMULAS = """
if (!window.__explainerFormulas) {
  window.__explainerFormulas = true;
  let queued = false;
  const mark = () => {
    queued = false;
    for (const box of document.querySelectorAll('.katex-display:not([tabindex])')) {
      box.tabIndex = 0;
    }
  };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(mark); } })
    .observe(document.body, {childList: true, subtree: true});
  mark();
}
"""


def apply_css() -> None:
    """Add :data:`CSS` and the formula script to this run (app.py calls it once per run, for every page)."""
    st.html(CSS)
    run_script(FOCUSABLE_FORMULAS, name="formulas")


def run_script(javascript: str, *, name: str) -> None:
    """Run ``javascript`` in the visitor's page, in a box that takes no room.

    Parameters
    ----------
    javascript : str
        Code we wrote (never anything a visitor typed or a link carried); it
        runs whenever its element is (re)mounted, so it must be idempotent.
    name : str
        Unique per run; names the hidden box (``st-key-page-script-<name>``).
    """
    with st.container(key=f"{SCRIPT_KEY_PREFIX}{name}"):
        st.html(f"<script>{javascript}</script>", unsafe_allow_javascript=True)
