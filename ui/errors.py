"""A last line of defence: a visitor sees a friendly message, never a raw traceback or a server path."""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import Iterator

import streamlit as st

from explainer.i18n import N_
from ui.i18n import _

log = logging.getLogger("explainer.app")
MESSAGE = N_("Something went wrong in {where}. Try other settings or reload the page; your settings are kept in "
             "the URL. (Reference for the server log: {reference})")  # shown as _(MESSAGE, ...); tests look for it


@contextlib.contextmanager
def guarded(where: str) -> Iterator[None]:
    """Run a block; an unexpected exception becomes a short error box, its details go to the server log.

    The box names the part of the app (``where``, a page title) and a short
    reference that also appears in the log line, never the exception's type or
    message: those can carry file paths, values or code from the server.
    Streamlit's control-flow signals (rerun, stop, page switch) derive from
    BaseException, so they pass through untouched.
    """
    try:
        yield
    except Exception:  # noqa: BLE001 - the point is to catch what nobody foresaw
        reference = secrets.token_hex(4)
        log.exception("unexpected error in %s (reference %s)", where, reference)
        st.error(_(MESSAGE, where=where, reference=reference))
