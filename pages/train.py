"""Train: two runs that differ in one setting, trained side by side as shared jobs and watched live."""

import streamlit as st

from ui import experiments, state, training
from ui.frame import ensure_frame
from ui.i18n import _

ensure_frame()

st.title(_("Train: decay vs no decay"))
st.markdown(_(
    "Two networks learn at the same time from the sidebar's settings. They start from the same weights and see the "
    "same batches; only one setting differs. By default that is the **learning-rate schedule**: run A lets the step "
    "size $\\eta$ decay (the sidebar's schedule, or the second seed's staircase "
    "$\\eta_t = \\eta\\,\\beta^{\\lfloor t/k \\rfloor}$ if the sidebar keeps it constant), run B keeps $\\eta$ "
    "constant. Watch the loss, the accuracy on training (dotted) and validation (solid) images, and the "
    "learning rate underneath."))

pair = training.comparison_controls(state.current())
start = st.button(_("Train both runs"), type="primary", icon=":material/model_training:", key="train.start",
                  disabled=pair[0] == pair[1])
start = training.take_autostart() or start
area = st.container()
st.divider()
experiments.experiments_section()
with area:
    training.training_area(pair, start)
