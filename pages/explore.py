"""Explore hyperparameters: a sweep of one to three settings that fills in live and says why a setting wins; My runs."""

import streamlit as st

from ui import explore, explore_results, my_runs, state
from ui.frame import ensure_frame
from ui.i18n import _, ngettext

ensure_frame()
explore_results.switch_if_asked()

st.title(_("Explore hyperparameters"))
st.markdown(_(
    "Vary one to three settings of the sidebar's network and train every combination (or let a sampler pick "
    "points). The chart fills in as runs finish: each cell is a point that was actually trained, with its "
    "validation accuracy (the mean over its seeds, and their spread), its status and a sparkline of its loss. "
    "Afterwards the page says **why a setting wins**, counting duels between runs that differ in that setting "
    "alone and comparing the margin with seed-to-seed luck, and **why a run failed**. The whole sweep is in the "
    "link: send it to someone and they see the same set-up."))

base = state.current()
explore.read_link(base)
with st.container(border=True):
    st.caption(_("Base network (from the sidebar): {architecture}, {activation}, learning rate {lr:g}, batch "
                 "{batch}, {length}.", architecture=base.architecture, activation=base.activation,
                 lr=base.learning_rate, batch=base.batch_size or _("full"),
                 length=_("{steps:,} steps", steps=base.steps) if base.steps else ngettext("{n} epoch", "{n} epochs",
                                                                                             base.epochs)))
    spec = explore.setup(base)
    explore.controls(spec)

explore_results.results()

st.divider()
st.header(_("My runs"))
st.markdown(_("Every run you trained here (Train page, Seeds page, sweeps), newest last. Select some to overlay "
              "their curves."))
my_runs.section()
