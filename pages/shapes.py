"""Shapes: one training step on a tiny real batch, operation by operation, with a live gradient check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from explainer.figures.tensors import operation_figure, tensor_heatmap
from explainer.figures.weights import first_layer_filters
from explainer.gradcheck import STEP, TOLERANCE, check_gradients
from explainer.prepare import normalize
from explainer.shape_story import shape_story
from explainer.trace import LAYOUTS, Operation, Tensor, shape_text, trace_step
from ui import resources, state
from ui.frame import ensure_frame
from ui.latex_text import latex_to_text

ensure_frame()

PHASES = ("forward", "loss", "backward", "update")
PHASE_COLORS = {"forward": "blue", "loss": "orange", "backward": "violet", "update": "green"}
LAYOUT_LABELS = {"batch-first": "Batch-first: X is m×784", "feature-first": "Feature-first: x is 784×m"}
NORMALIZATION_WORDS = {"unit": "divided by 255 into [0, 1]", "standardize": "standardised per image (mean 0, std 1)",
                       "raw": "left as raw 0..255 values"}
INPUT_NAMES = ("X", "x")
THUMB_ZOOM = 3  # 28 px digits drawn at 84 px, each pixel a crisp square
UNIT_IMAGES = 16  # hidden units whose 784 weights are drawn as 28×28 images
TABLE_SIDE = 16  # the numbers expander shows at most this many rows and columns
STEP_KEY, BATCH_KEY, LAYOUT_KEY, IMAGES_KEY = "shapes.step", "shapes.m", "shapes.layout", "shapes.as_images"
CHECK_KEY = "shapes.gradcheck_result"
CURRENT_ROW = "background-color: #fff3cd"


# ---------------------------------------------------------------- cached core calls

def _batch(m: int, normalization: str) -> tuple[np.ndarray, np.ndarray]:
    """The first m training images, normalised as the config asks, and their labels."""
    data = resources.mnist()
    return normalize(data.train_images[:m], normalization), data.train_labels[:m].astype(np.int64)


@st.cache_data(show_spinner=False, max_entries=64)
def _trace(config, m: int, layout: str, dataset: str) -> list[Operation]:
    """trace_step on the first m training images (``dataset`` only keys the cache)."""
    X, labels = _batch(m, config.normalization)
    return trace_step(config, X, labels, layout=layout)


def _pictured(tensor: Tensor) -> bool:
    """Arrays with a 784-long side (the batch, W1, dW1) can be drawn as 28×28 images."""
    return tensor.value.ndim == 2 and 784 in tensor.shape


@st.cache_data(show_spinner=False, max_entries=256)
def _step_figure(config, m: int, layout: str, dataset: str, index: int, pictures: bool):
    """The step's heatmaps, leaving out the arrays drawn as images (None when nothing is left)."""
    op = _trace(config, m, layout, dataset)[index]
    if not pictures:
        return operation_figure(op)
    rest = tuple(t for t in op.inputs if not _pictured(t))
    if not _pictured(op.output):
        return operation_figure(dataclasses.replace(op, inputs=rest))
    return tensor_heatmap(rest[0].value, rest[0].name, max_side=32) if rest else None


@st.cache_data(show_spinner=False, max_entries=256)
def _unit_images(config, m: int, layout: str, dataset: str, index: int, name: str):
    op = _trace(config, m, layout, dataset)[index]
    tensor = next(t for t in (*op.inputs, op.output) if t.name == name)
    return first_layer_filters(tensor.value, count=UNIT_IMAGES, columns=UNIT_IMAGES // 2)


@st.cache_data(show_spinner=False, max_entries=32)
def _gradient_errors(config, m: int, dataset: str) -> dict[str, float]:
    X, labels = _batch(m, config.normalization)
    return check_gradients(config, X, labels).errors


def _phase_spans(ops: list[Operation]) -> dict[str, tuple[int, int]]:
    """Each phase's first and last operation index, in order."""
    spans = {}
    for i, op in enumerate(ops):
        first, _ = spans.get(op.phase, (i, i))
        spans[op.phase] = (first, i)
    return {phase: spans[phase] for phase in PHASES if phase in spans}


def _phase_buttons(ops: list[Operation], index: int) -> None:
    """forward → loss → backward → update as buttons (done ✓, current ▶); each jumps to its first step."""
    spans = _phase_spans(ops)
    current = ops[index].phase
    done = True
    cells = st.columns([5, 1] * (len(spans) - 1) + [5], vertical_alignment="center")
    for cell, (phase, (first, last)) in zip(cells[::2], spans.items()):
        span = f"{first + 1}–{last + 1}" if last > first else f"{first + 1}"
        if phase == current:
            done = False
            label = f"▶ {phase} · {index - first + 1} of {last - first + 1}"
        else:
            label = f"✓ {phase} ({span})" if done else f"{phase} ({span})"
        with cell:
            st.button(label, key=f"shapes.phase.{phase}", on_click=_jump, args=(first,), width="stretch",
                      type="primary" if phase == current else "secondary",
                      help=f"Jump to the first {phase} step ({first + 1}).")
    for cell in cells[1::2]:
        cell.markdown("<div style='text-align:center'>→</div>", unsafe_allow_html=True)


def _thumbnails(images: np.ndarray, labels: np.ndarray) -> None:
    zoomed = [np.kron(image, np.ones((THUMB_ZOOM, THUMB_ZOOM), dtype=np.uint8)) for image in images]
    st.image(zoomed, caption=[f"label {int(label)}" for label in labels], width=28 * THUMB_ZOOM,
             alt=[f"Training image {i + 1} of the batch: a handwritten {int(label)}" for i, label in enumerate(labels)])


def _picture_caption(tensor: Tensor, op: Operation, config, m: int, ff: bool) -> str:
    """What a 784-long array looks like as 28×28 images, in one or two sentences."""
    name, shape = tensor.name, shape_text(tensor.shape)
    if name in INPUT_NAMES:
        return (f"{name} ({shape}): each {'column' if ff else 'row'} is one of these images, "
                "flattened to 784 numbers.")
    units = min(UNIT_IMAGES, tensor.shape[0] if ff else tensor.shape[1])
    line = "row" if ff else "column"
    unit = "hidden unit" if config.hidden else "output unit"
    if name.startswith("d"):
        parts = [f"{name} ({shape}) as one 28×28 image per {unit} (the first {units}): the gradient of "
                 f"each of the unit's 784 incoming weights. Each picture is the {m} digits added up, weighted "
                 "by that unit's entries of dz1"
                 + (": a unit whose ReLU was off for an image learns nothing from it."
                    if config.activation == "relu" and config.hidden else ".")]
        if config.normalization != "standardize":
            parts.append(f"Pixels that are 0 in all {m} images get no data gradient"
                         + ("; the faint speckle there is the weight decay λW1." if config.l2 else "."))
        return " ".join(parts)
    if tensor is op.output:
        return (f"{name} after the step ({shape}): a single step of size η = {config.learning_rate:g} changes "
                "the weights only slightly, so the images look the same.")
    return (f"{name} ({shape}): {line} j holds {unit} j's 784 weights, one per pixel. Here the first "
            f"{units} units, each drawn as a 28×28 image (red: that pixel pushes the unit up, blue: down). "
            "Before training they are random noise.")


def _sci(value: float) -> str:
    """1e-05 -> '1e-5', 8.4e-10 -> '8.4e-10'."""
    text = f"{value:.1e}".replace(".0e", "e")
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _jump(first: int) -> None:
    st.session_state[STEP_KEY] = first + 1


def _move(delta: int, count: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state[STEP_KEY] + delta, 1), count)


# ---------------------------------------------------------------- the page

config = state.current()
data = resources.mnist()
dataset = resources.dataset_key()

st.title("Shapes: forward and backward")
st.markdown(
    "One gradient step of the network in the sidebar, "
    f"**{' → '.join(str(n) for n in config.layer_sizes)}**, on a handful of real training digits. "
    "Walk through it operation by operation: the formula, the shape of every matrix and why, and the actual "
    "numbers. These are the very functions the trainer runs, at the freshly initialised weights.")

controls = st.columns([2, 3], gap="large")
with controls[0]:
    m = st.slider("Batch size m (images in the batch)", 1, 16, 4, key=BATCH_KEY,
                  help="The first m images of the training set.")
with controls[1]:
    layout = st.segmented_control("Convention", LAYOUTS, default="batch-first", required=True, key=LAYOUT_KEY,
                                  format_func=LAYOUT_LABELS.get) or "batch-first"
ff = layout == "feature-first"
st.markdown(
    "**Batch-first** (third and fourth seeds, and this app's trainer): each image is a *row*, X is m×784 and "
    "a layer computes z = X·W + b with W of shape n_in×n_out. **Feature-first** (first, second and fifth seeds, "
    "and most textbooks): each image is a *column*, x is 784×m and z = W·x + b with W of shape n_out×n_in. "
    "Same numbers, every matrix transposed, because (X·W)ᵀ = Wᵀ·Xᵀ.")

X, labels = _batch(m, config.normalization)
st.caption(f"The batch: the first {m} training image{'s' if m > 1 else ''} of the {data.description}. "
           f"Pixels are {NORMALIZATION_WORDS[config.normalization]} (Input scaling in the sidebar): "
           f"{'x' if ff else 'X'} holds values from {X.min():.3g} to {X.max():.3g}.")
_thumbnails(data.train_images[:m], labels)

ops = _trace(config, m, layout, dataset)
count = len(ops)
st.session_state.setdefault(STEP_KEY, 1)
if st.session_state[STEP_KEY] > count:
    st.session_state[STEP_KEY] = count

st.header("Step through it")
back, slider, forward = st.columns([1, 6, 1], vertical_alignment="bottom")
with back:
    st.button("◀ Previous", key="shapes.previous", on_click=_move, args=(-1, count),
              disabled=st.session_state[STEP_KEY] <= 1, width="stretch")
with slider:
    st.slider("Operation", 1, count, key=STEP_KEY, label_visibility="collapsed")
with forward:
    st.button("Next ▶", key="shapes.next", on_click=_move, args=(1, count),
              disabled=st.session_state[STEP_KEY] >= count, width="stretch", type="primary")
index = st.session_state[STEP_KEY] - 1
op = ops[index]
st.progress((index + 1) / count)
_phase_buttons(ops, index)

with st.container(border=True):
    st.badge(op.phase, color=PHASE_COLORS[op.phase])
    st.subheader(f"Step {index + 1} of {count} · {op.title}")
    st.latex(op.formula)
    equation, why = shape_story(op, ff)
    st.markdown(f"**Shapes:** {equation}")
    if why:
        st.markdown(f"**Why this shape?** {why}")
    st.markdown(op.note)

    tensors = (*op.inputs, op.output)
    pictures = any(_pictured(t) for t in tensors) and st.toggle(
        "Show 784-pixel arrays as 28×28 images", value=True, key=IMAGES_KEY,
        help=f"A 784-wide heatmap shows only its first 32 pixels, the top border, which is blank in every "
             f"image. As images you see all of them: {'x' if ff else 'X'} as the digits, W1 and dW1 as one "
             "picture per hidden unit.")
    zeros = [t.name for t in tensors if t.value.size and not np.any(t.value) and not (pictures and _pictured(t))]
    if zeros:
        st.caption(f"{', '.join(zeros)} {'is' if len(zeros) == 1 else 'are'} all zeros here "
                   f"({'biases start at 0' if all(n.startswith('b') for n in zeros) else 'nothing flows yet'}), "
                   f"so {'its panel is' if len(zeros) == 1 else 'their panels are'} white.")
    for tensor in (t for t in op.inputs if pictures and _pictured(t)):
        st.caption(_picture_caption(tensor, op, config, m, ff))
        if tensor.name in INPUT_NAMES:
            _thumbnails(data.train_images[:m], labels)
        else:
            st.plotly_chart(_unit_images(config, m, layout, dataset, index, tensor.name),
                            key=f"shapes.units.{tensor.name}", width="stretch")
    figure = _step_figure(config, m, layout, dataset, index, pictures)
    if figure is not None:
        st.plotly_chart(figure, key="shapes.step_figure", width="stretch")
    if pictures and _pictured(op.output):
        st.caption(_picture_caption(op.output, op, config, m, ff))
        st.plotly_chart(_unit_images(config, m, layout, dataset, index, op.output.name),
                        key="shapes.units.output", width="stretch")
    with st.expander(f"The numbers in {op.output.name}"):
        value = op.output.value
        if value.ndim == 0:
            st.markdown(f"{op.output.name} = **{float(value):.6g}**")
        else:
            table = value.reshape(value.shape[0], -1)[:TABLE_SIDE, :TABLE_SIDE]
            if table.shape != value.reshape(value.shape[0], -1).shape:
                st.caption(f"Top-left {table.shape[0]}×{table.shape[1]} corner of {shape_text(value.shape)}.")
            st.dataframe(table, key="shapes.numbers")

st.header("All steps")
st.markdown(f"The whole step at a glance: {count} operations, the {'feature' if ff else 'batch'}-first way.")
steps = pd.DataFrame({
    "#": range(1, count + 1),
    "phase": [o.phase for o in ops],
    "operation": [o.title for o in ops],
    "output": [o.output.name for o in ops],
    "output shape": [shape_text(o.output.shape) for o in ops],
    "inputs": [", ".join(t.name for t in o.inputs) for o in ops],
    "formula": [latex_to_text(o.formula) for o in ops],
})
st.dataframe(steps.style.apply(lambda row: [CURRENT_ROW if row.name == index else ""] * len(row), axis=1),
             hide_index=True, key="shapes.all_steps", width="stretch", height=38 + 35 * min(count, 30),
             column_config={
                 "#": st.column_config.NumberColumn(width=40),
                 "phase": st.column_config.TextColumn(width=80),
                 "operation": st.column_config.TextColumn(width="medium"),
                 "output": st.column_config.TextColumn(width=70),
                 "output shape": st.column_config.TextColumn(width=110),
                 "inputs": st.column_config.TextColumn(width=110, help="The tensors this step reads; their shapes "
                                                                       "are in the output-shape column of their rows."),
                 "formula": st.column_config.TextColumn(width="large"),
             })
st.caption("The highlighted row is the step shown above.")

st.header("Is backprop right? A gradient check")
st.markdown(
    "Backpropagation is calculus done by hand, and easy to get subtly wrong. The check needs no calculus: "
    f"nudge one weight θ up and down by h = {_sci(STEP)}, run the forward pass twice and measure the slope "
    "(L(θ + h) − L(θ − h)) / 2h. These *central differences* are the fourth seed's `numerical_gradient`. "
    "Backprop must give the same slope. Here 30 random entries of every parameter array are checked, "
    f"in float64, on the {m} images above, and the relative error ‖num − bp‖ / (‖num‖ + ‖bp‖) "
    f"must stay below {_sci(TOLERANCE)}.")
if config.activation in ("relu", "leaky_relu"):
    st.caption("A caveat for ReLU: it has a kink at z = 0. If some z lies within h of 0, the two nudged "
               "forward passes fall on different sides of the kink and the numerical slope is a blend of both, "
               "so a small error can appear although backprop is right. With real images and random weights "
               "that is rare.")
if st.button("Run gradient check", key="shapes.run_gradcheck", type="primary"):
    with st.spinner("Nudging weights up and down…"):
        st.session_state[CHECK_KEY] = (config, m, dataset, _gradient_errors(config, m, dataset))
result = st.session_state.get(CHECK_KEY)
if result is not None and result[:3] == (config, m, dataset):
    errors = result[3]
    shapes = {o.output.name: o.output.shape for o in ops if o.phase == "update"}
    st.dataframe({
        "parameter": list(errors),
        "shape": [shape_text(shapes[name]) for name in errors],
        "relative error": list(errors.values()),
        "verdict": ["pass" if error < TOLERANCE else "FAIL" for error in errors.values()],
    }, hide_index=True, key="shapes.gradcheck_table", width="content",
        column_config={"relative error": st.column_config.NumberColumn(format="%.1e")})
    worst = max(errors.values())
    if worst < TOLERANCE:
        st.success(f"All {len(errors)} parameter arrays pass: the largest relative error is {_sci(worst)}, "
                   f"below {_sci(TOLERANCE)}. Backprop and central differences agree.")
    else:
        st.error(f"Largest relative error {_sci(worst)} is above {_sci(TOLERANCE)}: backprop and central differences "
                 "disagree here (see the ReLU caveat above, or very large raw inputs).")
elif result is not None:
    st.caption("The settings changed since the last check: run it again.")
