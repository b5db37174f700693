"""Make sure a page always runs inside app.py's frame (navigation, sidebar, shared config).

Because this repo keeps its pages in a folder called ``pages/``, a freshly
started Streamlit server treats the very first request as an old-style (v1)
multipage app until some session has run ``st.navigation``. A shared deep link
(``/train?preset=…``) arriving first would then run ``pages/train.py`` alone,
without the sidebar. Every page calls :func:`ensure_frame` first: in that
situation it switches the server to ``st.navigation`` mode and reruns, so
``app.py`` runs and routes to the same page with the same URL.

Aliases are hidden pages that open another page: Streamlit serves the
default page at ``/`` only (``/overview`` would say "Page not found"), so
``/overview`` is an :func:`alias` of it.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_ALIAS_PATHS: set[str] = set()


def ensure_frame() -> None:
    """Rerun through app.py if this page was started on its own by the legacy pages/ mode."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def alias(target: st.Page, url_path: str) -> st.Page:
    """A hidden page at ``/url_path`` that opens ``target`` instead, with the link's query intact.

    Give it to ``st.navigation`` next to ``target`` and call :func:`follow_alias`
    on the page ``st.navigation`` returns, before anything is drawn.
    """
    _ALIAS_PATHS.add(url_path)
    return st.Page(_switch_to(target), title=target.title, icon=target.icon, url_path=url_path,
                   visibility="hidden")


def _switch_to(target: st.Page) -> Callable[[], None]:
    def switch() -> None:
        # Every value of every key, repeated ones included, so the target sees the link as it was.
        st.switch_page(target, query_params={key: st.query_params.get_all(key) for key in st.query_params})
    return switch


def follow_alias(page: st.Page) -> None:
    """If ``page`` is an :func:`alias`, open its target now (this reruns the app and does not return)."""
    if page.url_path in _ALIAS_PATHS:
        page.run()
