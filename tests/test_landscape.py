"""The loss along the straight line from the initial to the final weights."""

import numpy as np
import pytest

from explainer import landscape, model
from explainer.config import RunConfig
from explainer.trainer import run

CONFIG = RunConfig(hidden=(32,), batch_size=50, epochs=2, train_size=500, l2=0.001)


def loss_of(params, X, y, config):
    return model.loss(params, model.forward(params, X, config), y, config)


def test_the_line_at_t_0_and_t_1_is_the_loss_of_the_initial_and_final_weights(sample_splits):
    data = sample_splits(CONFIG)
    result = run(CONFIG, data)
    X, y = data.X_train[:200], data.y_train[:200]
    line = landscape.loss_along_line(result.initial_params, result.params, X, y, CONFIG)
    t = landscape.LINE_T
    assert t[0] < 0 and t[-1] > 1 and line.shape == t.shape
    assert line[t == 0][0] == loss_of(result.initial_params, X, y, CONFIG)
    assert line[t == 1][0] == loss_of(result.params, X, y, CONFIG)
    assert line[t == 1][0] < line[t == 0][0]  # training went downhill


def test_interpolate_is_exact_at_the_ends_and_linear_between():
    rng = np.random.default_rng(0)
    start = {"W1": rng.standard_normal((4, 3)).astype(np.float32)}
    end = {"W1": rng.standard_normal((4, 3)).astype(np.float32)}
    assert np.array_equal(landscape.interpolate(start, end, 0.0)["W1"], start["W1"])
    assert np.array_equal(landscape.interpolate(start, end, 1.0)["W1"], end["W1"])
    middle = landscape.interpolate(start, end, 0.5)["W1"]
    assert middle.dtype == np.float32
    np.testing.assert_allclose(middle, (start["W1"] + end["W1"]) / 2, rtol=1e-6)
    np.testing.assert_allclose(landscape.interpolate(start, end, 1.2)["W1"],
                               end["W1"] + 0.2 * (end["W1"] - start["W1"]), rtol=1e-5, atol=1e-6)


def test_the_trainer_stores_the_line_on_the_first_training_images(sample_splits):
    data = sample_splits(CONFIG)
    result = run(CONFIG, data)
    history = result.diagnostics
    assert np.array_equal(history.line_t, landscape.LINE_T)
    count = landscape.line_images(result.total_steps * 50)
    X, y = data.X_train[:count], data.y_train[:count]
    assert history.line_loss[landscape.LINE_T == 0][0] == loss_of(result.initial_params, X, y, CONFIG)
    assert history.line_loss[landscape.LINE_T == 1][0] == loss_of(result.params, X, y, CONFIG)


def test_line_images_stay_between_100_and_1000_and_grow_with_the_run():
    assert landscape.line_images(0) == landscape.MIN_IMAGES
    assert landscape.line_images(10**9) == landscape.MAX_IMAGES
    recommended = landscape.line_images(4692 * 128)
    assert landscape.MIN_IMAGES < recommended < landscape.MAX_IMAGES
    assert landscape.line_images(2 * 4692 * 128) > recommended


def test_an_untrained_zero_network_has_a_flat_line(small_batch):
    X, y = small_batch
    config = RunConfig(hidden=(8,), init="zeros")
    zeros = model.init_params(config, np.random.default_rng(0))
    line = landscape.loss_along_line(zeros, zeros, X, y, config)
    assert np.all(line == pytest.approx(np.log(10), rel=1e-6))
