"""The network as plain arrays: initialisation, forward and backward shapes, purity."""

import numpy as np
import pytest

from explainer import model
from explainer.config import RunConfig
from explainer.trainer import run

HIDDEN_SHAPES = [(), (32,), (32, 16), (24, 20, 16, 12)]


def copy_params(params):
    return {name: value.copy() for name, value in params.items()}


# --- shapes --------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", HIDDEN_SHAPES)
def test_init_params_shapes_follow_the_layer_sizes(hidden):
    config = RunConfig(hidden=hidden)
    params = model.init_params(config, np.random.default_rng(0))
    sizes = config.layer_sizes
    assert list(params) == [f"{kind}{l}" for l in range(1, len(sizes)) for kind in ("W", "b")]
    for l in range(1, len(sizes)):
        assert params[f"W{l}"].shape == (sizes[l - 1], sizes[l])
        assert params[f"b{l}"].shape == (sizes[l],)
        assert params[f"W{l}"].dtype == params[f"b{l}"].dtype == np.float32
    assert model.layer_count(params) == len(hidden) + 1


@pytest.mark.parametrize("hidden", HIDDEN_SHAPES)
@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "mse"), ("linear", "mse")])
def test_forward_and_backward_shapes(hidden, output, loss, small_batch):
    X, y = small_batch
    config = RunConfig(hidden=hidden, output=output, loss=loss)
    params = model.init_params(config, np.random.default_rng(1))
    values = model.forward(params, X, config)
    last = len(hidden) + 1
    m = X.shape[0]
    assert values["a0"] is X
    assert set(values) == {"a0"} | {f"{k}{l}" for l in range(1, last + 1) for k in ("z", "a")}
    for l, width in enumerate(config.layer_sizes[1:], start=1):
        assert values[f"z{l}"].shape == values[f"a{l}"].shape == (m, width)
    grads = model.backward(params, values, y, config)
    assert set(grads) == {f"d{name}" for name in params}
    for name, value in params.items():
        assert grads[f"d{name}"].shape == value.shape
        assert np.all(np.isfinite(grads[f"d{name}"]))


def test_softmax_outputs_are_probabilities(small_batch):
    X, _ = small_batch
    config = RunConfig(hidden=(32,))
    probabilities = model.forward(model.init_params(config, np.random.default_rng(0)), X, config)["a2"]
    assert np.all(probabilities >= 0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_forward_computes_each_layer_as_a_weighted_sum_then_activation(small_batch):
    X, _ = small_batch
    config = RunConfig(hidden=(16,), activation="tanh", output="sigmoid", loss="mse")
    params = model.init_params(config, np.random.default_rng(3), dtype=np.float64)
    values = model.forward(params, X.astype(np.float64), config)
    z1 = X.astype(np.float64) @ params["W1"] + params["b1"]
    z2 = np.tanh(z1) @ params["W2"] + params["b2"]
    np.testing.assert_allclose(values["z1"], z1, rtol=1e-12)
    np.testing.assert_allclose(values["a2"], 1 / (1 + np.exp(-z2)), rtol=1e-12)


def test_predict_proba_in_chunks_equals_one_forward_pass(sample):
    X = sample.test_images[:50].reshape(50, -1).astype(np.float32) / 255
    config = RunConfig(hidden=(20,))
    params = model.init_params(config, np.random.default_rng(0))
    whole = model.forward(params, X, config)["a2"]
    np.testing.assert_allclose(model.predict_proba(params, X, config, chunk=7), whole, rtol=1e-6)
    assert np.array_equal(model.predict(params, X, config), whole.argmax(axis=1))
    assert model.predict_proba(params, X[:0], config).shape == (0, 10)


# --- initialisation schemes ---------------------------------------------------------------


def draw(init, hidden=(256,), init_scale=0.01, seed=0):
    config = RunConfig(hidden=hidden, init=init, init_scale=init_scale)
    return model.init_params(config, np.random.default_rng(seed), dtype=np.float64)


def test_he_init_draws_normal_weights_with_std_sqrt_2_over_fan_in():
    params = draw("he")
    for name, fan_in in (("W1", 784), ("W2", 256)):
        assert params[name].std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.1)
        assert abs(params[name].mean()) < 0.1 * np.sqrt(2 / fan_in)
    assert not params["b1"].any() and not params["b2"].any()


def test_xavier_init_draws_normal_weights_with_std_sqrt_2_over_fan_in_plus_fan_out():
    params = draw("xavier")
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / (784 + 256)), rel=0.1)
    assert params["W2"].std() == pytest.approx(np.sqrt(2 / (256 + 10)), rel=0.1)
    assert not params["b1"].any()


def test_normal_init_uses_init_scale_as_std_and_zero_biases():
    params = draw("normal", init_scale=0.05)
    for name in ("W1", "W2"):
        assert params[name].std() == pytest.approx(0.05, rel=0.1)
    assert abs(params["W1"].mean()) < 0.005
    assert not params["b1"].any() and not params["b2"].any()


def test_uniform_init_draws_weights_in_0_to_scale_and_normal_biases():
    scale = 0.2
    params = draw("uniform", init_scale=scale)
    W = params["W1"]
    assert W.min() >= 0 and W.max() < scale
    assert W.mean() == pytest.approx(scale / 2, rel=0.05)
    assert W.std() == pytest.approx(scale / np.sqrt(12), rel=0.05)
    assert params["b1"].std() == pytest.approx(scale, rel=0.25)  # 256 draws of N(0, scale²)
    assert (params["b1"] < 0).any()


def test_zeros_init_is_all_zeros():
    params = draw("zeros")
    assert all(not value.any() for value in params.values())


@pytest.mark.parametrize("init", ["he", "xavier", "normal", "uniform", "zeros"])
def test_same_seed_gives_identical_params_and_another_seed_does_not(init):
    first, again, other = draw(init, seed=4), draw(init, seed=4), draw(init, seed=5)
    for name in first:
        assert np.array_equal(first[name], again[name])
    if init != "zeros":
        assert not np.array_equal(first["W1"], other["W1"])


@pytest.mark.parametrize("init", ["he", "xavier", "normal", "uniform"])
def test_float64_init_equals_float32_init_cast(init):
    config = RunConfig(hidden=(32, 16), init=init)
    p32 = model.init_params(config, np.random.default_rng(8), dtype=np.float32)
    p64 = model.init_params(config, np.random.default_rng(8), dtype=np.float64)
    for name in p32:
        assert p64[name].dtype == np.float64
        assert np.array_equal(p64[name].astype(np.float32), p32[name])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_zeros_init_keeps_every_hidden_unit_identical_after_training(activation, sample_splits):
    # The symmetry problem: units that start equal get equal gradients, so they stay equal.
    config = RunConfig(hidden=(12,), activation=activation, init="zeros", learning_rate=0.5, batch_size=32,
                       steps=20, train_size=500)
    result = run(config, sample_splits(config), evaluate_progress=False)
    W1, W2 = result.params["W1"], result.params["W2"]
    assert len(result.step_loss) == 20
    np.testing.assert_allclose(W1, np.repeat(W1[:, :1], 12, axis=1), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(W2, np.repeat(W2[:1, :], 12, axis=0), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(result.params["b1"], result.params["b1"][0], rtol=1e-4, atol=1e-7)
    if activation == "sigmoid":  # σ(0) = 0.5 ≠ 0, so the weights really moved, all together
        assert np.abs(W1).max() > 1e-4


# --- purity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("config", [RunConfig(hidden=(16, 8)), RunConfig(hidden=(16,), l2=0.1, activation="sigmoid"),
                                    RunConfig(hidden=(), output="linear", loss="mse")])
def test_forward_and_backward_do_not_mutate_params_or_inputs(config, small_batch):
    X, y = small_batch
    params = model.init_params(config, np.random.default_rng(0))
    before, X_before, y_before = copy_params(params), X.copy(), y.copy()
    values = model.forward(params, X, config)
    values_before = copy_params(values)
    model.loss(params, values, y, config)
    model.backward(params, values, y, config)
    for name in params:
        assert np.array_equal(params[name], before[name])
    for name in values:
        assert np.array_equal(values[name], values_before[name])
    assert np.array_equal(X, X_before) and np.array_equal(y, y_before)


def test_forward_works_on_read_only_params(small_batch):
    X, y = small_batch
    config = RunConfig(hidden=(16,))
    params = model.init_params(config, np.random.default_rng(0))
    for value in params.values():
        value.flags.writeable = False
    grads = model.backward(params, model.forward(params, X, config), y, config)
    assert grads["dW1"].shape == (784, 16)


def test_backward_writes_weight_gradients_into_the_given_buffers(small_batch):
    X, y = small_batch
    config = RunConfig(hidden=(16,), l2=0.01)
    params = model.init_params(config, np.random.default_rng(0))
    values = model.forward(params, X, config)
    fresh = model.backward(params, values, y, config)
    out = {"dW1": np.full((784, 16), 7.0, np.float32), "dW2": np.full((16, 10), 7.0, np.float32)}
    reused = model.backward(params, values, y, config, out=out)
    assert reused["dW1"] is out["dW1"] and reused["dW2"] is out["dW2"]
    for name in fresh:
        np.testing.assert_allclose(reused[name], fresh[name], rtol=1e-6)


def test_l2_adds_half_lambda_sum_of_squared_weights_and_lambda_w_to_the_gradient(small_batch):
    X, y = small_batch
    plain, decayed = RunConfig(hidden=(16,)), RunConfig(hidden=(16,), l2=0.3)
    params = model.init_params(plain, np.random.default_rng(0), dtype=np.float64)
    values = model.forward(params, X.astype(np.float64), plain)
    squares = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)
    assert model.loss(params, values, y, decayed) == pytest.approx(
        model.loss(params, values, y, plain) + 0.15 * squares, rel=1e-12)
    g_plain, g_decayed = (model.backward(params, values, y, c) for c in (plain, decayed))
    np.testing.assert_allclose(g_decayed["dW1"] - g_plain["dW1"], 0.3 * params["W1"], atol=1e-12)
    np.testing.assert_allclose(g_decayed["db1"], g_plain["db1"], atol=1e-15)  # biases are not decayed
    per_batch = RunConfig(hidden=(16,), l2=0.3, l2_per_batch=True)
    assert model.l2_factor(per_batch, 8) == pytest.approx(0.3 / 8)


# --- full-batch steps chunk by chunk --------------------------------------------------------


@pytest.mark.parametrize("config", [
    RunConfig(hidden=(10,), activation="sigmoid", normalization="raw", l2=0.0),
    RunConfig(hidden=(32, 16), activation="relu", l2=0.01),
    RunConfig(hidden=(24,), activation="tanh", output="sigmoid", loss="cross_entropy", l2=0.1, l2_per_batch=True),
    RunConfig(hidden=(16,), activation="leaky_relu", output="linear", loss="mse"),
    RunConfig(hidden=(), output="softmax", loss="mse"),
])
@pytest.mark.parametrize("chunk_rows", [64, 100, 1000])
def test_chunked_loss_and_grads_equal_the_whole_batch_up_to_float32_rounding(config, chunk_rows, sample):
    # 700 real digits: 64 and 100 leave a partial last chunk, 1000 is one chunk for everything.
    X = sample.train_images[:700].reshape(700, -1).astype(np.float32) / 255
    y = sample.train_labels[:700].astype(np.int64)
    params = model.init_params(config, np.random.default_rng(2))
    values = model.forward(params, X, config)
    whole_loss, whole = model.loss(params, values, y, config), model.backward(params, values, y, config)
    loss, grads = model.chunked_loss_and_grads(params, X, y, config, chunk_rows=chunk_rows)
    assert loss == pytest.approx(whole_loss, rel=1e-5)
    assert set(grads) == set(whole)
    for name, value in whole.items():
        assert grads[name].shape == value.shape and grads[name].dtype == np.float32
        np.testing.assert_allclose(grads[name], value, rtol=1e-4, atol=1e-5 * np.abs(value).max())


def test_chunked_loss_and_grads_accumulate_into_the_given_buffers(small_batch):
    X, y = small_batch
    config = RunConfig(hidden=(16,), l2=0.01)
    params = model.init_params(config, np.random.default_rng(0))
    out = {"dW1": np.full((784, 16), 7.0, np.float32), "dW2": np.full((16, 10), 7.0, np.float32)}
    _, grads = model.chunked_loss_and_grads(params, X, y, config, out=out, chunk_rows=3)
    fresh = model.backward(params, model.forward(params, X, config), y, config)
    assert grads["dW1"] is out["dW1"] and grads["dW2"] is out["dW2"]
    for name in fresh:  # the 7s were cleared first, not added to
        np.testing.assert_allclose(grads[name], fresh[name], rtol=1e-4, atol=1e-7)
