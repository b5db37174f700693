"""The Draw page: an empty canvas asks for a digit, a test digit is predicted, and the drawing path reads digits.

AppTest cannot draw on the canvas (a custom component is an unknown element
there), so the path from a drawing to a prediction is checked on drawings
rendered with Pillow the way the canvas renders them: white strokes 18 px
wide on a black 280×280 RGBA image. The browser test draws with the mouse.
"""

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from explainer import trainer
from explainer.config import RunConfig
from explainer.persistence import load_npz
from explainer.preprocess import mnist_style, naive_resize
from tests.apptest_support import new_app, texts
from ui import model_choice, resources

PREDICTION = re.compile(r"Prediction\D{0,60}?(\d)")
# Strokes as fractions of the canvas, like a mouse would draw them.
STROKES = {
    1: [[(0.5, 0.15), (0.5, 0.85)]],
    7: [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]],
    4: [[(0.6, 0.85), (0.6, 0.15), (0.2, 0.6), (0.8, 0.6)]],
}


def draw_page():
    at = new_app()
    at.switch_page("pages/draw.py")
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def canvas_drawing(strokes, scale=1.0, left=0.0, top=0.0, side=280, width=18) -> np.ndarray:
    """An RGBA image like the canvas sends: white strokes on black, optionally shrunk and moved."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [((left + scale * x) * side, (top + scale * y) * side) for x, y in stroke]
        pen.line(points, fill=(255, 255, 255, 255), width=width, joint="curve")
    return np.asarray(image)


@pytest.fixture(scope="module")
def shipped():
    return load_npz(resources.PRETRAINED)


def test_empty_canvas_asks_for_a_digit():
    at = draw_page()
    assert any("Draw a digit" in info.value for info in at.info)
    assert "Prediction" not in texts(at)
    assert "shipped recommended model" in texts(at)  # which network is used, said at the top


def test_random_test_digit_is_predicted_and_back_returns_to_the_canvas():
    at = draw_page()
    at.button(key="draw.random").click().run()
    assert not at.exception, at.exception
    text = texts(at)
    match = PREDICTION.search(text)
    assert match, text
    specs = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    shown = re.search(r"test image #(\d+): a (\d)", specs)
    assert shown, "the test image's title names its index and true digit"
    assert f"true {shown.group(2)}" in specs  # the bars' title compares prediction and true digit
    assert at.toggle(key="draw.naive").disabled  # naive resizing means nothing for a ready 28×28 image
    chart_ids = [chart.proto.id for chart in at.get("plotly_chart")]
    assert any(i.endswith("draw.bars") for i in chart_ids) and any(i.endswith("draw.hidden") for i in chart_ids)

    at.button(key="draw.back").click().run()
    assert any("Draw a digit" in info.value for info in at.info)


def test_clear_keeps_the_page_working():
    at = draw_page()
    at.button(key="draw.random").click().run()
    at.button(key="draw.clear").click().run()
    assert not at.exception, at.exception
    assert any("Draw a digit" in info.value for info in at.info)


def test_the_page_uses_the_learners_last_run(sample_splits):
    config = RunConfig(hidden=(16,), epochs=1, train_size=1000, eval_every=4)
    result = trainer.run(config, sample_splits(config))
    at = new_app()
    at.switch_page("pages/draw.py")
    at.session_state["last_result"] = result
    at.run()
    assert not at.exception, at.exception
    assert "your last run: 784-16-10, trained 1 epoch" in texts(at)
    at.button(key="draw.random").click().run()
    assert PREDICTION.search(texts(at))


@pytest.mark.parametrize("digit", sorted(STROKES))
@pytest.mark.parametrize("scale, left, top", [(1.0, 0.0, 0.0), (0.35, 0.02, 0.05), (0.4, 0.55, 0.55)],
                         ids=["large", "small top-left", "small bottom-right"])
def test_a_drawn_digit_is_read_correctly_wherever_and_however_small(shipped, digit, scale, left, top):
    config, params = shipped
    stages = mnist_style(canvas_drawing(STROKES[digit], scale, left, top))
    reading = model_choice.read_image(config, params, stages.image)
    assert reading.predicted == digit, reading.outputs.round(3)
    assert reading.outputs[digit] > 0.5
    assert [a.shape for a in reading.hidden] == [(256,), (128,)]


def test_naive_resize_of_a_small_digit_is_what_misleads_the_network(shipped):
    config, params = shipped
    drawing = canvas_drawing(STROKES[7], scale=0.3, left=0.05, top=0.05)
    careful = model_choice.read_image(config, params, mnist_style(drawing).image)
    naive = model_choice.read_image(config, params, naive_resize(drawing))
    assert careful.predicted == 7
    assert naive.outputs[7] < careful.outputs[7]


def test_confidence_is_worded_for_the_output_layer():
    reading = model_choice.Reading(np.array([0.01] * 9 + [0.91]), [], 9)
    assert "91.0%" in reading.confidence("softmax")
    assert "sigmoid" in reading.confidence("sigmoid")
    assert "score" in model_choice.Reading(np.array([-1.0] * 9 + [2.0]), [], 9).confidence("linear")
    assert ">99.9%" in model_choice.Reading(np.array([0.0] * 9 + [0.9999]), [], 9).confidence("softmax")


# --- the words match what happened -------------------------------------------------------------

def test_the_sentence_and_the_chart_give_the_same_probability():
    """0.9997 is '>99.9%' in the sentence and on the bar, never '>99.9%' beside '100.0%'."""
    from explainer.figures.prediction import probability_bars

    outputs = np.array([0.0001, 0.0002] + [0.0] * 7 + [0.9997])
    reading = model_choice.Reading(outputs, [], 9)
    label = probability_bars(outputs).data[0].text[9]
    assert label == ">99.9%"
    assert f"**{label}**" in reading.confidence("softmax")
    assert ">99.9%" in model_choice.Reading(outputs, [], 9).confidence("sigmoid")  # not "1.000"


def test_naive_mode_blames_size_and_position_only_when_they_were_off():
    from explainer.preprocess import placement
    from ui.draw import naive_explanation

    large_centred = placement(naive_resize(canvas_drawing(STROKES[1], 1.0, 0.0, 0.0)))
    assert large_centred.like_mnist
    words = naive_explanation(large_centred, naive=7, careful=1)
    assert "although your digit already has about MNIST's size and position" in words
    assert "small" not in words and "centre of mass" not in words
    assert "**7**" in words and "**1**" in words
    assert "the answer is the same: **1**" in naive_explanation(large_centred, naive=1, careful=1)

    small_corner = placement(naive_resize(canvas_drawing(STROKES[7], 0.35, 0.02, 0.05)))
    words = naive_explanation(small_corner, naive=1, careful=7)
    assert f"{small_corner.size:.0f} pixels at its longest" in words and "small" in words
    assert f"{small_corner.offset:.1f} pixels from the middle" in words
    assert "although" not in words
    assert "still says **7**" in naive_explanation(small_corner, naive=7, careful=7)


def test_every_picture_and_chart_has_a_text_alternative():
    at = draw_page()
    at.button(key="draw.random").click().run()
    alts = {chart.proto.id.split("-")[-1]: chart.proto.alt for chart in at.get("plotly_chart")}
    assert set(alts) == {"draw.test_image", "draw.bars", "draw.hidden"}
    assert all(alts.values()), alts
    shown = re.search(r"MNIST test image number (\d+), a handwritten (\d)", alts["draw.test_image"])
    assert shown
    predicted = PREDICTION.search(texts(at)).group(1)
    assert alts["draw.bars"].startswith(f"Bar chart of the network's output for each digit: {predicted} gets")
    assert "a1: " in alts["draw.hidden"] and "of 256 units above zero" in alts["draw.hidden"]
    outputs = at.table[0].value
    assert list(outputs.index) == [str(digit) for digit in range(10)]  # row names kept as text
    hidden = [frame for frame in at.dataframe]
    assert len(hidden) == 1 and len(hidden[0].value) == 256 + 128  # every hidden unit, in a scrolling table
