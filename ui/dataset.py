"""The sidebar panel that always says which MNIST is in use, with a way to load the full set."""

from __future__ import annotations

import streamlit as st

from explainer.config import Notice
from explainer.i18n import render
from ui import resources
from ui.i18n import _


def dataset_panel() -> None:
    """Show the dataset in use; offer to download the full MNIST when only the sample is here."""
    data = resources.mnist()
    with st.sidebar:
        if data.is_full:
            st.caption(":material/database: " + _("Data: {summary}", summary=render(data.summary_notice, _)))
            return
        st.caption(":material/database: " + _("Data: {summary}. Accuracies are lower than on the full set.",
                                              summary=render(data.summary_notice, _)))
        if st.button(_("Load the full MNIST (11 MB)"), key="load_full_mnist",
                     help=_("Downloads the 70,000 images once into your cache folder.")):
            bar = st.progress(0.0, text=_("Contacting MNIST mirrors…"))

            def report(message: Notice, fraction: float) -> None:
                bar.progress(min(max(fraction, 0.0), 1.0), text=render(message, _)[:80])

            full = resources.download_full_mnist(report)
            if full.is_full:
                st.success(_("Full MNIST loaded."))
                st.rerun()
            st.error(_("Could not download MNIST (offline?). The bundled sample stays in use; "
                       "set MNIST_DIR to a folder with the four MNIST files to use your own copy."))
