"""A last line of defence: a visitor sees a friendly message, never a raw traceback."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import streamlit as st

log = logging.getLogger("explainer.app")


@contextlib.contextmanager
def guarded(where: str) -> Iterator[None]:
    """Run a block; an unexpected exception becomes a short error box (details go to the server log).

    Streamlit's control-flow signals (rerun, stop, page switch) derive from
    BaseException, so they pass through untouched.
    """
    try:
        yield
    except Exception as error:  # noqa: BLE001 - the point is to catch what nobody foresaw
        log.exception("unexpected error in %s", where)
        st.error(f"Something went wrong in {where}: {type(error).__name__}: {str(error)[:300]}. "
                 "Try other settings or reload the page; your settings are kept in the URL.")
