"""Streamlit glue shared by the pages: sidebar state, shared resources, small widgets.

Only this package and ``pages/`` import Streamlit; the numpy core in
``explainer/`` and the figure builders in ``explainer/figures`` never do.
"""
