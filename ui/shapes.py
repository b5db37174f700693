"""The Shapes page's machinery: one traced training step, its figures, the gradient flow and the gradient check.

Every result is kept in the server-wide ``"shapes"`` cache
(:func:`ui.resources.server_cache`), a least-recently-used cache bounded in
bytes, and a trace keeps only what the page draws: heatmap corners, the first
units' 784 weights for the 28×28 pictures, the 16×16 numbers table, the true
shapes (:meth:`explainer.trace.Tensor.compact`). A visitor who opens a link
with four hidden layers of 2048 therefore costs the server kilobytes, not
the network's weight matrices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from explainer import model
from explainer.activations import ACTIVATIONS
from explainer.config import RunConfig
from explainer.figures.network import Geometry, gradient_flow_diagram
from explainer.figures.tensors import operation_figure, tensor_heatmap
from explainer.figures.weights import first_layer_filters
from explainer.gradcheck import STEP, TOLERANCE, check_gradients
from explainer.i18n import N_, render
from explainer.memory import BoundedCache
from explainer.prepare import normalize
from explainer.shape_story import shape_story
from explainer.trace import GradientFlow, Operation, Tensor, gradient_flow, gradient_progress, shape_text, trace_step
from explainer.trainer import random_streams
from ui import charts, resources
from ui.i18n import _, language, option_labels
from ui.latex_text import latex_to_text

V = TypeVar("V")

PHASES = ("forward", "loss", "backward", "update")
PHASE_COLORS = {"forward": "blue", "loss": "orange", "backward": "violet", "update": "green"}
PHASE_WORDS = {"forward": N_("forward"), "loss": N_("loss"), "backward": N_("backward"), "update": N_("update")}
INPUT_NAMES = ("X", "x")
THUMB_ZOOM = 3  # 28 px digits drawn at 84 px, each pixel a crisp square
UNIT_IMAGES = 16  # hidden units whose 784 weights are drawn as 28×28 images
TABLE_SIDE = 16  # the numbers expander shows at most this many rows and columns
DIAGRAM_NODES = 12  # circles per column of the gradient-flow diagram
STEP_KEY, BATCH_KEY, LAYOUT_KEY, IMAGES_KEY = "shapes.step", "shapes.m", "shapes.layout", "shapes.as_images"
CHECK_KEY = "shapes.gradcheck_result"
UNIT_KEY, FLOW_KEY, CLICK_KEY = "shapes.unit", "shapes.flow", "shapes.flow_click"
CURRENT_ROW = "background-color: #fff3cd"


# ---------------------------------------------------------------- cached core calls

def store() -> BoundedCache:
    """The server-wide, byte-bounded cache of this page."""
    return resources.server_cache("shapes")


def _cached(cache: BoundedCache | None, key: Hashable, compute: Callable[[], V]) -> V:
    return (cache if cache is not None else store()).get_or_compute(key, compute)  # an empty cache is falsy


def batch(m: int, normalization: str) -> tuple[np.ndarray, np.ndarray]:
    """The first m training images, normalised as the config asks, and their labels."""
    data = resources.mnist()
    return normalize(data.train_images[:m], normalization), data.train_labels[:m].astype(np.int64)


def _initial_params(config: RunConfig) -> model.Params:
    return model.init_params(config, random_streams(config.seed)[0])


def trace(config: RunConfig, X: np.ndarray, labels: np.ndarray, layout: str, dataset: str,
          cache: BoundedCache | None = None) -> list[Operation]:
    """The compact trace of one step on the batch ``X`` (m, 784) (``dataset`` only keys the cache)."""
    return _cached(cache, ("trace", config.key(), len(labels), layout, dataset),
                   lambda: trace_step(config, X, labels, layout=layout, compact=True))


def flow(config: RunConfig, X: np.ndarray, labels: np.ndarray, dataset: str,
         cache: BoundedCache | None = None) -> GradientFlow:
    """The step's gradients for the units the diagram draws, with their chain rules."""
    units = [drawn for drawn, _gap in Geometry.of(config.layer_sizes, DIAGRAM_NODES).columns]
    return _cached(cache, ("flow", config.key(), len(labels), dataset),
                   lambda: gradient_flow(config, X, labels, params=_initial_params(config), units=units))


def pictured(tensor: Tensor) -> bool:
    """Arrays with a 784-long side (the batch, W1, dW1) can be drawn as 28×28 images."""
    return len(tensor.shape) == 2 and 784 in tensor.shape


def step_figure(ops: list[Operation], key: tuple, index: int, pictures: bool, cache: BoundedCache | None = None):
    """The step's heatmaps, leaving out the arrays drawn as images (None when nothing is left)."""
    def build():
        op = ops[index]
        if not pictures:
            return operation_figure(op, translate=_)
        rest = tuple(t for t in op.inputs if not pictured(t))
        if not pictured(op.output):
            return operation_figure(dataclasses.replace(op, inputs=rest), translate=_)
        return (tensor_heatmap(rest[0].value, rest[0].name, max_side=32, shape=rest[0].shape, translate=_)
                if rest else None)
    return _cached(cache, ("figure", *key, index, pictures, language()), build)


def unit_images(ops: list[Operation], key: tuple, index: int, name: str, cache: BoundedCache | None = None):
    """The first units of a 784-pixel array of step ``index`` as 28×28 images."""
    def build():
        op = ops[index]
        tensor = next(t for t in (*op.inputs, op.output) if t.name == name)
        return first_layer_filters(tensor.value, count=UNIT_IMAGES, columns=UNIT_IMAGES // 2, translate=_)
    return _cached(cache, ("units", *key, index, name, language()), build)


def gradient_errors(config: RunConfig, X: np.ndarray, labels: np.ndarray, dataset: str,
                    cache: BoundedCache | None = None) -> dict[str, float]:
    """Relative errors of backprop against central differences, per parameter array."""
    return _cached(cache, ("gradcheck", config.key(), len(labels), dataset),
                   lambda: check_gradients(config, X, labels).errors)


def flow_figure(config: RunConfig, graph: GradientFlow, key: tuple, progress: tuple[int, int],
                selected: tuple[int, int] | None, cache: BoundedCache | None = None):
    """The network diagram coloured by the step's gradients as far as the backward pass has come."""
    return _cached(cache, ("flow_figure", *key, progress, selected, language()), lambda: gradient_flow_diagram(
        graph, config.activation, config.output, units_from=progress[0], edges_from=progress[1], selected=selected,
        max_nodes_drawn=DIAGRAM_NODES, translate=_))


# ---------------------------------------------------------------- small pieces of the page

def sci(value: float) -> str:
    """1e-05 -> '1e-5', 8.4e-10 -> '8.4e-10'."""
    text = f"{value:.1e}".replace(".0e", "e")
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _number(value: float) -> str:
    """Three significant digits, and never '-0'."""
    return f"{value + 0.0:.3g}"


def thumbnails(images: np.ndarray, labels: np.ndarray) -> None:
    """The batch's digits, each pixel a crisp square, captioned with their labels."""
    zoomed = [np.kron(image, np.ones((THUMB_ZOOM, THUMB_ZOOM), dtype=np.uint8)) for image in images]
    st.image(zoomed, caption=[_("label {digit}", digit=int(label)) for label in labels], width=28 * THUMB_ZOOM,
             alt=[_("Training image {number} of the batch: a handwritten {digit}", number=i + 1, digit=int(label))
                  for i, label in enumerate(labels)])


def _jump(first: int) -> None:
    st.session_state[STEP_KEY] = first + 1


def move(delta: int, count: int) -> None:
    """Button callback: go ``delta`` operations forward or back, within 1..count."""
    st.session_state[STEP_KEY] = min(max(st.session_state[STEP_KEY] + delta, 1), count)


def _phase_spans(ops: list[Operation]) -> dict[str, tuple[int, int]]:
    """Each phase's first and last operation index, in order."""
    spans = {}
    for i, op in enumerate(ops):
        first, _last = spans.get(op.phase, (i, i))
        spans[op.phase] = (first, i)
    return {phase: spans[phase] for phase in PHASES if phase in spans}


def phase_buttons(ops: list[Operation], index: int) -> None:
    """forward → loss → backward → update as buttons (done ✓, current ▶); each jumps to its first step."""
    spans = _phase_spans(ops)
    current = ops[index].phase
    done = True
    cells = st.columns([5, 1] * (len(spans) - 1) + [5], vertical_alignment="center")
    for cell, (phase, (first, last)) in zip(cells[::2], spans.items()):
        span = f"{first + 1}–{last + 1}" if last > first else f"{first + 1}"
        word = _(PHASE_WORDS[phase])
        if phase == current:
            done = False
            label = "▶ " + _("{phase} · {number} of {count}", phase=word, number=index - first + 1,
                             count=last - first + 1)
        else:
            label = f"✓ {word} ({span})" if done else f"{word} ({span})"
        with cell:
            st.button(label, key=f"shapes.phase.{phase}", on_click=_jump, args=(first,), width="stretch",
                      type="primary" if phase == current else "secondary",
                      help=_("Jump to the first {phase} step ({number}).", phase=word, number=first + 1))
    for cell in cells[1::2]:
        cell.markdown("<div style='text-align:center'>→</div>", unsafe_allow_html=True)


def picture_caption(tensor: Tensor, op: Operation, config: RunConfig, m: int, ff: bool) -> str:
    """What a 784-long array looks like as 28×28 images, in one or two sentences."""
    name, shape = tensor.name, shape_text(tensor.shape)
    if name in INPUT_NAMES:
        return _("{name} ({shape}): each {line} is one of these images, flattened to 784 numbers.",
                 name=name, shape=shape, line=_("column") if ff else _("row"))
    units = min(UNIT_IMAGES, tensor.shape[0] if ff else tensor.shape[1])
    unit = _("hidden unit") if config.hidden else _("output unit")
    if name.startswith("d"):
        parts = [_("{name} ({shape}) as one 28×28 image per {unit} (the first {units}): the gradient of each of the "
                   "unit's 784 incoming weights. Each picture is the {m} digits added up, weighted by that unit's "
                   "entries of dz1", name=name, shape=shape, unit=unit, units=units, m=m)
                 + (_(": a unit whose ReLU was off for an image learns nothing from it.")
                    if config.activation == "relu" and config.hidden else ".")]
        if config.normalization != "standardize":
            parts.append(_("Pixels that are 0 in all {m} images get no data gradient", m=m)
                         + (_("; the faint speckle there is the weight decay λW1.") if config.l2 else "."))
        return " ".join(parts)
    if tensor is op.output:
        return _("{name} after the step ({shape}): a single step of size η = {lr} changes the weights only slightly, "
                 "so the images look the same.", name=name, shape=shape, lr=f"{config.learning_rate:g}")
    return _("{name} ({shape}): {line} j holds {unit} j's 784 weights, one per pixel. Here the first {units} units, "
             "each drawn as a 28×28 image (red: that pixel pushes the unit up, blue: down). Before training they "
             "are random noise.", name=name, shape=shape, line=_("row") if ff else _("column"), unit=unit, units=units)


# ---------------------------------------------------------------- the sections

def step_card(config: RunConfig, ops: list[Operation], key: tuple, index: int, m: int, ff: bool,
              images: np.ndarray, labels: np.ndarray) -> None:
    """The current operation: formula, shape story, heatmaps or 28×28 pictures, and its numbers."""
    op, count = ops[index], len(ops)
    with st.container(border=True):
        st.badge(_(PHASE_WORDS[op.phase]), color=PHASE_COLORS[op.phase])
        st.subheader(_("Step {number} of {count} · {title}", number=index + 1, count=count,
                       title=render(op.heading, _)))
        st.latex(op.formula)
        equation, why = shape_story(op, ff, _)
        st.markdown(_("**Shapes:** {equation}", equation=equation))
        if why:
            st.markdown(_("**Why this shape?** {why}", why=why))
        st.markdown(render(op.explanation, _))
        tensors = (*op.inputs, op.output)
        pictures = any(pictured(t) for t in tensors) and st.toggle(
            _("Show 784-pixel arrays as 28×28 images"), value=True, key=IMAGES_KEY,
            help=_("A 784-wide heatmap shows only its first 32 pixels, the top border, which is blank in every "
                   "image. As images you see all of them: {x} as the digits, W1 and dW1 as one picture per hidden "
                   "unit.", x="x" if ff else "X"))
        zeros = [t.name for t in tensors if len(t.shape) and t.value.size and t.is_zero
                 and not (pictures and pictured(t))]
        if zeros:
            biases = all(n.startswith("b") for n in zeros)
            st.caption(_("{names} {verb} all zeros here ({why}), so {panels} white.", names=", ".join(zeros),
                         verb=_("is") if len(zeros) == 1 else _("are"),
                         why=_("biases start at 0") if biases else _("nothing flows yet"),
                         panels=_("its panel is") if len(zeros) == 1 else _("their panels are")))
        for tensor in (t for t in op.inputs if pictures and pictured(t)):
            st.caption(picture_caption(tensor, op, config, m, ff))
            if tensor.name in INPUT_NAMES:
                thumbnails(images, labels)
            else:
                charts.show_chart(unit_images(ops, key, index, tensor.name), key=f"shapes.units.{tensor.name}",
                                  summary=picture_caption(tensor, op, config, m, ff))
        figure = step_figure(ops, key, index, pictures)
        if figure is not None:
            charts.show_chart(figure, key="shapes.step_figure", summary=_(
                "Heatmaps of this step's arrays: {arrays}. Red is positive, blue negative; the numbers of {output} "
                "are in the table below.", arrays=", ".join(f"{t.name} ({shape_text(t.shape, _)})"
                                                           for t in (*op.inputs, op.output)), output=op.output.name))
        if pictures and pictured(op.output):
            st.caption(picture_caption(op.output, op, config, m, ff))
            charts.show_chart(unit_images(ops, key, index, op.output.name), key="shapes.units.output",
                              summary=picture_caption(op.output, op, config, m, ff))
        with st.expander(_("The numbers in {name}", name=op.output.name)):
            _numbers(op.output)


def _numbers(tensor: Tensor) -> None:
    """The top-left 16×16 corner of an array (a vector as a column), or a scalar's value."""
    value, shape = tensor.value, tensor.shape
    if value.ndim == 0:
        st.markdown(f"{tensor.name} = **{float(value):.6g}**")
        return
    table = value.reshape(value.shape[0], -1)[:TABLE_SIDE, :TABLE_SIDE]
    if table.shape != (shape[0], int(np.prod(shape[1:]))):
        st.caption(_("Top-left {rows}×{cols} corner of {shape}.", rows=table.shape[0], cols=table.shape[1],
                     shape=shape_text(shape)))
    st.dataframe(table, key="shapes.numbers")


def all_steps(ops: list[Operation], index: int, ff: bool) -> None:
    """Every operation of the step in one table, the current one highlighted."""
    count = len(ops)
    st.header(_("All steps"))
    st.markdown(_("The whole step at a glance: {count} operations, the {way} way.", count=count,
                  way=_("feature-first") if ff else _("batch-first")))
    steps = pd.DataFrame({
        "#": range(1, count + 1),
        "phase": [_(PHASE_WORDS[o.phase]) for o in ops],
        "operation": [render(o.heading, _) for o in ops],
        "output": [o.output.name for o in ops],
        "output shape": [shape_text(o.output.shape, _) for o in ops],
        "inputs": [", ".join(t.name for t in o.inputs) for o in ops],
        "formula": [latex_to_text(o.formula) for o in ops],
    })
    column = st.column_config.TextColumn  # the column names are keys; the headers are in the visitor's language
    st.dataframe(steps.style.apply(lambda row: [CURRENT_ROW if row.name == index else ""] * len(row), axis=1),
                 hide_index=True, key="shapes.all_steps", width="stretch", height=38 + 35 * min(count, 30),
                 column_config={
                     "#": st.column_config.NumberColumn(width=40),
                     "phase": column(_("phase"), width=80),
                     "operation": column(_("operation"), width="medium"),
                     "output": column(_("output"), width=70),
                     "output shape": column(_("output shape"), width=110),
                     "inputs": column(_("inputs"), width=110, help=_(
                         "The tensors this step reads; their shapes are in the output-shape column of their rows.")),
                     "formula": column(_("formula"), width="large"),
                 })
    st.caption(_("The highlighted row is the step shown above."))


def gradient_check(config: RunConfig, X: np.ndarray, labels: np.ndarray, dataset: str,
                   ops: list[Operation]) -> None:
    """Central differences against backprop, on the page's batch, when the visitor asks."""
    m = len(labels)
    st.header(_("Is backprop right? A gradient check"))
    st.markdown(_(
        "Backpropagation is calculus done by hand, and easy to get subtly wrong. The check needs no calculus: "
        "nudge one weight θ up and down by h = {h}, run the forward pass twice and measure the slope "
        "(L(θ + h) − L(θ − h)) / 2h. These *central differences* are the fourth seed's `numerical_gradient`. "
        "Backprop must give the same slope. Here 30 random entries of every parameter array are checked, "
        "in float64, on the {m} images above, and the relative error ‖num − bp‖ / (‖num‖ + ‖bp‖) "
        "must stay below {tolerance}.", h=sci(STEP), m=m, tolerance=sci(TOLERANCE)))
    if config.activation in ("relu", "leaky_relu"):
        st.caption(_("A caveat for ReLU: it has a kink at z = 0. If some z lies within h of 0, the two nudged "
                     "forward passes fall on different sides of the kink and the numerical slope is a blend of both, "
                     "so a small error can appear although backprop is right. With real images and random weights "
                     "that is rare."))
    if st.button(_("Run gradient check"), key="shapes.run_gradcheck", type="primary"):
        with st.spinner(_("Nudging weights up and down…")):
            st.session_state[CHECK_KEY] = (config.key(), m, dataset, gradient_errors(config, X, labels, dataset))
    result = st.session_state.get(CHECK_KEY)
    if result is not None and result[:3] == (config.key(), m, dataset):
        errors = result[3]
        shapes = {o.output.name: o.output.shape for o in ops if o.phase == "update"}
        st.dataframe({
            "parameter": list(errors),
            "shape": [shape_text(shapes[name]) for name in errors],
            "relative error": list(errors.values()),
            "verdict": [_("pass") if error < TOLERANCE else _("FAIL") for error in errors.values()],
        }, hide_index=True, key="shapes.gradcheck_table", width="content",
            column_config={"parameter": st.column_config.TextColumn(_("parameter")),
                           "shape": st.column_config.TextColumn(_("shape")),
                           "relative error": st.column_config.NumberColumn(_("relative error"), format="%.1e"),
                           "verdict": st.column_config.TextColumn(_("verdict"))})
        worst = max(errors.values())
        if worst < TOLERANCE:
            st.success(_("All {count} parameter arrays pass: the largest relative error is {worst}, below {tolerance}. "
                         "Backprop and central differences agree.", count=len(errors), worst=sci(worst),
                         tolerance=sci(TOLERANCE)))
        else:
            st.error(_("Largest relative error {worst} is above {tolerance}: backprop and central differences "
                       "disagree here (see the ReLU caveat above, or very large raw inputs).", worst=sci(worst),
                       tolerance=sci(TOLERANCE)))
    elif result is not None:
        st.caption(_("The settings changed since the last check: run it again."))


def _unit_name(choice: tuple[int, int]) -> str:
    return _("hidden {layer} · unit {unit}", layer=choice[0], unit=choice[1] + 1)


def _clicked(options: list[tuple[int, int]]) -> None:
    """A click on a hidden unit of the diagram chooses that unit (once per new click)."""
    event = st.session_state.get(FLOW_KEY)
    points = event.get("selection", {}).get("points", []) if event else []
    click = tuple(points[0].get("customdata") or ()) if points else ()
    if click and click != st.session_state.get(CLICK_KEY):
        st.session_state[CLICK_KEY] = click
        if tuple(click) in options:
            st.session_state[UNIT_KEY] = tuple(click)


def flow_section(config: RunConfig, X: np.ndarray, labels: np.ndarray, dataset: str, ops: list[Operation],
                 index: int, ff: bool) -> None:
    """The diagram coloured by this step's gradients so far, and one hidden unit's chain rule in numbers."""
    graph = flow(config, X, labels, dataset)
    st.header(_("Backprop flowing through the network"))
    st.markdown(_("The network in the sidebar, coloured by this batch's gradients (red positive, blue negative, "
                  "stronger for larger; each layer on its own scale). Step through the backward pass above and "
                  "watch it flow from the output towards the input, one layer at a time."))
    options = sorted(graph.chains)
    if options:
        _clicked(options)
        if st.session_state.get(UNIT_KEY) not in options:
            st.session_state[UNIT_KEY] = options[0]
    selected = st.session_state.get(UNIT_KEY) if options else None
    progress = gradient_progress(ops, index)
    figure = flow_figure(config, graph, (config.key(), len(labels), dataset), progress, selected)
    st.plotly_chart(figure, key=FLOW_KEY, width="stretch", on_select="rerun", selection_mode="points",
                    config=charts.PLAIN, theme=None,
                    alt=_("The network {layers} as a diagram, its units and connections coloured by this batch's "
                          "gradients up to step {step} of {count}; choose a hidden unit below to follow its chain "
                          "rule.", layers=config.architecture, step=index + 1, count=len(ops)))
    if not options:
        st.caption(_("This network has no hidden layer, so there is no hidden unit to follow."))
        return
    choice = st.selectbox(_("Follow one hidden unit (or click it in the diagram)"), options, key=UNIT_KEY,
                          format_func=option_labels(options, _unit_name))
    chain_rule(config, graph, choice, ops, index, ff, labels)


def chain_rule(config: RunConfig, graph: GradientFlow, choice: tuple[int, int], ops: list[Operation], index: int,
               ff: bool, labels: np.ndarray) -> None:
    """dL/da from the layer above, times f'(z), gives dL/dz; times the inputs, this unit's weight gradients."""
    layer, unit = choice
    chain = graph.chains[choice]
    reached = next((i for i, op in enumerate(ops) if op.output.name == f"dz{layer}"), None)
    if reached is not None and index < reached:
        st.caption(_("The step-through reaches this unit's gradient at step {number}; here are its numbers already.",
                     number=reached + 1))
    derivative = ACTIVATIONS[config.activation].derivative_formula
    st.markdown(_("**The chain rule for {unit}** ({activation}, f′ = ${derivative}$), one row per image of the batch:",
                  unit=_unit_name(choice), activation=config.activation, derivative=derivative))
    st.dataframe(pd.DataFrame({
        _("image"): np.arange(1, len(labels) + 1), _("label"): labels,
        _("dL/da (from layer {above})", above=layer + 1): chain.da,
        "z": chain.z, "f′(z)": chain.slope, _("dL/dz = dL/da · f′(z)"): chain.dz,
    }), hide_index=True, key="shapes.chain_table", width="stretch")
    terms = " + ".join(f"{_number(a)}·({_number(d)})" for a, d in list(zip(chain.inputs, chain.dz))[:4])
    terms += " + …" if len(chain.dz) > 4 else ""
    source = (_("pixel {k} (row {row}, column {col} of the image)", k=chain.source, row=chain.source // 28,
                col=chain.source % 28) if layer == 1 else _("unit {k} of layer {below}", k=chain.source + 1,
                                                          below=layer - 1))
    entry = f"dW{layer}[{unit}, {chain.source}]" if ff else f"dW{layer}[{chain.source}, {unit}]"
    decay = _(" plus the weight decay {decay}", decay=_number(chain.decay)) if chain.decay else ""
    st.markdown(_(
        "Summed over the batch, dL/dz gives the bias gradient: db{layer}[{unit}] = Σ dL/dz = **{db}**. "
        "Multiplied by the inputs it gives this unit's {size} weight gradients, its {line} of dW{layer}. The largest "
        "comes from {source}: {entry} = Σ_i {inputs}[i]·dL/dz[i] = {terms}{decay} = **{dW}** "
        "(array indices count from 0).",
        layer=layer, unit=unit, db=f"{chain.db:.4g}", size=chain.size, line=_("row") if ff else _("column"),
        source=source, entry=entry, inputs=("x" if ff else "X") if layer == 1 else f"a{layer - 1}", terms=terms,
        decay=decay, dW=f"{chain.dW:.4g}"))
