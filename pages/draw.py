"""Draw a digit: your own handwriting through the MNIST preprocessing and the network (see ui/draw.py)."""

from __future__ import annotations

import streamlit as st

from ui import draw, model_choice
from ui.frame import ensure_frame
from ui.i18n import _

ensure_frame()

config, params, label = model_choice.active_model()
st.title(_("Draw a digit"))
st.caption(_("Model: {label}.", label=label) + " " + _(model_choice.TRAIN_HINT))
st.markdown(_("Write a digit with the mouse or a finger, anywhere on the black square. It goes through the same "
              "steps the MNIST digits went through before the network ever saw them, then through the network. "
              "No mouse or touch screen? **Random test digit** shows a real handwritten one."))

draw.workbench(config, params)
