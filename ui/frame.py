"""Make sure a page always runs inside app.py's frame (navigation, sidebar, shared config).

Because this repo keeps its pages in a folder called ``pages/``, a freshly
started Streamlit server treats the very first request as an old-style (v1)
multipage app until some session has run ``st.navigation``. A shared deep link
(``/train?preset=…``) arriving first would then run ``pages/train.py`` alone,
without the sidebar. Every page calls :func:`ensure_frame` first: in that
situation it switches the server to ``st.navigation`` mode and reruns, so
``app.py`` runs and routes to the same page with the same URL.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_frame() -> None:
    """Rerun through app.py if this page was started on its own by the legacy pages/ mode."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
