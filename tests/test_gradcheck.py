"""Backpropagation agrees with numerical differentiation, and the check notices when it does not."""

import numpy as np
import pytest

from explainer import model
from explainer.config import RunConfig
from explainer.gradcheck import (
    TOLERANCE,
    check_gradients,
    numerical_gradient,
    relative_error,
    standard_configs,
)

BROKEN_LIMIT = 1e-3  # a wrong backward must miss by far more than float64 noise


def config_id(config):
    return f"{config.activation}-{config.output}-{config.loss}"


@pytest.mark.parametrize("config", standard_configs(), ids=config_id)
def test_every_standard_config_passes(config, small_batch):
    check = check_gradients(config, *small_batch)
    assert check.errors.keys() == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert check.max_error < TOLERANCE == 1e-6, check.errors
    assert check.passed


def test_standard_configs_cover_every_activation_and_output_loss_pair():
    configs = standard_configs()
    assert {c.activation for c in configs} == {"relu", "leaky_relu", "sigmoid", "tanh"}
    assert {(c.output, c.loss) for c in configs} == {("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
                                                     ("softmax", "mse"), ("sigmoid", "mse"), ("linear", "mse")}
    assert all(c.l2 > 0 for c in configs)


EXTRA_CONFIGS = {
    "l2_per_batch": RunConfig(hidden=(16, 12), init="xavier", l2=0.05, l2_per_batch=True),
    "no_hidden_layer": RunConfig(hidden=(), init="xavier", l2=0.01),
    "no_hidden_layer_mse_linear": RunConfig(hidden=(), init="xavier", output="linear", loss="mse"),
    "four_hidden_layers": RunConfig(hidden=(12, 10, 8, 6), activation="tanh", init="xavier", l2=0.01),
    "four_hidden_layers_relu": RunConfig(hidden=(12, 10, 8, 6), init="he"),
    "one_hidden_layer_normal_init": RunConfig(hidden=(20,), activation="sigmoid", init="normal", init_scale=0.1),
    "uniform_init_with_biases": RunConfig(hidden=(20,), activation="tanh", init="uniform", init_scale=0.1),
}


@pytest.mark.parametrize("name", list(EXTRA_CONFIGS))
def test_more_configs_pass(name, small_batch):
    check = check_gradients(EXTRA_CONFIGS[name], *small_batch)
    assert len(check.errors) == 2 * len(EXTRA_CONFIGS[name].layer_sizes) - 2
    assert check.passed, check.errors


def test_momentum_and_schedule_do_not_change_the_gradient(small_batch):
    # They only shape the update; the loss surface and its gradient are the same.
    base = RunConfig(hidden=(16,), init="xavier", l2=0.01)
    plain = check_gradients(base, *small_batch)
    other = check_gradients(base.replace(momentum=0.9, schedule="cosine", learning_rate=3.0), *small_batch)
    assert other.passed
    assert other.errors == plain.errors


def test_a_single_image_batch_passes(small_batch):
    X, y = small_batch
    assert check_gradients(RunConfig(hidden=(10,), activation="tanh", init="xavier"), X[:1], y[:1]).passed


# --- a broken backward fails loudly --------------------------------------------------------


def scaled(name, factor):
    def broken(params, values, labels, config, **kwargs):
        grads = model.backward(params, values, labels, config, **kwargs)
        grads[name] = grads[name] * factor
        return grads
    return broken


def without_mean(params, values, labels, config, **kwargs):
    """Forgets the 1/m of the mean loss: every gradient m times too large."""
    grads = model.backward(params, values, labels, config, **kwargs)
    return {name: value * labels.shape[0] for name, value in grads.items()}


def activation_instead_of_derivative(params, values, labels, config, **kwargs):
    """Uses the activation a instead of f'(z) for the hidden layer (a classic slip)."""
    values = dict(values)
    grads = model.backward(params, values, labels, config, **kwargs)
    dz2 = values["a2"] - np.eye(10)[labels]
    dz1 = (dz2 / labels.shape[0]) @ params["W2"].T * values["a1"]
    grads["dW1"] = values["a0"].T @ dz1 + config.l2 * params["W1"]
    return grads


BROKEN = {
    "dW1 scaled by 1.01": (scaled("dW1", 1.01), "W1"),
    "db2 sign flipped": (scaled("db2", -1.0), "b2"),
    "1/m dropped": (without_mean, "W1"),
    "a used for relu derivative": (activation_instead_of_derivative, "W1"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_backward_fails_the_check(name, small_batch):
    broken, culprit = BROKEN[name]
    config = RunConfig(hidden=(16,), init="xavier", l2=0.01)
    check = check_gradients(config, *small_batch, backward=broken)
    assert not check.passed
    assert check.max_error > BROKEN_LIMIT
    assert check.errors[culprit] > BROKEN_LIMIT
    assert max(check.errors, key=check.errors.get) == culprit or name == "1/m dropped"


def test_only_the_broken_parameter_is_blamed(small_batch):
    config = RunConfig(hidden=(16,), init="xavier")
    check = check_gradients(config, *small_batch, backward=scaled("db2", -1.0))
    assert check.errors["b2"] == pytest.approx(1.0)  # ‖g - (-g)‖ / (‖g‖ + ‖g‖)
    assert all(error < TOLERANCE for name, error in check.errors.items() if name != "b2")


# --- the pieces ----------------------------------------------------------------------------


def test_numerical_gradient_of_a_known_function_and_restores_the_array():
    array = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = array.copy()
    grad = numerical_gradient(lambda: float(np.sum(array ** 3)), array, np.array([0, 3, 1]))
    np.testing.assert_allclose(grad, 3 * original.reshape(-1)[[0, 3, 1]] ** 2, rtol=1e-8)
    assert np.array_equal(array, original)


def test_relative_error_is_scale_free_and_zero_for_two_zero_vectors():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(a, 1.01 * a) == pytest.approx(relative_error(1e6 * a, 1.01e6 * a))


def test_check_gradients_does_not_touch_the_callers_batch(small_batch):
    X, y = small_batch
    X_before = X.copy()
    check_gradients(RunConfig(hidden=(8,)), X, y)
    assert np.array_equal(X, X_before) and X.dtype == np.float32
