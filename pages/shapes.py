"""Shapes: one training step on a tiny real batch, operation by operation, backprop flowing, a gradient check."""

from __future__ import annotations

import streamlit as st

from explainer.i18n import N_, render
from explainer.trace import LAYOUTS
from ui import resources, shapes, state
from ui.frame import ensure_frame
from ui.i18n import _, option_labels

ensure_frame()

LAYOUT_LABELS = {"batch-first": N_("Batch-first: X is m×784"), "feature-first": N_("Feature-first: x is 784×m")}
NORMALIZATION_WORDS = {"unit": N_("divided by 255 into [0, 1]"),
                       "standardize": N_("standardised per image (mean 0, std 1)"),
                       "raw": N_("left as raw 0..255 values")}

config = state.current()
data = resources.mnist()
dataset = resources.dataset_key()

st.title(_("Shapes: forward and backward"))
st.markdown(_(
    "One gradient step of the network in the sidebar, **{arrows}**, on a handful of real training digits. "
    "Walk through it operation by operation: the formula, the shape of every matrix and why, and the actual "
    "numbers. These are the very functions the trainer runs, at the freshly initialised weights.",
    arrows=" → ".join(str(n) for n in config.layer_sizes)))

controls = st.columns([2, 3], gap="large")
with controls[0]:
    m = st.slider(_("Batch size m (images in the batch)"), 1, 16, 4, key=shapes.BATCH_KEY,
                  help=_("The first m images of the training set."))
with controls[1]:
    layout = st.segmented_control(_("Convention"), LAYOUTS, default="batch-first", required=True,
                                  key=shapes.LAYOUT_KEY,
                                  format_func=option_labels(LAYOUTS, lambda name: _(LAYOUT_LABELS[name]))) \
        or "batch-first"
ff = layout == "feature-first"
st.markdown(_(
    "**Batch-first** (third and fourth seeds, and this app's trainer): each image is a *row*, X is m×784 and "
    "a layer computes z = X·W + b with W of shape n_in×n_out. **Feature-first** (first, second and fifth seeds, "
    "and most textbooks): each image is a *column*, x is 784×m and z = W·x + b with W of shape n_out×n_in. "
    "Same numbers, every matrix transposed, because (X·W)ᵀ = Wᵀ·Xᵀ."))

X, labels = shapes.batch(m, config.normalization)
st.caption(_("The batch: the first {count} training images of the {data}. Pixels are {scaling} (Input scaling in "
             "the sidebar): {x} holds values from {low} to {high}.", count=m, data=render(data.summary_notice, _),
             scaling=_(NORMALIZATION_WORDS[config.normalization]), x="x" if ff else "X", low=f"{X.min():.3g}",
             high=f"{X.max():.3g}"))
shapes.thumbnails(data.train_images[:m], labels)

ops = shapes.trace(config, X, labels, layout, dataset)
count = len(ops)
st.session_state.setdefault(shapes.STEP_KEY, 1)
if st.session_state[shapes.STEP_KEY] > count:
    st.session_state[shapes.STEP_KEY] = count

st.header(_("Step through it"))
back, slider, forward = st.columns([1, 6, 1], vertical_alignment="bottom")
with back:
    st.button(_("◀ Previous"), key="shapes.previous", on_click=shapes.move, args=(-1, count),
              disabled=st.session_state[shapes.STEP_KEY] <= 1, width="stretch")
with slider:
    st.slider(_("Operation"), 1, count, key=shapes.STEP_KEY, label_visibility="collapsed")
with forward:
    st.button(_("Next ▶"), key="shapes.next", on_click=shapes.move, args=(1, count),
              disabled=st.session_state[shapes.STEP_KEY] >= count, width="stretch", type="primary")
index = st.session_state[shapes.STEP_KEY] - 1
st.progress((index + 1) / count)
shapes.phase_buttons(ops, index)
shapes.step_card(config, ops, (config.key(), m, layout, dataset), index, m, ff, data.train_images[:m], labels)
shapes.flow_section(config, X, labels, dataset, ops, index, ff)
shapes.all_steps(ops, index, ff)
shapes.gradient_check(config, X, labels, dataset, ops)
