"""The sidebar panel that always says which MNIST is in use, with a way to load the full set."""

from __future__ import annotations

import streamlit as st

from ui import resources


def dataset_panel() -> None:
    """Show the dataset in use; offer to download the full MNIST when only the sample is here."""
    data = resources.mnist()
    with st.sidebar:
        if data.is_full:
            st.caption(f":material/database: Data: {data.summary}")
            return
        st.caption(f":material/database: Data: {data.summary}. Accuracies are lower than on the full set.")
        if st.button("Load the full MNIST (11 MB)", key="load_full_mnist",
                     help="Downloads the 70,000 images once into your cache folder."):
            bar = st.progress(0.0, text="Contacting MNIST mirrors…")
            full = resources.download_full_mnist(lambda message, fraction: bar.progress(
                min(max(fraction, 0.0), 1.0), text=message[:80]))
            if full.is_full:
                st.success("Full MNIST loaded.")
                st.rerun()
            st.error("Could not download MNIST (offline?). The bundled sample stays in use; "
                     "set MNIST_DIR to a folder with the four MNIST files to use your own copy.")
