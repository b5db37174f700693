"""The shape walkthrough: one training step, operation by operation, in either convention."""

import numpy as np
import pytest

from explainer import model
from explainer.activations import ACTIVATIONS
from explainer.config import RunConfig
from explainer.losses import one_hot
from explainer.prepare import normalize
from explainer.i18n import render
from explainer.trace import KINDS, LAYOUTS, shape_text, trace_step
from explainer.trainer import random_streams, run
from tests.i18n_support import marked

CONFIGS = {
    **{f"{len(h)}-hidden": RunConfig(hidden=h) for h in [(), (8,), (8, 6), (8, 6, 4)]},
    **{f"act-{a}": RunConfig(hidden=(8, 6), activation=a) for a in ACTIVATIONS},
    **{f"{o}-{l}": RunConfig(hidden=(8,), activation="tanh", output=o, loss=l)
       for o, l in [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"), ("softmax", "mse"),
                    ("sigmoid", "mse"), ("linear", "mse")]},
    "l2-momentum-cosine": RunConfig(hidden=(8,), l2=0.1, momentum=0.9, schedule="cosine"),
}
BATCH_SIZES = [1, 4, 32]


@pytest.fixture(scope="module")
def batches(sample):
    X = normalize(sample.train_images[:32], "unit")
    y = sample.train_labels[:32].astype(np.int64)
    return {m: (X[:m], y[:m]) for m in BATCH_SIZES}


def model_arrays(config, X, y):
    """The trainer's own arrays for the first step, keyed by the names the trace uses."""
    params = model.init_params(config, random_streams(config.seed)[0])
    values = model.forward(params, X, config)
    record = {}
    grads = model.backward(params, values, y, config, record=record)
    arrays = {**params, **values, **record, **grads, "X": X, "y": one_hot(y)}
    return params, arrays


def expected_phases(layers):
    return (["forward"] * 2 * layers + ["loss"] + ["backward"] * (1 + 2 * layers + 2 * (layers - 1))
            + ["update"] * 2 * layers)


@pytest.mark.parametrize("m", BATCH_SIZES)
@pytest.mark.parametrize("name", list(CONFIGS))
def test_batch_first_shapes_and_values_are_the_trainers_arrays(name, m, batches):
    config = CONFIGS[name]
    X, y = batches[m]
    params, arrays = model_arrays(config, X, y)
    ops = trace_step(config, X, y, layout="batch-first")
    for op in ops:
        tensors = op.inputs if op.phase in ("update", "loss") else (*op.inputs, op.output)
        for tensor in tensors:
            assert tensor.shape == arrays[tensor.name].shape, (op.title, tensor.name)
            np.testing.assert_allclose(tensor.value, arrays[tensor.name], rtol=1e-6, atol=1e-7,
                                       err_msg=f"{op.title}: {tensor.name}")
        if op.phase == "update":
            assert op.output.shape == params[op.output.name].shape
    loss = [op for op in ops if op.phase == "loss"][0].output
    assert loss.shape == ()
    assert float(loss.value) == pytest.approx(model.loss(params, model.forward(params, X, config), y, config),
                                              rel=1e-6)


@pytest.mark.parametrize("m", BATCH_SIZES)
@pytest.mark.parametrize("name", list(CONFIGS))
def test_feature_first_shows_every_array_transposed_and_biases_as_columns(name, m, batches):
    config = CONFIGS[name]
    X, y = batches[m]
    batch_first = trace_step(config, X, y, layout="batch-first")
    feature_first = trace_step(config, X, y, layout="feature-first")
    assert [op.title for op in feature_first] == [op.title for op in batch_first]
    for bf_op, ff_op in zip(batch_first, feature_first):
        assert ff_op.phase == bf_op.phase
        for bf, ff in zip((*bf_op.inputs, bf_op.output), (*ff_op.inputs, ff_op.output)):
            if bf.value.ndim == 2:
                assert ff.shape == bf.shape[::-1]
                assert np.array_equal(ff.value, bf.value.T)
            elif bf.value.ndim == 1:
                assert ff.shape == (bf.shape[0], 1)
                assert np.array_equal(ff.value[:, 0], bf.value)
            else:
                assert ff.shape == bf.shape == ()
    first = feature_first[0]
    assert first.inputs[0].name == "x" and first.inputs[0].shape == (784, m)
    assert first.inputs[1].shape == (config.layer_sizes[1], 784)  # W1 is n1 × 784, as the seeds write it
    assert first.output.shape == (config.layer_sizes[1], m)
    assert "W_1 x" in first.formula and "X W_1" in batch_first[0].formula


@pytest.mark.parametrize("name", list(CONFIGS))
def test_operations_run_forward_then_loss_then_backward_then_update(name, batches):
    config = CONFIGS[name]
    X, y = batches[4]
    ops = trace_step(config, X, y)
    layers = len(config.hidden) + 1
    assert [op.phase for op in ops] == expected_phases(layers)
    forward_outputs = [op.output.name for op in ops if op.phase == "forward"]
    assert forward_outputs == [f"{k}{l}" for l in range(1, layers + 1) for k in ("z", "a")]
    weight_grads = [op.output.name for op in ops if op.output.name.startswith("dW")]
    assert weight_grads == [f"dW{l}" for l in range(layers, 0, -1)]  # backward runs from the output down
    updates = [op.output.name for op in ops if op.phase == "update"]
    assert updates == [f"{k}{l}" for l in range(1, layers + 1) for k in ("W", "b")]
    assert all(op.formula and op.note and op.title for op in ops)


def test_values_agree_with_an_independent_computation(batches):
    config = RunConfig(hidden=(8,), l2=0.05, learning_rate=0.3)
    X, y = batches[32]
    ops = {op.title: op for op in trace_step(config, X, y)}
    W1, b1 = (ops["Layer 1: weighted sum"].inputs[k].value.astype(np.float64) for k in (1, 2))
    W2, b2 = (ops["Layer 2: weighted sum"].inputs[k].value.astype(np.float64) for k in (1, 2))
    x = X.astype(np.float64)
    m = len(y)
    # Forward, by hand.
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(m), y])) + 0.025 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    # Backward, by hand.
    dz2 = (p - np.eye(10)[y]) / m
    dW2 = a1.T @ dz2 + 0.05 * W2
    db2 = dz2.sum(axis=0)
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0)
    dW1 = x.T @ dz1 + 0.05 * W1
    db1 = dz1.sum(axis=0)
    close = dict(rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ops["Layer 1: weighted sum"].output.value, z1, **close)
    np.testing.assert_allclose(ops["Layer 1: activation"].output.value, a1, **close)
    np.testing.assert_allclose(ops["Layer 2: activation"].output.value, p, **close)
    assert float(ops["Loss"].output.value) == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(ops["Output gradient"].output.value, dz2, **close)
    np.testing.assert_allclose(ops["Layer 2: weight gradient"].output.value, dW2, **close)
    np.testing.assert_allclose(ops["Layer 2: bias gradient"].output.value, db2, **close)
    np.testing.assert_allclose(ops["Layer 2: gradient to the layer below"].output.value, da1, **close)
    np.testing.assert_allclose(ops["Layer 1: through the activation"].output.value, dz1, **close)
    np.testing.assert_allclose(ops["Layer 1: weight gradient"].output.value, dW1, **close)
    np.testing.assert_allclose(ops["Layer 1: bias gradient"].output.value, db1, **close)
    for name, W, dW in (("W1", W1, dW1), ("b1", b1, db1), ("W2", W2, dW2), ("b2", b2, db2)):
        np.testing.assert_allclose(ops[f"Update {name}"].output.value, W - 0.3 * dW, **close)


def test_the_update_is_exactly_the_trainers_first_step(sample_splits):
    # The walkthrough must show the step the trainer takes: same initial weights, same maths.
    config = RunConfig(hidden=(8, 6), sampling="sequential", batch_size=4, steps=1, train_size=40,
                       learning_rate=0.5)
    data = sample_splits(config)
    result = run(config, data, evaluate_progress=False)
    ops = trace_step(config, data.X_train[:4], data.y_train[:4])
    updates = {op.output.name: op for op in ops if op.phase == "update"}
    for name in result.params:
        assert np.array_equal(updates[name].inputs[0].value, result.initial_params[name])
        np.testing.assert_allclose(updates[name].output.value, result.params[name], rtol=1e-6, atol=1e-7)


def test_given_params_are_used_and_not_modified(batches):
    config = RunConfig(hidden=(8,))
    X, y = batches[4]
    params = model.init_params(config, np.random.default_rng(123))
    before = {name: value.copy() for name, value in params.items()}
    ops = trace_step(config, X, y, params=params)
    assert np.array_equal(ops[0].inputs[1].value, before["W1"])
    for name in params:
        assert np.array_equal(params[name], before[name])


def test_uint8_or_float64_batches_are_traced_in_float32(batches):
    X, y = batches[4]
    ops = trace_step(RunConfig(hidden=(8,)), X.astype(np.float64), y)
    assert ops[0].output.value.dtype == np.float32


@pytest.mark.parametrize("layout", ["batch_first", "Feature-First", "", "columns"])
def test_an_unknown_layout_raises_value_error(layout, batches):
    assert layout not in LAYOUTS
    with pytest.raises(ValueError, match="layout"):
        trace_step(RunConfig(hidden=(8,)), *batches[4], layout=layout)


# --- compact traces: only what a page draws, with the true shapes -----------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_compact_trace_keeps_corners_pixels_and_true_shapes(layout, batches):
    from explainer.trace import CORNER, PIXEL_UNITS

    X, y = batches[4]
    config = RunConfig(hidden=(300, 40))
    full = trace_step(config, X, y, layout=layout)
    compact = trace_step(config, X, y, layout=layout, compact=True)
    assert [op.title for op in compact] == [op.title for op in full]
    for big, small in zip(full, compact):
        for a, b in zip((*big.inputs, big.output), (*small.inputs, small.output)):
            assert b.shape == a.shape and b.name == a.name
            assert b.is_zero == (not np.any(a.value))
            if a.value.ndim == 0:
                assert b.value == a.value
                continue
            corner = tuple(slice(0, n) for n in b.value.shape)
            assert np.array_equal(b.value, a.value[corner])  # a top-left part, exactly
            if a.value.ndim == 2 and 784 in a.value.shape:
                pixels = a.value.shape.index(784)
                assert b.value.shape[pixels] == 784 and b.value.shape[1 - pixels] == min(PIXEL_UNITS,
                                                                                        a.value.shape[1 - pixels])
            else:
                assert all(n <= CORNER for n in b.value.shape)
    assert max(t.value.size for op in compact for t in (*op.inputs, op.output)) <= 784 * 32


# --- the gradient flow of the diagram -----------------------------------------------------------


def test_gradient_flow_keeps_the_drawn_units_gradients_and_each_hidden_units_chain_rule(batches):
    from explainer.trace import gradient_flow

    X, y = batches[4]
    config = RunConfig(hidden=(8, 6), activation="sigmoid", l2=0.01)
    params, arrays = model_arrays(config, X, y)
    units = [(0, 1, 783), (2, 5), (0, 3, 5), tuple(range(10))]
    flow = gradient_flow(config, X, y, units=units)
    assert flow.units == tuple(units)
    np.testing.assert_allclose(flow.edge_grads[0], arrays["dW1"][np.ix_([0, 1, 783], [2, 5])], rtol=1e-6)
    np.testing.assert_allclose(flow.unit_grads[1], arrays["db2"][[0, 3, 5]], rtol=1e-6)
    assert flow.edge_scales[2] == pytest.approx(np.abs(arrays["dW3"]).max())
    assert set(flow.chains) == {(1, 2), (1, 5), (2, 0), (2, 3), (2, 5)}
    chain = flow.chains[(2, 3)]
    sigma = arrays["a2"][:, 3]
    np.testing.assert_allclose(chain.da, arrays["da2"][:, 3], rtol=1e-6)
    np.testing.assert_allclose(chain.slope, sigma * (1 - sigma), rtol=1e-5)  # σ'(z) = σ(1 - σ)
    np.testing.assert_allclose(chain.dz, chain.da * chain.slope, rtol=1e-5, atol=1e-9)  # dL/dz = dL/da · f'(z)
    assert chain.db == pytest.approx(chain.dz.sum(), rel=1e-5)
    k = chain.source
    assert chain.size == 8 and k == int(np.argmax(np.abs(arrays["a1"].T @ arrays["dz2"][:, 3])))
    assert chain.dW == pytest.approx(float(chain.inputs @ chain.dz) + chain.decay, rel=1e-4)
    assert chain.decay == pytest.approx(0.01 * params["W2"][k, 3], rel=1e-5)
    assert chain.dW == pytest.approx(arrays["dW2"][k, 3], rel=1e-6)


def test_gradient_progress_follows_the_backward_pass_layer_by_layer(batches):
    from explainer.trace import gradient_progress

    X, y = batches[4]
    ops = trace_step(RunConfig(hidden=(8, 6)), X, y)  # 6 forward, loss, 11 backward, 6 update
    progress = [gradient_progress(ops, i) for i in range(len(ops))]
    assert progress[:7] == [(4, 4)] * 7  # nothing known before the backward pass
    assert progress[7] == (3, 4)  # dz3: the output units
    assert progress[8] == (3, 3)  # dW3: the edges into them
    assert [ops[i].output.name for i, p in enumerate(progress) if p[0] < progress[i - 1][0]] == ["dz3", "dz2", "dz1"]
    assert progress[-1] == (1, 1)


# --- the words of a trace, in any language ----------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_titles_and_notes_are_templates_whose_english_is_the_title_and_the_note(layout, batches):
    X, y = batches[4]
    ops = trace_step(CONFIGS["2-hidden"], X, y, layout=layout)
    assert [op.title for op in ops[:3]] == ["Layer 1: weighted sum", "Layer 1: activation", "Layer 2: weighted sum"]
    for op in ops:
        assert op.title == str(op.heading) == render(op.heading) and op.note == str(op.explanation)
        assert op.kind in KINDS
        assert render(op.heading, marked) == f"«{op.title}»" and render(op.explanation, marked) == f"«{op.note}»"
    weighted = ops[0]
    assert weighted.explanation.template.startswith("Each of the {m} images becomes {units} weighted sums")
    assert shape_text((), marked) == "«scalar»" and shape_text((4, 784), marked) == "4×784"
