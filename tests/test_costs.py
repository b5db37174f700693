"""Cost estimates before a run starts: they grow as the work does, and the advice would make a run fit."""

from explainer.config import RunConfig
from explainer.costs import advice, estimate
from explainer.presets import PRESETS

FULL = (60_000, 10_000)


def test_the_estimate_follows_steps_batch_and_width():
    base = estimate(RunConfig(), *FULL)
    assert base.steps == 10 * 391 and base.n_train == 50_000
    assert estimate(RunConfig(epochs=20), *FULL).seconds > 1.9 * base.seconds
    assert estimate(RunConfig(hidden=(512,)), *FULL).seconds > 2 * base.seconds
    assert estimate(RunConfig(train_size=5000), *FULL).seconds < base.seconds / 5
    batch_one = estimate(RunConfig(batch_size=1, epochs=1), *FULL)
    assert batch_one.steps == 50_000 and batch_one.seconds > base.seconds  # per-step overhead dominates


def test_presets_are_estimated_within_a_factor_of_two_of_what_the_readme_measured():
    measured = {"recommended": 17.0, "seed3-four-layer-mse": 17.4, "seed4-two-layer-net": 7.8}
    for name, seconds in measured.items():
        guess = estimate(PRESETS[name].config, *FULL).seconds
        assert seconds / 2 < guess < seconds * 2, (name, guess)


def test_each_piece_of_advice_brings_the_run_under_the_limit_by_as_little_as_will_do():
    config = RunConfig(hidden=(1024, 1024), epochs=30)
    limit = 120.0
    tips = advice(config, FULL, limit)
    assert advice(RunConfig(epochs=1, train_size=1000), FULL, limit) == []
    batch_one = advice(RunConfig(hidden=(256, 128), batch_size=1, epochs=50), FULL, limit)
    assert any("batches of 32" in template for template, _values in batch_one)
    assert not any("wide" in template for template, _values in batch_one)  # narrower alone would not fit
    kinds = {template.split()[0]: values for template, values in tips}
    assert {"train", "use", "make"} <= set(kinds) and len(tips) >= 3
    changes = {"epochs": ("train", lambda v: config.replace(epochs=v)),
               "images": ("use", lambda v: config.replace(train_size=v)),
               "width": ("make", lambda v: config.replace(hidden=tuple(min(w, v) for w in config.hidden)))}
    for word, change in changes.values():
        value = kinds[word]["value"]
        assert estimate(change(value), *FULL).seconds <= limit  # fits
        assert estimate(change(value + 1), *FULL).seconds > limit  # and no more than needed was cut
