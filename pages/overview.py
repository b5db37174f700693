"""Overview: what MNIST looks like, the network the sidebar describes, and a map of the app (see ui/overview.py)."""

from __future__ import annotations

import streamlit as st

from ui import overview, state
from ui.frame import ensure_frame
from ui.i18n import _

ensure_frame()

APP_MAP = (
    ("pages/shapes.py", _("Shapes"), ":material/calculate:",
     _("Forward and backward: one training step on four real digits, operation by operation: every formula, "
       "every matrix shape and the actual numbers, in the batch-first or the feature-first convention, plus a "
       "live gradient check.")),
    ("pages/train.py", _("Train"), ":material/show_chart:",
     _("Train the network on MNIST in your browser session and watch loss and accuracy curves, with and without "
       "a decaying learning rate.")),
    ("pages/evaluate.py", _("Evaluate"), ":material/grid_on:",
     _("How good the trained network is on test digits it never saw: confusion matrix, per-digit precision and "
       "recall, and its most confident mistakes.")),
    ("pages/draw.py", _("Draw a digit"), ":material/draw:",
     _("Write your own digit and see the network's probabilities and hidden activations for it.")),
    ("pages/seeds.py", _("Seed tutorials"), ":material/eco:",
     _("The five from-scratch NumPy tutorials this app grew from, each loadable as a preset, with what they "
       "claim and what we measured.")),
    ("pages/explore.py", _("Explore"), ":material/travel_explore:",
     _("Sweep one to three settings at once and see which choices train best, and why.")),
    ("pages/glossary.py", _("Glossary · 术语表"), ":material/translate:",
     _("The app's terms in English and Chinese, as the seed tutorials write them.")),
)

st.title(_("How a NumPy network learns to read digits"))
st.markdown(_("Everything in this app is computed by a small fully connected network written from scratch in "
              "NumPy: no TensorFlow, no PyTorch, just matrix products, an activation function and the chain rule. "
              "It learns from **real MNIST** handwritten digits. Change the network in the sidebar and every page "
              "follows."))

st.header(_("1 · The data: MNIST"))
overview.show_data()

st.header(_("2 · The network"))
overview.show_network(state.current())

st.header(_("3 · Where to go next"))
st.markdown(_("Start with **Shapes** to follow one training step by hand, then **Train** the network and watch it "
              "learn, **Evaluate** what it got right and wrong, **Draw** your own digit to test it, and compare the "
              "original **Seed** tutorials. The sidebar's preset menu loads any of those tutorials' networks."))
for path, label, icon, what in APP_MAP:
    link, text = st.columns([1, 3], vertical_alignment="center")
    with link:
        st.page_link(path, label=label, icon=icon)
    with text:
        st.markdown(what)
