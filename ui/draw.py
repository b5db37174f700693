"""The Draw page's workbench: the canvas, its buttons, and what the network makes of the drawing.

The page script (``pages/draw.py``) only says which network to use; this
module draws the canvas (with nothing invisible over it: the component's
floating toolbar is removed, the page has its own Clear button), runs the
drawing through MNIST's preprocessing or the naive resize, and shows every
picture and chart with a text alternative (:mod:`ui.charts`).

Every sentence states what happened to this drawing: the probability in the
sentence is the one on the chart (:func:`explainer.figures.style.percent_text`),
and in naive mode the explanation names the measured size and position of the
squashed digit (:func:`explainer.preprocess.placement`) instead of assuming it
was small or off-centre.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from explainer.config import RunConfig
from explainer.figures.digits import single_digit
from explainer.figures.prediction import hidden_activations, probability_bars
from explainer.model import Params
from explainer.preprocess import BOX, CENTER, SIDE, Placement, Stages, mnist_style, naive_resize, placement
from ui import charts, look, model_choice, resources
from ui.errors import guarded
from ui.i18n import _

CANVAS_PX = 280  # fits a 390-px phone screen with the page's margins
STROKE_PX = 18
PREVIEW_PX = 96  # the drawing and its crop are shown downsampled: a 280×280 heatmap is slow to send
STAGE_HEIGHT = 220
TEST_KEY = "draw.test_index"  # index of the MNIST test image on show, if any
VERSION_KEY = "draw.canvas_version"  # bumped by "Clear": a new key gives a fresh, empty canvas
MARK_COLOR = "#ff4b4b"

# streamlit-drawable-canvas draws a toolbar (send, undo, redo, edit, reset) that floats over the canvas'
# top-right corner, invisible until hovered but catching clicks and touches all the same: a stroke
# started there is lost. It lives in the component's shadow root, out of reach of page CSS, so this
# script adds the hiding rule inside each canvas' shadow root. The host element can be in the page a
# moment before Streamlit attaches its shadow root (then the rule never went in, and about one phone
# page load in four kept the toolbar): a host without a root is looked at again on the next frames.
# Every root is also watched on its own and gets the rule back should its contents be rebuilt.
HIDE_CANVAS_TOOLBAR = """
if (!window.__explainerCanvasToolbar) {
  window.__explainerCanvasToolbar = true;
  const watched = new WeakSet();
  const ensureRule = (root) => {
    if (root.querySelector('style[data-explainer]')) return;
    const style = document.createElement('style');
    style.dataset.explainer = 'toolbar';
    style.textContent = '.dc-toolbar { display: none !important; }';
    root.appendChild(style);
  };
  let queued = false;
  let retries = 0;
  const schedule = () => { if (!queued) { queued = true; requestAnimationFrame(hide); } };
  const hide = () => {
    queued = false;
    let waiting = false;
    for (const host of document.querySelectorAll("[data-testid='stBidiComponentIsolated']")) {
      const root = host.shadowRoot;
      // Any isolated component gets the rule (the canvas is the only one): its own content is built later,
      // inside the shadow root, where the page's observer cannot see it.
      if (!root) { waiting = true; continue; }
      ensureRule(root);
      if (!watched.has(root)) {
        watched.add(root);
        new MutationObserver(() => ensureRule(root)).observe(root, {childList: true});
      }
    }
    retries = waiting ? retries + 1 : 0;
    if (waiting && retries < 600) schedule();  // about ten seconds of frames, then the next mutation
  };
  new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
  hide();
}
"""


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


def _square(image: np.ndarray) -> tuple[np.ndarray, int, int]:
    """``image`` centred on a black square (display only: a thin "1" would otherwise be a sliver).

    Returns the padded image and the rows and columns added above and to the left.
    """
    h, w = image.shape
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    square = np.zeros((side, side), dtype=image.dtype)
    square[top:top + h, left:left + w] = image
    return square, top, left


def _marked(image: np.ndarray, title: str, row: float, col: float):
    """A digit figure with a red × at pixel (row, col), the centre of mass."""
    fig = single_digit(image, title=title, height=STAGE_HEIGHT, translate=_)
    name = _("centre of mass")
    fig.add_scatter(x=[col], y=[row], mode="markers", name=name, showlegend=False,
                    marker=dict(symbol="x-thin", size=16, line=dict(color=MARK_COLOR, width=3)),
                    hovertemplate=_("{name}: row {row:.1f}, column {col:.1f}", name=name, row=row, col=col)
                    + "<extra></extra>")
    return fig


def _picture(fig, key: str, alt: str) -> None:
    """A digit figure, named for a screen reader by ``alt``."""
    charts.show_chart(fig, key=key, summary=alt)


def _show_prediction(reading: model_choice.Reading, output: str, label: int | None = None) -> None:
    if label is None:
        verdict = ""
    elif reading.predicted == label:
        verdict = " ✓ " + _("correct")
    else:
        verdict = " ✗ " + _("(true: {label})", label=label)
    st.markdown(_("## Prediction: {digit}", digit=f"<span style='font-size:xxx-large'>{reading.predicted}</span>")
                + verdict, unsafe_allow_html=True)
    st.markdown(reading.confidence(output))
    charts.show_chart(probability_bars(reading.outputs, label=label, height=280, translate=_), key="draw.bars",
                      summary=charts.outputs_summary(reading.outputs), table=charts.outputs_table(reading.outputs))


def _show_stages(stages: Stages) -> None:
    """The four MNIST steps, left to right (one under the other on a phone), all drawn the same size."""
    gray, cropped, scaled = stages.gray, stages.cropped, stages.scaled
    row, col = stages.center_of_mass
    top, left = stages.shift
    columns = st.columns(4)
    with columns[0]:
        _picture(single_digit(_preview(gray), title=_("1. your drawing"), height=STAGE_HEIGHT, translate=_),
                 "draw.stage.gray", _("Your drawing, {h}×{w} pixels.", h=gray.shape[0], w=gray.shape[1]))
        st.caption(_("{h}×{w} pixels, ink as brightness 0…1.", h=gray.shape[0], w=gray.shape[1]))
    with columns[1]:
        _picture(single_digit(_preview(_square(cropped)[0]), title=_("2. cropped to the ink"), height=STAGE_HEIGHT,
                              translate=_),
                 "draw.stage.cropped", _("Your drawing cropped to its ink: {h}×{w} pixels.",
                                         h=cropped.shape[0], w=cropped.shape[1]))
        st.caption(_("The bounding box of the ink: {h}×{w} pixels.", h=cropped.shape[0], w=cropped.shape[1]))
    with columns[2]:
        padded, pad_top, pad_left = _square(scaled)
        _picture(_marked(padded, _("3. scaled to fit {box}×{box}", box=BOX), row + pad_top, col + pad_left),
                 "draw.stage.scaled", _("The crop scaled to {h}×{w} pixels, its centre of mass marked with a cross.",
                                        h=scaled.shape[0], w=scaled.shape[1]))
        st.caption(_("Longer side {box} px, aspect ratio kept, anti-aliased: now {h}×{w}. × marks the centre of "
                     "mass, row {row:.1f}, column {col:.1f}.", box=BOX, h=scaled.shape[0], w=scaled.shape[1],
                     row=row, col=col))
    with columns[3]:
        _picture(_marked(stages.centered, _("4. centred in {side}×{side}", side=SIDE), row + top, col + left),
                 "draw.stage.centered", _("The {side}×{side} image the network sees: the digit with its centre of "
                                          "mass moved to the middle.", side=SIDE))
        st.caption(_("Pasted at row {top}, column {left} so the centre of mass lands near ({center:g}, {center:g}), "
                     "as in MNIST. This is what the network sees.", top=top, left=left, center=CENTER))


def _show_hidden(reading: model_choice.Reading) -> None:
    st.subheader(_("Inside the network"))
    st.markdown(_("Each strip is one hidden layer, each cell one unit's activation for this image "
                  "(white = 0, red = positive, blue = negative). The output layer above reads only the last strip."))
    charts.show_chart(hidden_activations(reading.hidden, translate=_), key="draw.hidden",
                      summary=charts.hidden_summary(reading.hidden),
                      table=charts.hidden_table(reading.hidden) if reading.hidden else None)


def naive_explanation(facts: Placement | None, naive: int, careful: int) -> str:
    """What squashing the whole canvas did to this drawing, and what it did to the answer, in its own numbers.

    Parameters
    ----------
    facts : Placement or None
        Size and position of the ink in the naive 28×28 image.
    naive, careful : int
        The network's answer for the naive image and for the MNIST-style one.

    Returns
    -------
    str
        Markdown: never blames size or position that were in fact like MNIST's.
    """
    reasons = []
    if facts is not None and facts.small:
        reasons.append(_("it is small, {size:.0f} pixels at its longest where an MNIST digit is {box}",
                         size=facts.size, box=BOX))
    if facts is not None and facts.large:
        reasons.append(_("it fills the frame, {size:.0f} pixels at its longest where an MNIST digit is {box} with "
                         "a margin of at least 4", size=facts.size, box=BOX))
    if facts is not None and facts.off_centre:
        reasons.append(_("its centre of mass is {offset:.1f} pixels from the middle, where MNIST puts it within "
                         "a pixel", offset=facts.offset))
    if reasons and naive == careful:
        return _("The squashed image is unlike an MNIST digit: {reasons}. The network still says **{naive}**, "
                 "the same as with the MNIST steps.", reasons="; ".join(reasons), naive=naive)
    if reasons:
        return _("Naive input: **{naive}**; with the MNIST steps the network says **{careful}**. The squashed "
                 "image is unlike an MNIST digit: {reasons}.", naive=naive, careful=careful,
                 reasons="; ".join(reasons))
    if naive == careful:
        return _("Your digit already has about MNIST's size and position, so the squashed image is close to the "
                 "MNIST-style one, and the answer is the same: **{naive}**.", naive=naive)
    return _("Naive input: **{naive}**; with the MNIST steps the network says **{careful}**, although your digit "
             "already has about MNIST's size and position. The two images differ only in details (exact "
             "position, scale, stroke width), and for this drawing those details change the answer.",
             naive=naive, careful=careful)


def _test_digit_view(index: int, config: RunConfig, params: Params, left, right) -> None:
    """A real MNIST test image instead of the drawing: no preprocessing, and we know the answer."""
    data = resources.mnist()
    image = data.test_images[index].astype(np.float32) / 255
    true_label = int(data.test_labels[index])
    reading = model_choice.read_image(config, params, image)
    with right:
        _show_prediction(reading, config.output, label=true_label)
    with left:
        title = _("test image #{index}: a {digit}", index=index, digit=true_label)
        _picture(single_digit(image, title=title, height=280, translate=_), "draw.test_image",
                 _("MNIST test image number {index}, a handwritten {digit}.", index=index, digit=true_label))
        st.caption(_("A real MNIST test digit, already 28×28 and centred: no preprocessing needed."))
        st.button(_("Back to my drawing"), key="draw.back", on_click=_back_to_drawing)
    _show_hidden(reading)


def _naive_view(drawing: np.ndarray, stages: Stages, careful: model_choice.Reading, config: RunConfig,
                params: Params, right) -> None:
    """The whole canvas squashed to 28×28, what the network says about it, and why, in this drawing's numbers."""
    squashed = naive_resize(drawing)
    reading = model_choice.read_image(config, params, squashed)
    with right:
        _show_prediction(reading, config.output)
    st.subheader(_("What the network sees: the naive way"))
    columns = st.columns([1, 1, 2])
    with columns[0]:
        _picture(single_digit(_preview(stages.gray), title=_("your drawing"), height=STAGE_HEIGHT, translate=_),
                 "draw.stage.gray", _("Your drawing, {h}×{w} pixels.", h=stages.gray.shape[0], w=stages.gray.shape[1]))
    with columns[1]:
        _picture(single_digit(squashed, title=_("squashed to {side}×{side}", side=SIDE), height=STAGE_HEIGHT,
                              translate=_),
                 "draw.naive_image", _("The whole canvas squashed to {side}×{side} pixels.", side=SIDE))
    with columns[2]:
        st.markdown(_("The whole canvas shrunk to {side}×{side}: no crop, no centring.", side=SIDE))
        st.info(naive_explanation(placement(squashed), reading.predicted, careful.predicted)
                + " " + _("Switch the toggle off to see the MNIST steps."))
    _show_hidden(reading)


def _drawing_view(drawing: np.ndarray | None, naive: bool, config: RunConfig, params: Params, right) -> None:
    """The drawing through the MNIST steps (or squashed naively), then through the network."""
    stages = mnist_style(drawing) if drawing is not None else None
    if stages is None:
        with right:
            st.info(_("Draw a digit on the black canvas, as large as you like, anywhere on it. "
                      "Or pick a random test digit."), icon=":material/draw:")
        return
    careful = model_choice.read_image(config, params, stages.image)
    if naive:
        _naive_view(drawing, stages, careful, config, params, right)
        return
    with right:
        _show_prediction(careful, config.output)
    st.subheader(_("What the network sees: the MNIST steps"))
    _show_stages(stages)
    _show_hidden(careful)


def _canvas(version: int):
    """The drawing canvas, with its floating toolbar removed (see :data:`HIDE_CANVAS_TOOLBAR`)."""
    # A components-v2 module: it only imports inside a running app, so never at the top of a module tests import.
    from streamlit_drawable_canvas import st_canvas

    look.run_script(HIDE_CANVAS_TOOLBAR, name="canvas-toolbar")
    return st_canvas(stroke_width=STROKE_PX, stroke_color="#FFFFFF", background_color="#000000",
                     width=CANVAS_PX, height=CANVAS_PX, drawing_mode="freedraw", return_image_data=True,
                     key=f"draw.canvas.{version}", on_change=_back_to_drawing)


@st.fragment
def workbench(config: RunConfig, params: Params) -> None:
    """Canvas, buttons and everything they drive. A fragment: a stroke reruns only this, not the sidebar."""
    with guarded(_("the Draw page")):
        test_index = st.session_state.get(TEST_KEY)
        if test_index is not None and test_index >= len(resources.mnist().test_labels):  # the dataset changed
            test_index = None
        left, right = st.columns([1, 1.4], gap="large")
        with left:
            canvas = _canvas(st.session_state.get(VERSION_KEY, 0))
            buttons = st.columns([1, 1.8])
            buttons[0].button(_("Clear"), key="draw.clear", on_click=_clear, width="stretch")
            buttons[1].button(_("Random test digit"), key="draw.random", on_click=_pick_test_digit, width="stretch",
                              help=_("Without a mouse or a touch screen: a real handwritten digit from the test set."))
            naive = st.toggle(_("Naive resize instead"), key="draw.naive", disabled=test_index is not None,
                              help=_("Squash the whole canvas to 28×28 without cropping or centring, and feed "
                                     "that in."))
        if test_index is not None:
            _test_digit_view(test_index, config, params, left, right)
        else:
            _drawing_view(canvas.image_data, naive, config, params, right)

