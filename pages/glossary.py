"""Glossary: the app's words in English and 中文, as the five seed tutorials write them (see ui/glossary.py)."""

from __future__ import annotations

import streamlit as st

from ui.frame import ensure_frame
from ui.glossary import show_glossary
from ui.i18n import _

ensure_frame()

st.title(_("Glossary · 术语表"))
st.markdown(_("The words of this app next to the Chinese terms of the five seed tutorials, so you can read a "
              "tutorial in one language and this app in the other. Formulas are written the same way in both. "
              "Switch the language at the top of the sidebar."))
show_glossary()
