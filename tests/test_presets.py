"""Every seed network is a valid preset, and the recommended one really reaches 98% on the full MNIST."""

from __future__ import annotations

import numpy as np
import pytest

from explainer import trainer
from explainer.metrics import evaluate
from explainer.prepare import prepare
from explainer.presets import PRESETS, get_preset

SEED_FILES = ("000_6bc3a2c9ebcfd1e7.txt", "001_38208ca52b390368.txt", "002_7c9c6a2f2292f675.txt",
              "003_9084553d9862319d.txt", "004_db9c30af3429708d.txt")


def test_one_preset_per_seed_tutorial_plus_recommended():
    assert sorted(p.seed_file for p in PRESETS.values() if p.seed_file) == sorted(SEED_FILES)
    assert "recommended" in PRESETS


def test_titles_descriptions_and_experiments_are_marked_for_translation():
    from babel.messages.extract import extract_from_file

    from explainer import compare, presets

    def marked_in(module):
        return {message for _line, message, _comments, _context in
                extract_from_file("python", module.__file__, keywords={"N_": None})}

    in_presets, in_compare = marked_in(presets), marked_in(compare)
    for preset in PRESETS.values():
        assert {preset.title, preset.description} <= in_presets, preset.name
    for experiment in compare.EXPERIMENTS.values():
        assert {experiment.title, experiment.notice, experiment.pointer, experiment.chart_title} <= in_compare
    config = PRESETS["recommended"].config
    assert compare.describe_difference(config, config, lambda message: f"«{message}»") == ("A", "«B (identical)»")


def test_the_seed_claims_are_recorded():
    claims = {p.seed_file: p.claimed for p in PRESETS.values() if p.seed_file}
    assert claims["001_38208ca52b390368.txt"] == pytest.approx(0.8775)
    assert claims["002_7c9c6a2f2292f675.txt"] == pytest.approx(0.9858)
    assert claims["004_db9c30af3429708d.txt"] == pytest.approx(0.8788)


@pytest.mark.parametrize("name,sizes,activation,batch,lr", [
    ("seed1-relu-sigmoid", (784, 60, 10), "relu", 250, 0.001),
    ("seed2-sgd-decay", (784, 20, 10), "relu", 1, 0.01),
    ("seed4-two-layer-net", (784, 50, 10), "sigmoid", 100, 0.1),
    ("seed5-full-batch", (784, 10, 10), "sigmoid", 0, 0.04),
])
def test_seed_hyperparameters_are_as_written(name, sizes, activation, batch, lr):
    config = get_preset(name).config
    assert config.layer_sizes == sizes
    assert config.activation == activation
    assert config.batch_size == batch
    assert config.learning_rate == lr


def test_seed2_schedule_is_the_tutorials_exponential_decay():
    config = get_preset("seed2-sgd-decay").config
    assert (config.schedule, config.decay_rate, config.decay_steps, config.steps) == ("exponential", 0.96, 50, 5000)
    assert (config.l2, config.normalization, config.sampling) == (0.1, "standardize", "replacement")


def test_unknown_preset_names_the_choices():
    with pytest.raises(KeyError, match="recommended"):
        get_preset("nope")


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_learns_on_the_sample_without_diverging(name, sample):
    config = get_preset(name).config.replace(steps=60, eval_every=0)
    data = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels, config)
    result = trainer.run(config, data)
    assert not result.diverged
    assert np.all(np.isfinite(result.step_loss))
    assert result.evaluations[-1].val_accuracy >= result.evaluations[0].val_accuracy


def test_recommended_reaches_98_percent_on_the_full_mnist(full_mnist):
    config = get_preset("recommended").config
    data = prepare(full_mnist.train_images, full_mnist.train_labels, full_mnist.test_images,
                   full_mnist.test_labels, config)
    result = trainer.run(config, data)
    assert evaluate(result.params, data.X_test, data.y_test, config)[1] >= 0.98
