"""Entry point: ``streamlit run app.py``.

Routes to the pages with ``st.navigation`` and draws what every page shares:
the sidebar controls (whose values live in the URL) and the dataset panel.
"""

import os

# One BLAS thread (unless the environment says otherwise): mini-batch matrices are small, and a
# second OpenBLAS thread spinning beside the browser and the server slows training down badly.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402
from ui.dataset import dataset_panel  # noqa: E402
from ui.errors import guarded  # noqa: E402
from ui import i18n, look, my_runs  # noqa: E402
from ui.frame import alias, follow_alias  # noqa: E402
from ui.i18n import _  # noqa: E402

i18n.start_session()  # this visitor's language (?lang=, else the browser's, else English), before any text
st.set_page_config(page_title=_("NumPy MNIST explainer"), page_icon=":material/neurology:", layout="wide")

# Streamlit serves the default page at "/" only, so "/overview" is a hidden alias that switches to it
# (the default page's own url_path must then differ from the alias'). Titles are made on every run, in this
# visitor's language; the url_paths never change with the language, so links work in both.
OVERVIEW = st.Page("pages/overview.py", title=_("Overview"), icon=":material/home:", url_path="home", default=True)
PAGES = [
    OVERVIEW,
    st.Page("pages/shapes.py", title=_("Shapes: forward & backward"), icon=":material/calculate:", url_path="shapes"),
    st.Page("pages/train.py", title=_("Train: decay vs no decay"), icon=":material/show_chart:", url_path="train"),
    st.Page("pages/evaluate.py", title=_("Evaluate"), icon=":material/grid_on:", url_path="evaluate"),
    st.Page("pages/draw.py", title=_("Draw a digit"), icon=":material/draw:", url_path="draw"),
    st.Page("pages/seeds.py", title=_("Seed tutorials"), icon=":material/eco:", url_path="seeds"),
    st.Page("pages/explore.py", title=_("Explore"), icon=":material/travel_explore:", url_path="explore"),
    st.Page("pages/glossary.py", title=_("Glossary · 术语表"), icon=":material/translate:", url_path="glossary"),
]

page = st.navigation([*PAGES, alias(OVERVIEW, "overview")])
follow_alias(page)
look.apply_css()
my_runs.keep_across_reloads()  # the cookie that brings a visitor's My runs back after a reload
i18n.mark_document_language()
with guarded(_("the sidebar")):
    i18n.language_switch()
    st.session_state["config"] = state.sidebar()
    dataset_panel()
state.show_url_notices()
with guarded(page.title):
    page.run()
