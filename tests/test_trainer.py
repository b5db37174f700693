"""Mini-batch gradient descent as a stream of events, with reproducible random streams."""

import dataclasses
import json
import math

import numpy as np
import pytest

from explainer import model
from explainer.config import Notice, RunConfig
from explainer.i18n import render
from explainer.prepare import prepare
from explainer.schedules import learning_rate_at, learning_rate_curve
from explainer.trainer import (
    DIVERGED,
    STOPPED,
    Evaluation,
    Finished,
    Step,
    batch_order,
    divergence_message,
    divergence_notice,
    plan,
    random_streams,
    run,
    train,
)
from tests.i18n_support import marked

QUICK = RunConfig(hidden=(16,), batch_size=50, epochs=2, train_size=300)


def take(iterator, count):
    return [next(iterator) for _ in range(count)]


# --- learning ------------------------------------------------------------------------------


def test_loss_goes_down_and_accuracy_beats_80_percent_on_real_digits(sample_splits):
    config = RunConfig(hidden=(64,), learning_rate=0.1, batch_size=32, epochs=3, train_size=2000)
    data = sample_splits(config)
    assert len(data.y_train) == 2000
    result = run(config, data)
    first, final = result.evaluations[0], result.final
    assert first.step == 0 and final.step == result.total_steps == 3 * math.ceil(2000 / 32)
    assert final.train_loss < 0.5 * first.train_loss
    assert result.step_loss[-20:].mean() < 0.5 * result.step_loss[:20].mean()
    assert final.train_accuracy > 0.8
    assert final.val_accuracy > 0.8
    assert first.val_accuracy < 0.5  # it really learned: chance is about 10%
    assert not result.diverged and result.stop_reason is None


def test_one_epoch_on_full_mnist_beats_90_percent(full_mnist):
    config = RunConfig(hidden=(64,), learning_rate=0.1, batch_size=64, epochs=1)
    data = prepare(full_mnist.train_images, full_mnist.train_labels, full_mnist.test_images,
                   full_mnist.test_labels, config)
    result = run(config, data)
    assert result.total_steps == math.ceil(50_000 / 64)
    assert result.final.val_accuracy > 0.9
    assert result.final.val_loss < 0.5 * result.evaluations[0].val_loss


def test_equal_configs_give_bit_identical_runs(sample_splits):
    data = sample_splits(QUICK)
    a, b = run(QUICK, data), run(QUICK, data)
    assert np.array_equal(a.step_loss, b.step_loss)
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name])


# --- the event stream ----------------------------------------------------------------------


def test_event_stream_starts_with_an_evaluation_counts_steps_and_ends_finished(sample_splits):
    config = QUICK.replace(eval_every=4)
    data = sample_splits(config)
    events = list(train(config, data))
    batch, per_epoch, total = plan(config, len(data.y_train))
    assert (batch, per_epoch, total) == (50, 6, 12)

    assert isinstance(events[0], Evaluation) and events[0].step == 0 and events[0].epoch == 0
    assert isinstance(events[-1], Finished)
    assert sum(isinstance(e, Finished) for e in events) == 1

    steps = [e for e in events if isinstance(e, Step)]
    assert [s.step for s in steps] == list(range(1, total + 1))
    assert [s.epoch for s in steps] == pytest.approx([k / per_epoch for k in range(1, total + 1)])
    assert all(s.lr == config.learning_rate for s in steps)

    evaluations = [e for e in events if isinstance(e, Evaluation)]
    assert [e.step for e in evaluations] == [0, 4, 8, 12]
    for e in evaluations[1:]:  # each evaluation comes right after the step it measures
        assert events[events.index(e) - 1].step == e.step
    assert [e.seconds for e in evaluations] == sorted(e.seconds for e in evaluations)

    result = events[-1].result
    assert result.total_steps == total
    assert result.evaluations == tuple(evaluations)
    assert np.array_equal(result.step_loss, [s.loss for s in steps])
    assert np.array_equal(result.step_lr, [s.lr for s in steps])
    assert result.config == config


def test_by_default_evaluations_happen_once_per_epoch_and_after_the_last_step(sample_splits):
    config = QUICK.replace(steps=14)  # 6 steps per epoch; the run ends mid-epoch
    events = list(train(config, sample_splits(config)))
    assert [e.step for e in events if isinstance(e, Evaluation)] == [0, 6, 12, 14]


def test_evaluations_measure_accuracy_in_range(sample_splits):
    result = run(QUICK, sample_splits(QUICK))
    for e in result.evaluations:
        assert 0 <= e.train_accuracy <= 1 and 0 <= e.val_accuracy <= 1
        assert e.train_loss > 0 and e.val_loss > 0


def test_evaluate_progress_false_yields_only_steps_and_the_result(sample_splits):
    events = list(train(QUICK, sample_splits(QUICK), evaluate_progress=False))
    assert not any(isinstance(e, Evaluation) for e in events)
    assert isinstance(events[-1], Finished) and events[-1].result.evaluations == ()
    assert len(events) == 12 + 1


# --- plan and batch order ------------------------------------------------------------------


def test_plan_batch_zero_is_one_full_batch_per_epoch():
    assert plan(RunConfig(batch_size=0, epochs=7), 1000) == (1000, 1, 7)


def test_plan_partial_last_batch_counts_as_a_step():
    assert plan(RunConfig(batch_size=128, epochs=2), 1000) == (128, 8, 16)
    assert plan(RunConfig(batch_size=100, epochs=2), 1000) == (100, 10, 20)


def test_plan_steps_override_epochs():
    assert plan(RunConfig(batch_size=100, epochs=3, steps=5), 1000) == (100, 10, 5)
    assert plan(RunConfig(batch_size=100, epochs=1, steps=25), 1000) == (100, 10, 25)


def test_plan_batch_larger_than_the_data_is_the_whole_data():
    assert plan(RunConfig(batch_size=500, epochs=2), 300) == (300, 1, 2)


def test_sequential_sampling_walks_the_file_order_with_a_partial_last_batch():
    config = RunConfig(batch_size=4, sampling="sequential")
    batches = take(batch_order(config, 10, np.random.default_rng(0)), 5)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7]]
    assert [b.tolist() for b in batches] == expected


def test_shuffle_sampling_is_a_new_permutation_every_epoch():
    config = RunConfig(batch_size=4, sampling="shuffle")
    batches = take(batch_order(config, 10, np.random.default_rng(0)), 9)
    assert [len(b) for b in batches] == [4, 4, 2] * 3
    epochs = [np.concatenate(batches[k:k + 3]) for k in (0, 3, 6)]
    for epoch in epochs:
        assert sorted(epoch.tolist()) == list(range(10))
    assert not all(np.array_equal(epochs[0], e) for e in epochs[1:])
    assert not np.array_equal(epochs[0], np.arange(10))


def test_replacement_sampling_draws_full_size_batches_with_repeats():
    config = RunConfig(batch_size=10, sampling="replacement")
    batches = take(batch_order(config, 10, np.random.default_rng(0)), 20)
    assert all(len(b) == 10 and b.min() >= 0 and b.max() < 10 for b in batches)
    assert any(len(set(b.tolist())) < 10 for b in batches)  # not a permutation


def test_replacement_sampling_with_a_partial_batch_still_draws_full_batches():
    batches = take(batch_order(RunConfig(batch_size=4, sampling="replacement"), 10, np.random.default_rng(1)), 6)
    assert [len(b) for b in batches] == [4] * 6


@pytest.mark.parametrize("sampling", ["shuffle", "sequential"])
def test_full_batch_yields_none_meaning_all_images(sampling):
    batches = take(batch_order(RunConfig(batch_size=0, sampling=sampling), 10, np.random.default_rng(0)), 3)
    assert batches == [None, None, None]


def test_batch_order_is_reproducible_from_the_seed():
    config = RunConfig(batch_size=7, sampling="shuffle")
    a = take(batch_order(config, 50, random_streams(3)[1]), 20)
    b = take(batch_order(config, 50, random_streams(3)[1]), 20)
    c = take(batch_order(config, 50, random_streams(4)[1]), 20)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_random_streams_are_independent_of_each_other():
    init_rng, batch_rng = random_streams(0)
    assert not np.array_equal(init_rng.random(5), batch_rng.random(5))


def test_sequential_training_sees_the_images_in_file_order(sample_splits):
    # With sequential sampling and batch 50, step k trains on images 50k..50k+49: the first loss is
    # exactly the initial network's loss on the first 50 images.
    config = QUICK.replace(sampling="sequential", steps=1)
    data = sample_splits(config)
    result = run(config, data, evaluate_progress=False)
    params = result.initial_params
    X, y = data.X_train[:50], data.y_train[:50]
    assert result.step_loss[0] == pytest.approx(model.loss(params, model.forward(params, X, config), y, config),
                                                rel=1e-6)


# --- learning-rate schedules ---------------------------------------------------------------


def test_exponential_schedule_is_the_staircase_lr_times_beta_to_step_div_k():
    config = RunConfig(schedule="exponential", learning_rate=0.5, decay_rate=0.5, decay_steps=10)
    expected = {0: 0.5, 1: 0.5, 9: 0.5, 10: 0.25, 19: 0.25, 20: 0.125, 25: 0.125, 39: 0.0625, 100: 0.5 / 1024}
    for step, rate in expected.items():
        assert learning_rate_at(config, step, total_steps=200) == rate


def test_exponential_schedule_matches_the_formula_for_non_trivial_factors():
    config = RunConfig(schedule="exponential", learning_rate=0.3, decay_rate=0.96, decay_steps=7)
    for step in (0, 6, 7, 13, 14, 500):
        assert learning_rate_at(config, step, 1000) == pytest.approx(0.3 * 0.96 ** (step // 7), rel=1e-12)


def test_cosine_schedule_starts_at_lr_falls_monotonically_and_ends_near_zero():
    config = RunConfig(schedule="cosine", learning_rate=0.2)
    curve = learning_rate_curve(config, 1000)
    assert curve.shape == (1000,)
    assert curve[0] == pytest.approx(0.2)
    assert curve[500] == pytest.approx(0.1)
    assert np.all(np.diff(curve) < 0)
    assert 0 < curve[-1] < 1e-5
    assert learning_rate_at(config, 1000, 1000) == pytest.approx(0.0, abs=1e-15)


def test_constant_schedule_never_changes():
    assert set(learning_rate_curve(RunConfig(learning_rate=0.07), 50)) == {0.07}


def test_steps_report_the_scheduled_rate(sample_splits):
    config = QUICK.replace(schedule="exponential", decay_rate=0.5, decay_steps=3)
    result = run(config, sample_splits(config), evaluate_progress=False)
    assert result.step_lr.tolist() == [0.1 * 0.5 ** (k // 3) for k in range(12)]


def test_configs_differing_only_in_schedule_share_initial_weights_and_batches(sample_splits):
    constant = QUICK.replace(steps=12)
    decayed = constant.replace(schedule="exponential", decay_rate=0.5, decay_steps=5)
    data = sample_splits(constant)
    a, b = run(constant, data), run(decayed, data)
    for name in a.initial_params:
        assert np.array_equal(a.initial_params[name], b.initial_params[name])
    order_a = take(batch_order(constant, 300, random_streams(constant.seed)[1]), 12)
    order_b = take(batch_order(decayed, 300, random_streams(decayed.seed)[1]), 12)
    assert all(np.array_equal(x, y) for x, y in zip(order_a, order_b))
    # The rate is the same for steps 0..4, so the losses before and after them are identical;
    # from step 5 on the decayed run takes half steps and the trajectories part.
    assert a.step_loss[0] == b.step_loss[0]
    assert np.array_equal(a.step_loss[:6], b.step_loss[:6])
    assert not np.array_equal(a.step_loss[6:], b.step_loss[6:])


# --- divergence and stopping ---------------------------------------------------------------


def test_a_huge_learning_rate_on_raw_pixels_diverges_with_an_explanation(sample_splits):
    config = RunConfig(hidden=(32,), learning_rate=100.0, normalization="raw", batch_size=32, epochs=3,
                       train_size=640)
    events = list(train(config, sample_splits(config)))
    result = events[-1].result
    assert result.diverged
    steps_done = len(result.step_loss)
    assert steps_done < result.total_steps
    assert sum(isinstance(e, Step) for e in events) == steps_done
    assert np.all(np.isfinite(result.step_loss))
    message = result.stop_reason
    assert "learning rate" in message and "too large" in message
    assert f"step {steps_done + 1}" in message  # the step whose loss blew up
    assert "100" in message


@pytest.mark.parametrize("loss, init, words", [
    (float("nan"), "he", "loss became NaN at step 7. Try 0.1 or less."),
    (float("inf"), "normal", "loss became inf at step 7. Try 0.1 or less, or a smaller init scale."),
    (1234.5, "uniform", "loss became 1.23e+03, exploding at step 7. Try 0.1 or less, or a smaller init scale."),
    (1234.5, "xavier", "loss became 1.23e+03, exploding at step 7. Try 0.1 or less."),
])
def test_the_divergence_message_is_a_template_whose_values_give_the_english(loss, init, words):
    notice = divergence_notice(RunConfig(init=init), loss, 7, 1.0)
    assert str(notice) == divergence_message(RunConfig(init=init), loss, 7, 1.0)
    assert str(notice) == "learning rate 1 is too large: " + words
    assert "{" in notice.template and "1.0" not in notice.template  # the numbers are values, filled in after
    assert json.loads(json.dumps(notice.values)) == notice.values  # plain values: they go into the run store
    assert render(notice, marked).startswith("«learning rate 1 is too large")


def test_a_diverged_result_carries_its_message_as_a_template_too(sample_splits):
    config = RunConfig(hidden=(32,), learning_rate=100.0, normalization="raw", batch_size=32, epochs=3,
                       train_size=640)
    result = run(config, sample_splits(config))
    assert result.diverged and result.stop_notice is result.stop_message
    assert str(result.stop_message) == result.stop_reason and result.stop_message.template in DIVERGED.values()


def test_should_stop_ends_the_run_early_with_a_reason(sample_splits):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 5

    events = list(train(QUICK, sample_splits(QUICK), should_stop=should_stop))
    result = events[-1].result
    assert isinstance(events[-1], Finished)
    assert len(result.step_loss) == 5 and result.total_steps == 12
    assert [e.step for e in events if isinstance(e, Step)] == [1, 2, 3, 4, 5]
    assert result.stop_reason is not None and "stop" in result.stop_reason and "5" in result.stop_reason
    assert not result.diverged
    assert result.stop_message == Notice(STOPPED, {"step": 5, "total": 12})
    assert str(result.stop_message) == result.stop_reason == "stopped at step 5 of 12"


def test_a_result_without_a_template_still_says_why_it_stopped(sample_splits):
    result = dataclasses.replace(run(QUICK, sample_splits(QUICK)), stop_reason="stopped long ago")
    assert result.stop_message is None and str(result.stop_notice) == "stopped long ago"  # stored before templates
    assert dataclasses.replace(result, stop_reason=None).stop_notice is None


# --- parameters: copied in, read-only out --------------------------------------------------


def test_result_params_are_read_only(sample_splits):
    result = run(QUICK, sample_splits(QUICK))
    for params in (result.params, result.initial_params):
        for value in params.values():
            assert not value.flags.writeable
    with pytest.raises(ValueError):
        result.params["W1"][0, 0] = 1.0


def test_training_moves_the_weights_away_from_the_initial_ones(sample_splits):
    result = run(QUICK, sample_splits(QUICK))
    assert not np.array_equal(result.params["W1"], result.initial_params["W1"])
    drawn = model.init_params(QUICK, random_streams(QUICK.seed)[0])
    for name in drawn:
        assert np.array_equal(result.initial_params[name], drawn[name])


def test_given_initial_params_are_copied_not_mutated(sample_splits):
    shared = model.init_params(QUICK, np.random.default_rng(99))
    before = {name: value.copy() for name, value in shared.items()}
    result = run(QUICK, sample_splits(QUICK), params=shared)
    for name in shared:
        assert np.array_equal(shared[name], before[name])
        assert shared[name].flags.writeable
        assert np.array_equal(result.initial_params[name], before[name])
        assert result.params[name] is not shared[name]


def test_training_can_continue_from_a_read_only_result(sample_splits):
    data = sample_splits(QUICK)
    first = run(QUICK, data)
    second = run(QUICK, data, params=first.params)
    for name in first.params:
        assert np.array_equal(second.initial_params[name], first.params[name])
    assert second.step_loss[0] < first.step_loss[0]


# --- the update rule -----------------------------------------------------------------------


def test_full_batch_momentum_update_follows_v_equals_mu_v_plus_grad(sample_splits):
    config = RunConfig(hidden=(8,), batch_size=0, steps=3, momentum=0.9, learning_rate=0.05, train_size=64)
    data = sample_splits(config)
    result = run(config, data, evaluate_progress=False)
    params = {name: value.copy() for name, value in result.initial_params.items()}
    velocity = {name: np.zeros_like(value) for name, value in params.items()}
    for step in range(3):
        values = model.forward(params, data.X_train, config)
        assert result.step_loss[step] == pytest.approx(model.loss(params, values, data.y_train, config), rel=1e-5)
        grads = model.backward(params, values, data.y_train, config)
        for name in params:
            velocity[name] = 0.9 * velocity[name] + grads[f"d{name}"]
            params[name] = params[name] - 0.05 * velocity[name]
    for name in params:
        np.testing.assert_allclose(result.params[name], params[name], rtol=1e-4, atol=1e-6)


def test_momentum_changes_the_trajectory_after_the_first_step(sample_splits):
    plain = QUICK.replace(steps=8)
    heavy = plain.replace(momentum=0.9)
    data = sample_splits(plain)
    a, b = run(plain, data, evaluate_progress=False), run(heavy, data, evaluate_progress=False)
    # v starts at 0, so the first update is the same plain gradient step.
    np.testing.assert_allclose(a.step_loss[:2], b.step_loss[:2], rtol=1e-6)
    assert np.abs(a.step_loss[2:] - b.step_loss[2:]).max() > 1e-4
    assert not np.allclose(a.params["W1"], b.params["W1"])


def test_l2_shrinks_the_weights(sample_splits):
    plain = QUICK.replace(steps=10)
    data = sample_splits(plain)
    a = run(plain, data, evaluate_progress=False)
    b = run(plain.replace(l2=0.5), data, evaluate_progress=False)
    assert np.linalg.norm(b.params["W1"]) < np.linalg.norm(a.params["W1"])


# --- full batch: one read of the training set per step ------------------------------------


@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
def test_full_batch_chunked_training_equals_the_unchunked_step_up_to_float32_rounding(sampling, sample_splits):
    config = RunConfig(hidden=(10,), activation="sigmoid", init="normal", normalization="raw", learning_rate=0.04,
                       batch_size=0, steps=15, eval_every=5, train_size=3000, sampling=sampling, l2=0.01)
    data = sample_splits(config)
    chunked = run(config, data, chunk_rows=256)  # 3000 rows: 12 chunks, the last one partial
    whole = run(config, data, chunk_rows=0)
    np.testing.assert_allclose(chunked.step_loss, whole.step_loss, rtol=1e-5)
    for name in whole.params:
        np.testing.assert_allclose(chunked.params[name], whole.params[name], rtol=1e-4,
                                   atol=1e-5 * np.abs(whole.params[name]).max())
    assert [e.val_accuracy for e in chunked.evaluations] == pytest.approx([e.val_accuracy for e in whole.evaluations],
                                                                           abs=2e-3)
