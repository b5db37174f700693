"""The Shapes page: one training step traced operation by operation, and a live gradient check."""

import json

import numpy as np
import pytest

from explainer.data import load_mnist
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


def step_charts(at) -> list:
    """The charts of the current step's card (not the gradient-flow diagram)."""
    return [chart for chart in at.get("plotly_chart") if "shapes.flow" not in chart.proto.id]


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
    assert len(step_charts(at)) == 2  # dz1 as a heatmap, dW1 as unit images
    at.toggle(key="shapes.as_images").set_value(False).run()
    assert_ok(at)
    assert len(step_charts(at)) == 1  # one figure with X, dz1 and dW1 as heatmaps


# --- backprop flowing through the network -------------------------------------------------------


def flow_spec(at) -> dict:
    chart = next(chart for chart in at.get("plotly_chart") if "shapes.flow" in chart.proto.id)
    return json.loads(chart.proto.spec)


def coloured_edge_layers(at) -> set[str]:
    """The weight matrices whose edges are drawn by gradient (traces named dW1, dW2, ...)."""
    return {trace["name"] for trace in flow_spec(at)["data"] if trace.get("name", "").startswith("dW")}


def test_the_diagram_colours_layer_after_layer_as_the_backward_pass_moves():
    at = shapes({"preset": "seed4-two-layer-net"})  # 784-50-10: 6 forward steps... see the phase buttons
    assert coloured_edge_layers(at) == set()
    assert "has not started" in flow_spec(at)["layout"]["title"]["text"]
    at.button(key="shapes.phase.backward").click().run()  # the output gradient dz2
    assert coloured_edge_layers(at) == set()
    at.button(key="shapes.next").click().run()  # dW2
    assert coloured_edge_layers(at) == {"dW2"}
    at.button(key="shapes.phase.update").click().run()
    assert coloured_edge_layers(at) == {"dW1", "dW2"}
    assert "the whole backward pass" in flow_spec(at)["layout"]["title"]["text"]


def test_choosing_a_hidden_unit_shows_its_chain_rule_with_the_batch_numbers():
    at = shapes({"preset": "seed4-two-layer-net"})
    assert at.selectbox(key="shapes.unit").value == (1, 0)
    at.selectbox(key="shapes.unit").set_value((1, 49)).run()
    assert_ok(at)
    chain = table(at, "f′(z)")
    assert list(chain["label"]) == list(load_mnist(download=False).train_labels[:4])  # the data the app uses
    product = chain["dL/da (from layer 2)"] * chain["f′(z)"]
    np.testing.assert_allclose(chain["dL/dz = dL/da · f′(z)"], product, rtol=1e-6, atol=1e-12)
    # sigmoid: f'(z) = σ(z)(1 - σ(z)), computed from the z in the same row
    sigma = 1 / (1 + np.exp(-chain["z"]))
    np.testing.assert_allclose(chain["f′(z)"], sigma * (1 - sigma), rtol=1e-4)
    text = texts(at)
    assert "The chain rule for hidden 1 · unit 50" in text
    assert f"= **{chain['dL/dz = dL/da · f′(z)'].sum():.4g}**" in text  # db = Σ dL/dz
    assert "its column of dW1" in text and "pixel" in text


def test_clicking_a_unit_in_the_diagram_chooses_it():
    at = shapes({"preset": "seed4-two-layer-net"})
    at.session_state["shapes.flow"] = {"selection": {"points": [{"customdata": [1, 48]}], "point_indices": [],
                                                     "box": [], "lasso": []}}
    at.run()
    assert_ok(at)
    assert at.selectbox(key="shapes.unit").value == (1, 48)
    ring = [t for t in flow_spec(at)["data"] if t.get("name") == "selected"]
    assert len(ring) == 1
    at.selectbox(key="shapes.unit").set_value((1, 2)).run()  # the old click does not override a new choice
    assert at.selectbox(key="shapes.unit").value == (1, 2)


def test_a_network_without_hidden_layers_has_no_unit_to_follow():
    at = shapes({"hidden": ""})
    assert "no hidden layer" in texts(at)


# --- the server's memory: only what is drawn, in a cache bounded in bytes ------------------------


def kept_arrays(value):
    """Every numpy array inside a cached value (traces, flows, figures)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from kept_arrays(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from kept_arrays(item)
    elif hasattr(value, "to_plotly_json"):
        yield from kept_arrays(value.to_plotly_json())
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from kept_arrays(getattr(value, name))


def test_big_networks_fill_the_shapes_cache_without_passing_its_bound(small_batch):
    from explainer.config import RunConfig
    from explainer.memory import BoundedCache, approx_bytes
    from explainer.trace import LAYOUTS
    from ui import shapes as page

    X, y = small_batch
    cache = BoundedCache("shapes", 4 * 2**20)
    widest = RunConfig(hidden=(2048, 2048, 2048, 2048))  # 14.7 million weights: 59 MB in float32
    for config in (widest, widest.replace(seed=1), widest.replace(activation="tanh", hidden=(2048, 1024))):
        for layout in LAYOUTS:
            ops = page.trace(config, X, y, layout, "sample", cache)
            key = (config.key(), len(y), layout, "sample")
            for index, op in enumerate(ops):
                page.step_figure(ops, key, index, True, cache)
                for tensor in (*op.inputs, op.output):
                    if page.pictured(tensor) and tensor.name not in page.INPUT_NAMES:
                        page.unit_images(ops, key, index, tensor.name, cache)
            assert approx_bytes(ops) < 2**20  # the trace of a 59 MB network keeps under 1 MB
            assert max(array.size for array in kept_arrays(ops)) <= 784 * 32
            assert ops[-2].output.shape in ((2048, 10), (10, 2048), (1024, 10), (10, 1024))  # true shapes kept
        graph = page.flow(config, X, y, "sample", cache)
        assert max(array.size for array in kept_arrays(graph)) <= 12 * 12
        assert cache.bytes <= cache.max_bytes
    assert cache.evictions > 0 and len(cache) > 10
