"""Running the real app under ``streamlit.testing.v1.AppTest``.

AppTest resets ``PagesManager.uses_pages_directory`` before every run, and
because this repo has a ``pages/`` folder it then treats every rerun as an
old-style (v1) multipage app and runs the page script alone, skipping
``app.py`` and its sidebar. The real server never does this once
``st.navigation`` has run. :func:`new_app` patches that one flag back to the
v2 behaviour, then returns an AppTest for ``app.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
import streamlit.testing.v1.app_test as app_test
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


class _NavigationPagesManager(PagesManager):
    """A PagesManager that knows the app uses st.navigation (as the real server learns on first run)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def new_app(query: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    """An AppTest of the whole app (not yet run), optionally opened with URL query parameters."""
    app_test.PagesManager = _NavigationPagesManager
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def clear_caches() -> None:
    """A fresh server: caches outlive AppTest instances in one process, and so would the job manager.

    Stops the job manager's worker processes, clears Streamlit's caches and deletes the finished
    runs kept on disk (``EXPLAINER_RUNS_DIR``, a temporary folder during the tests).
    """
    from ui import jobs

    jobs.close_managers()
    st.cache_data.clear()
    st.cache_resource.clear()
    runs = os.environ.get("EXPLAINER_RUNS_DIR")
    if runs:
        for path in Path(runs).glob("run-*.npz"):
            path.unlink(missing_ok=True)


def texts(at: AppTest) -> str:
    """All markdown, captions, titles and headers of the last run, joined, for 'does the page say X' checks."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    return "\n".join(parts)
