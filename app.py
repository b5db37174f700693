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

st.set_page_config(page_title="NumPy MNIST explainer", page_icon=":material/neurology:", layout="wide")
i18n.start_session()  # this visitor's language (?lang=, else the browser's, else English), before any text

# Streamlit serves the default page at "/" only, so "/overview" is a hidden alias that switches to it
# (the default page's own url_path must then differ from the alias').
OVERVIEW = st.Page("pages/overview.py", title="Overview", icon=":material/home:", url_path="home", default=True)
PAGES = [
    OVERVIEW,
    st.Page("pages/shapes.py", title="Shapes: forward & backward", icon=":material/calculate:", url_path="shapes"),
    st.Page("pages/train.py", title="Train: decay vs no decay", icon=":material/show_chart:", url_path="train"),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/grid_on:", url_path="evaluate"),
    st.Page("pages/draw.py", title="Draw a digit", icon=":material/draw:", url_path="draw"),
    st.Page("pages/seeds.py", title="Seed tutorials", icon=":material/eco:", url_path="seeds"),
    st.Page("pages/explore.py", title="Explore", icon=":material/travel_explore:", url_path="explore"),
    st.Page("pages/glossary.py", title=i18n._("Glossary · 术语表"), icon=":material/translate:", url_path="glossary"),
]

page = st.navigation([*PAGES, alias(OVERVIEW, "overview")])
follow_alias(page)
look.apply_css()
my_runs.keep_across_reloads()  # the cookie that brings a visitor's My runs back after a reload
i18n.mark_document_language()
with guarded("the sidebar"):
    i18n.language_switch()
    st.session_state["config"] = state.sidebar()
    dataset_panel()
state.show_url_notices()
with guarded(page.title):
    page.run()
