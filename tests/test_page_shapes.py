"""The Shapes page: one training step traced operation by operation, and a live gradient check."""

import pytest

from explainer.gradcheck import TOLERANCE
from explainer.presets import PRESETS
from explainer.trace import trace_step
from tests.apptest_support import new_app, texts


def shapes(query=None):
    at = new_app(query)
    at.switch_page("pages/shapes.py").run()
    assert_ok(at)
    return at


def assert_ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def shape_line(at) -> str:
    """The '**Shapes:** X (4×784) · W1 (784×256) + b1 (256) → z1 (4×256)' line of the current step."""
    return next(m.value for m in at.markdown if m.value.startswith("**Shapes:**"))


def table(at, column: str):
    """The first dataframe on the page with this column."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def current_title(at) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Step "))


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_renders_its_first_and_last_step(name):
    at = shapes({"preset": name})
    assert "Layer 1: weighted sum" in current_title(at)
    count = int(at.slider(key="shapes.step").max)
    at.slider(key="shapes.step").set_value(count).run()
    assert_ok(at)
    assert current_title(at).startswith(f"Step {count} of {count} · Update b")


def test_shapes_follow_the_batch_size_and_the_layout():
    at = shapes()
    assert "X (4×784) · W1 (784×256) + b1 (256) → z1 (4×256)" in shape_line(at)
    at.slider(key="shapes.m").set_value(7).run()
    assert "X (7×784)" in shape_line(at) and "z1 (7×256)" in shape_line(at)
    at.slider(key="shapes.m").set_value(4).run()
    at.segmented_control(key="shapes.layout").set_value("feature-first").run()
    assert_ok(at)
    assert "W1 (256×784) · x (784×4) + b1 (256×1) → z1 (256×4)" in shape_line(at)
    assert "4×784" not in shape_line(at)


def test_next_and_previous_move_through_the_steps():
    at = shapes()
    assert current_title(at).startswith("Step 1 of 24")
    at.button(key="shapes.next").click().run()
    at.button(key="shapes.next").click().run()
    assert at.slider(key="shapes.step").value == 3
    assert current_title(at) == "Step 3 of 24 · Layer 2: weighted sum"
    assert "a1 (4×256) · W2 (256×128)" in shape_line(at)
    at.button(key="shapes.previous").click().run()
    assert current_title(at) == "Step 2 of 24 · Layer 1: activation"
    assert at.button(key="shapes.phase.forward").label == "▶ forward · 2 of 6"


def test_phase_buttons_show_progress_and_jump():
    at = shapes()
    at.button(key="shapes.phase.backward").click().run()
    assert current_title(at) == "Step 8 of 24 · Output gradient"
    assert at.button(key="shapes.phase.forward").label == "✓ forward (1–6)"
    assert at.button(key="shapes.phase.loss").label == "✓ loss (7)"
    assert at.button(key="shapes.phase.backward").label == "▶ backward · 1 of 11"
    assert at.button(key="shapes.phase.update").label == "update (19–24)"
    assert "a3 (4×10) and y (4×10) → dz3 (4×10)" in shape_line(at)


def test_backward_steps_explain_the_transposes():
    at = shapes()
    at.slider(key="shapes.step").set_value(9).run()  # 6 forward, loss, output gradient, then dW3
    assert current_title(at).endswith("Layer 3: weight gradient")
    assert "a2ᵀ (128×4) · dz3 (4×10) → dW3 (128×10)" in shape_line(at)
    assert "backward" in texts(at)


def test_all_steps_table_and_gradient_check(small_batch):
    at = shapes({"preset": "seed4-two-layer-net"})
    X, y = small_batch
    expected = trace_step(PRESETS["seed4-two-layer-net"].config, X[:4], y[:4])
    steps = table(at, "output shape")
    assert len(steps) == len(expected)
    assert list(steps["output"]) == [op.output.name for op in expected]
    assert list(steps["output shape"])[:2] == ["4×50", "4×50"]
    assert not any("\\" in formula for formula in steps["formula"])  # plain text, no LaTeX source
    assert list(steps["formula"])[0] == "z₁ = X W₁ + b₁"

    at.button(key="shapes.run_gradcheck").click().run()
    assert_ok(at)
    check = table(at, "verdict")
    assert list(check["parameter"]) == ["W1", "b1", "W2", "b2"]
    assert set(check["verdict"]) == {"pass"}
    assert all(float(error) < TOLERANCE for error in check["relative error"])
    assert "pass" in at.success[0].value


def test_784_pixel_arrays_can_be_drawn_as_images():
    at = shapes()
    at.slider(key="shapes.step").set_value(17).run()  # dW1 = Xᵀ dz1 + λW1
    assert current_title(at).endswith("Layer 1: weight gradient")
    assert any(caption.value.startswith("dW1 (784×256) as one 28×28 image per hidden unit") for caption in at.caption)
    assert len(at.get("plotly_chart")) == 2  # dz1 as a heatmap, dW1 as unit images
    at.toggle(key="shapes.as_images").set_value(False).run()
    assert_ok(at)
    assert len(at.get("plotly_chart")) == 1  # one figure with X, dz1 and dW1 as heatmaps
