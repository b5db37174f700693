"""Seed tutorials: the five networks this app grew from, side by side, each trained here as a shared job."""

import streamlit as st

from explainer.presets import PRESETS
from ui import seeds
from ui.frame import ensure_frame
from ui.i18n import _

ensure_frame()
seeds.switch_if_asked()

st.title(_("Seed tutorials"))
st.markdown(_(
    "This app started from five NumPy tutorials (the *seeds*). Each one is rebuilt here as a preset that keeps "
    "its architecture, activations, loss, initialisation, batch size, learning rate, schedule and iteration count "
    "as written. **Claimed** is the tutorial's own test accuracy; **measured** is what the preset reaches on the "
    "full MNIST test set (— where a figure is not given or not yet measured); **here** is the validation accuracy "
    "of the preset trained on this server."))
st.dataframe([seeds.row(preset) for preset in PRESETS.values()], hide_index=True, width="stretch",
             column_config=seeds.columns())

st.subheader(_("Train a preset"))
st.markdown(_(
    "**Train this preset** trains it as written, right here; every preset is trained once per server and then "
    "kept, so whoever comes next gets it at once. **Decay vs none on the Train page** opens the Train page and "
    "trains it next to its twin with the learning-rate schedule flipped: seed 2, which decays its rate, is run A "
    "against a constant-rate run B; every other preset is run B (as written) against an exponentially decaying "
    "run A (×0.96 every 100 steps)."))
st.caption(_("On the full MNIST the small presets train in seconds; seed 3 (9,380 steps through 784-256-128-10) "
             "and seed 4 (10,000 steps) take a minute or two. Every run can be stopped at any time."))
for name, preset in PRESETS.items():
    seeds.preset_card(name, preset)
