"""The Train page's one-click experiments: each loads a small setup and trains its two runs at once."""

from __future__ import annotations

import streamlit as st

from explainer import compare
from ui import inside, state
from ui.i18n import _
from ui.training import request_training


EXPERIMENT_KEY = "train.experiment"


def _start_experiment(name: str) -> None:
    experiment = compare.EXPERIMENTS[name]
    state.set_config(experiment.config)
    request_training(experiment.field, experiment.value_b)
    st.session_state[EXPERIMENT_KEY] = name
    st.session_state[inside.SHOW_KEY] = experiment.chart != "curves"  # its lesson is inside: show the inside


def shown_experiment(pair) -> compare.Experiment | None:
    """The one-click experiment whose two runs ``pair`` is, if the visitor started one."""
    experiment = compare.EXPERIMENTS.get(st.session_state.get(EXPERIMENT_KEY))
    if experiment is None:
        return None
    runs = compare.comparison_pair(experiment.config, experiment.field, experiment.value_b)
    return experiment if [c.key() for c in runs] == [c.key() for c in pair] else None


def experiments_section() -> None:
    """A button per experiment in :data:`explainer.compare.EXPERIMENTS`, with what to notice."""
    st.subheader(_("One-click experiments"))
    st.caption(_("Each button loads a small setup into the sidebar (a 64-unit hidden layer, 10,000 training images "
                 "or fewer, a few epochs) and trains its two runs right away. Only the named setting differs."))
    experiments = list(compare.EXPERIMENTS.values())
    for row in range(0, len(experiments), 3):
        for column, experiment in zip(st.columns(3), experiments[row:row + 3]):
            with column.container(border=True, height="stretch"):
                st.markdown(f"**{_(experiment.title)}**")
                st.caption(_(experiment.notice))
                if experiment.pointer:
                    st.caption(":material/arrow_forward: " + _(experiment.pointer))
                st.button(_("Run this experiment"), key=f"train.experiment.{experiment.name}",
                          icon=":material/play_arrow:", on_click=_start_experiment, args=(experiment.name,))
