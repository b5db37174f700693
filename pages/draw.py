"""Draw a digit: your own handwriting through the MNIST preprocessing and the network."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image
# A components-v2 module: it only imports inside a running app, so never from a module tests import.
from streamlit_drawable_canvas import st_canvas

from explainer.config import RunConfig
from explainer.figures.digits import single_digit
from explainer.figures.prediction import hidden_activations, probability_bars
from explainer.model import Params
from explainer.preprocess import BOX, CENTER, SIDE, Stages, mnist_style, naive_resize
from ui import model_choice, resources
from ui.errors import guarded
from ui.frame import ensure_frame

ensure_frame()

CANVAS_PX = 280
STROKE_PX = 18
PREVIEW_PX = 96  # the drawing and its crop are shown downsampled: a 280×280 heatmap is slow to send
STAGE_HEIGHT = 220
TEST_KEY = "draw.test_index"  # index of the MNIST test image on show, if any
VERSION_KEY = "draw.canvas_version"  # bumped by "Clear": a new key gives a fresh, empty canvas
PLAIN = {"displayModeBar": False}


def _clear() -> None:
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1
    st.session_state.pop(TEST_KEY, None)


def _pick_test_digit() -> None:
    count = len(resources.mnist().test_labels)
    st.session_state[TEST_KEY] = int(np.random.default_rng().integers(count))


def _back_to_drawing() -> None:
    st.session_state.pop(TEST_KEY, None)


def _preview(image: np.ndarray) -> np.ndarray:
    """A large image box-averaged down to at most PREVIEW_PX on its longer side (display only)."""
    h, w = image.shape
    factor = PREVIEW_PX / max(h, w)
    if factor >= 1:
        return image
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX))


def _mark(fig, row: float, col: float, name: str):
    """Put a red × on a digit figure at pixel (row, col)."""
    fig.add_scatter(x=[col], y=[row], mode="markers", name=name, showlegend=False,
                    marker=dict(symbol="x-thin", size=16, line=dict(color="#ff4b4b", width=3)),
                    hovertemplate=f"{name}: row {row:.1f}, column {col:.1f}<extra></extra>")
    return fig


def _square(image: np.ndarray) -> tuple[np.ndarray, int, int]:
    """``image`` centred on a black square (display only: a thin "1" would otherwise be a sliver in a white box).

    Returns the padded image and the rows and columns added above and to the left.
    """
    h, w = image.shape
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    square = np.zeros((side, side), dtype=image.dtype)
    square[top:top + h, left:left + w] = image
    return square, top, left


def _black(fig):
    """A digit figure on black, so any margin around the pixels reads as background, not as a frame."""
    fig.update_layout(plot_bgcolor="black")
    return fig


def _digit(image: np.ndarray, key: str, title: str = "", height: int = STAGE_HEIGHT, fig=None) -> None:
    st.plotly_chart(fig or single_digit(image, title=title, height=height), key=key, width="stretch",
                    config=PLAIN)


def _show_prediction(reading: model_choice.Reading, output: str, label: int | None = None) -> None:
    verdict = "" if label is None else (" ✓ correct" if reading.predicted == label else f" ✗ (true: {label})")
    st.markdown(f"## Prediction: <span style='font-size:xxx-large'>{reading.predicted}</span>{verdict}",
                unsafe_allow_html=True)
    st.markdown(reading.confidence(output))
    st.plotly_chart(probability_bars(reading.outputs, label=label, height=280), key="draw.bars", width="stretch",
                    config=PLAIN)


def _show_stages(stages: Stages) -> None:
    """The four MNIST steps, left to right."""
    gray, cropped, scaled = stages.gray, stages.cropped, stages.scaled
    row, col = stages.center_of_mass
    top, left = stages.shift
    columns = st.columns(4)
    with columns[0]:
        _digit(_preview(gray), "draw.stage.gray", "1. your drawing")
        st.caption(f"{gray.shape[0]}×{gray.shape[1]} pixels, ink as brightness 0…1.")
    with columns[1]:
        _digit(None, "draw.stage.cropped",
               fig=_black(single_digit(_preview(_square(cropped)[0]), title="2. cropped to the ink",
                                       height=STAGE_HEIGHT)))
        st.caption(f"The bounding box of the ink: {cropped.shape[0]}×{cropped.shape[1]} pixels.")
    with columns[2]:
        padded, pad_top, pad_left = _square(scaled)
        _digit(None, "draw.stage.scaled",
               fig=_black(_mark(single_digit(padded, title=f"3. scaled to fit {BOX}×{BOX}", height=STAGE_HEIGHT),
                                row + pad_top, col + pad_left, "centre of mass")))
        st.caption(f"Longer side {BOX} px, aspect ratio kept, anti-aliased: now {scaled.shape[0]}×{scaled.shape[1]}. "
                   f"× marks the centre of mass, row {row:.1f}, column {col:.1f}.")
    with columns[3]:
        _digit(None, "draw.stage.centered", fig=_mark(single_digit(stages.centered, height=STAGE_HEIGHT,
                                                                   title=f"4. centred in {SIDE}×{SIDE}"),
                                                      row + top, col + left, "centre of mass"))
        st.caption(f"Pasted at row {top}, column {left} so the centre of mass lands near ({CENTER:g}, {CENTER:g}), "
                   "as in MNIST. This is what the network sees.")


def _show_hidden(reading: model_choice.Reading) -> None:
    st.subheader("Inside the network")
    st.markdown("Each strip is one hidden layer, each cell one unit's activation for this image "
                "(white = 0, red = positive, blue = negative). The output layer above reads only the last strip.")
    st.plotly_chart(hidden_activations(reading.hidden), key="draw.hidden", width="stretch", config=PLAIN)


def _test_digit_view(index: int, config: RunConfig, params: Params, left, right) -> None:
    """A real MNIST test image instead of the drawing: no preprocessing, and we know the answer."""
    data = resources.mnist()
    image = data.test_images[index].astype(np.float32) / 255
    true_label = int(data.test_labels[index])
    reading = model_choice.read_image(config, params, image)
    with right:
        _show_prediction(reading, config.output, label=true_label)
    with left:
        _digit(image, "draw.test_image", f"test image #{index}: a {true_label}", height=280)
        st.caption("A real MNIST test digit, already 28×28 and centred: no preprocessing needed.")
        st.button("Back to my drawing", key="draw.back", on_click=_back_to_drawing)
    _show_hidden(reading)


def _drawing_view(drawing: np.ndarray | None, naive: bool, config: RunConfig, params: Params, right) -> None:
    """The drawing through the MNIST steps (or squashed naively), then through the network."""
    stages = mnist_style(drawing) if drawing is not None else None
    if stages is None:
        with right:
            st.info("Draw a digit on the black canvas, as large as you like, anywhere on it. "
                    "Or pick a random test digit.", icon=":material/draw:")
        return
    careful = model_choice.read_image(config, params, stages.image)
    if not naive:
        with right:
            _show_prediction(careful, config.output)
        st.subheader("What the network sees: the MNIST steps")
        _show_stages(stages)
        _show_hidden(careful)
        return
    squashed = naive_resize(drawing)
    reading = model_choice.read_image(config, params, squashed)
    with right:
        _show_prediction(reading, config.output)
    st.subheader("What the network sees: the naive way")
    columns = st.columns([1, 1, 2])
    with columns[0]:
        _digit(_preview(stages.gray), "draw.stage.gray", "your drawing")
    with columns[1]:
        _digit(squashed, "draw.naive_image", f"squashed to {SIDE}×{SIDE}")
    with columns[2]:
        st.markdown(f"The whole canvas shrunk to {SIDE}×{SIDE}: no crop, no centring. A small or off-centre digit "
                    "stays small or off-centre and thin strokes fade, so it looks like nothing in MNIST.")
        same = "the same answer" if careful.predicted == reading.predicted else "a different answer"
        st.info(f"Naive input: **{reading.predicted}**. With the MNIST steps the network says "
                f"**{careful.predicted}** ({same}). Switch the toggle off to see those steps.")
    _show_hidden(reading)


@st.fragment
def _workbench(config: RunConfig, params: Params) -> None:
    """Canvas, buttons and everything they drive. A fragment: a stroke reruns only this, not the sidebar."""
    with guarded("the Draw page"):
        version = st.session_state.get(VERSION_KEY, 0)
        test_index = st.session_state.get(TEST_KEY)
        if test_index is not None and test_index >= len(resources.mnist().test_labels):  # the dataset changed
            test_index = None
        left, right = st.columns([1, 1.4], gap="large")
        with left:
            st.write("")  # room for the canvas' floating toolbar (undo, redo, reset) above it
            canvas = st_canvas(stroke_width=STROKE_PX, stroke_color="#FFFFFF", background_color="#000000",
                               width=CANVAS_PX, height=CANVAS_PX, drawing_mode="freedraw", return_image_data=True,
                               key=f"draw.canvas.{version}", on_change=_back_to_drawing)
            buttons = st.columns([1, 1.8])
            buttons[0].button("Clear", key="draw.clear", on_click=_clear, width="stretch")
            buttons[1].button("Random test digit", key="draw.random", on_click=_pick_test_digit, width="stretch")
            naive = st.toggle("Naive resize instead", key="draw.naive", disabled=test_index is not None,
                              help="Squash the whole canvas to 28×28 without cropping or centring, and feed that in.")
        if test_index is not None:
            _test_digit_view(test_index, config, params, left, right)
        else:
            _drawing_view(canvas.image_data, naive, config, params, right)


config, params, label = model_choice.active_model()
st.title("Draw a digit")
st.caption(f"Model: {label}. {model_choice.TRAIN_HINT}")
st.markdown("Write a digit with the mouse (or a finger). It goes through the same steps the MNIST digits went "
            "through before the network ever saw them, then through the network.")

_workbench(config, params)
