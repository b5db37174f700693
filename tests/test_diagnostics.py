"""The inside of a run: each diagnostic measures what it claims, and the history travels as flat arrays."""

import io
import math
import pickle

import numpy as np
import pytest

from explainer import diagnostics, model
from explainer.config import RunConfig
from explainer.trainer import Evaluation, Finished, run, train

QUICK = RunConfig(hidden=(16,), batch_size=50, epochs=2, train_size=300, eval_every=3)


def probe(sample, count=40):
    """Real digits in [0, 1] (every pixel ≥ 0) and their labels."""
    X = sample.train_images[:count].reshape(count, -1).astype(np.float32) / 255
    return X, sample.train_labels[:count].astype(np.int64)


def params_for(config, seed=0):
    return model.init_params(config, np.random.default_rng(seed))


# --- dead, saturated, distinct: constructed cases with known answers --------------------------


def test_relu_units_with_only_negative_weights_and_bias_are_dead_and_the_rest_are_not(sample):
    X, y = probe(sample)
    config = RunConfig(hidden=(10, 6), activation="relu")
    params = params_for(config)
    # Pixels are ≥ 0, so a unit whose weights and bias are all negative has z < 0 for every image.
    params["W1"][:, :3], params["b1"][:3] = -0.1, -1.0
    params["W1"][:, 3:], params["b1"][3:] = 0.01, 0.5  # z > 0 for every image
    params["W2"][:, :2], params["b2"][:2] = -1.0, -100.0  # 2 of layer 2's 6 units dead
    params["W2"][:, 2:], params["b2"][2:] = 0.1, 1.0
    measured, dead = diagnostics.measure(params, config, X, y, step=0)
    assert [layer.dead_fraction for layer in measured.layers] == [pytest.approx(0.3), pytest.approx(2 / 6), 0.0]
    assert dead.tolist() == [True] * 3 + [False] * 7
    assert all(layer.saturated_fraction == 0 for layer in measured.layers)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_units_pushed_far_from_zero_are_saturated_and_units_at_zero_are_not(activation, sample):
    X, y = probe(sample)
    config = RunConfig(hidden=(8,), activation=activation)
    params = params_for(config)
    params["W1"][:] = 0.0
    params["b1"][:5] = 20.0  # σ(20) and tanh(20) are 1 to float32 precision: flat tail for every image
    params["b1"][5:] = 0.0  # σ(0) = 0.5, tanh(0) = 0: the steepest point
    measured, dead = diagnostics.measure(params, config, X, y, step=0)
    assert measured.layers[0].saturated_fraction == pytest.approx(5 / 8)
    assert measured.layers[0].dead_fraction == 0 and not dead.any()  # only ReLU units die
    assert measured.layers[1].saturated_fraction == 0  # the softmax output is not a hidden layer


def test_leaky_relu_never_counts_as_dead(sample):
    X, y = probe(sample)
    config = RunConfig(hidden=(4,), activation="leaky_relu")
    params = params_for(config)
    params["W1"][:], params["b1"][:] = -1.0, -1.0
    assert diagnostics.measure(params, config, X, y, step=0)[0].layers[0].dead_fraction == 0


def test_distinct_units_counts_groups_of_identical_columns():
    rng = np.random.default_rng(0)
    three = rng.standard_normal((784, 3)).astype(np.float32)
    W = three[:, [0, 1, 1, 2, 0, 2, 2]]
    b = np.zeros(7, np.float32)
    assert diagnostics.distinct_units(W, b) == 3
    b[1] = 5.0  # the bias is part of the unit: now unit 1 differs from its twin 2
    assert diagnostics.distinct_units(W, b) == 4
    assert diagnostics.distinct_units(np.zeros((784, 64), np.float32), np.zeros(64, np.float32)) == 1
    assert diagnostics.distinct_units(rng.standard_normal((784, 64)), np.zeros(64)) == 64


def test_twins_a_few_float32_ulps_apart_still_count_as_one_unit():
    column = np.random.default_rng(1).standard_normal((784, 1)).astype(np.float32)
    W = np.repeat(column, 5, axis=1)
    W[::7, 2] = np.nextafter(W[::7, 2], np.float32(np.inf))
    assert diagnostics.distinct_units(W, np.zeros(5, np.float32)) == 1


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_all_zero_init_keeps_one_distinct_unit_through_training_and_he_keeps_all(activation, sample_splits):
    zeros = QUICK.replace(hidden=(12,), init="zeros", activation=activation, learning_rate=0.5)
    data = sample_splits(zeros)
    stuck = run(zeros, data).diagnostics
    assert stuck.distinct.tolist() == [1] * len(stuck.records)
    if activation == "sigmoid":  # σ(0) = 0.5, so the weights do move, all together
        assert stuck.series("update_ratio")[-1, 0] > 0
    he = run(zeros.replace(init="he"), data).diagnostics
    assert he.distinct.tolist() == [12] * len(he.records)


# --- gradient, update and weight norms ------------------------------------------------------


def test_norms_are_the_probe_gradient_the_given_update_and_the_weights(sample):
    X, y = probe(sample)
    config = RunConfig(hidden=(16,), l2=0.01)
    params = params_for(config)
    updates = {"dW1": np.full((784, 16), 0.001, np.float32), "dW2": np.full((16, 10), 0.002, np.float32)}
    measured, _ = diagnostics.measure(params, config, X, y, step=7, updates=updates)
    grads = model.backward(params, model.forward(params, X, config), y, config)
    assert measured.step == 7 and len(measured.layers) == 2
    for layer, stats in enumerate(measured.layers, start=1):
        W = params[f"W{layer}"].astype(np.float64)
        assert stats.grad_norm == pytest.approx(np.linalg.norm(grads[f"dW{layer}"]), rel=1e-5)
        assert stats.weight_norm == pytest.approx(np.linalg.norm(W), rel=1e-5)
        assert stats.update_ratio == pytest.approx(np.linalg.norm(updates[f"dW{layer}"]) / np.linalg.norm(W),
                                                   rel=1e-5)
    before_training, _ = diagnostics.measure(params, config, X, y, step=0)
    assert all(stats.update_ratio == 0 for stats in before_training.layers)


def test_the_trainer_reports_the_update_it_actually_applied(sample_splits):
    config = QUICK.replace(steps=1, eval_every=1, momentum=0.9, learning_rate=0.05)
    result = run(config, sample_splits(config))
    after = result.diagnostics.records[-1]
    for layer, stats in enumerate(after.layers, start=1):
        W0, W1 = (p[f"W{layer}"].astype(np.float64) for p in (result.initial_params, result.params))
        assert stats.update_ratio == pytest.approx(np.linalg.norm(W1 - W0) / np.linalg.norm(W1), rel=1e-3)


# --- the history of a run -------------------------------------------------------------------


def test_every_evaluation_carries_its_measurement_and_the_result_the_whole_history(sample_splits):
    events = list(train(QUICK, sample_splits(QUICK)))
    evaluations = [e for e in events if isinstance(e, Evaluation)]
    history = events[-1].result.diagnostics
    assert [e.diagnostics for e in evaluations] == list(history.records)
    assert history.steps.tolist() == [e.step for e in evaluations] == diagnostics.planned_evaluations(12, 3)
    assert history.units == (16, 10)
    for record in history.records:
        assert len(record.layers) == 2 and 1 <= record.distinct_units <= 16
        assert all(math.isfinite(value) for layer in record.layers for value in vars(layer).values())
    assert history.series("grad_norm").shape == (len(evaluations), 2)


def test_events_and_results_pickle_for_the_job_layer(sample_splits):
    events = list(train(QUICK, sample_splits(QUICK)))
    again = pickle.loads(pickle.dumps(events))
    assert again[1] == events[1]  # a Step
    assert again[0].diagnostics == events[0].diagnostics
    history = again[-1].result.diagnostics
    assert np.array_equal(history.snapshots, events[-1].result.diagnostics.snapshots)


def test_snapshots_are_few_small_and_include_the_start_and_the_end(sample_splits):
    config = QUICK.replace(hidden=(80,), epochs=6, eval_every=1)  # 36 steps, 37 evaluations
    history = run(config, sample_splits(config)).diagnostics
    assert len(history.records) == 37
    steps = history.snapshot_steps.tolist()
    assert 2 <= len(steps) <= diagnostics.MAX_SNAPSHOTS and steps[0] == 0 and steps[-1] == 36
    assert steps == sorted(set(steps))
    assert history.snapshots.shape == (len(steps), 64, 784) and history.snapshots.dtype == np.float16
    assert history.snapshot_dead.shape == (len(steps), 64)
    final = run(config, sample_splits(config)).params["W1"][:, :64].T
    np.testing.assert_allclose(history.snapshots[-1], final, rtol=2e-3, atol=1e-4)


def test_a_stopped_run_gets_a_last_snapshot_of_its_final_weights(sample_splits):
    calls = []
    events = list(train(QUICK, sample_splits(QUICK), should_stop=lambda: calls.append(1) or len(calls) > 4))
    result = events[-1].result
    assert result.stop_reason and len(result.step_loss) == 4
    assert result.diagnostics.snapshot_steps.tolist() == [0, 3, 4]
    np.testing.assert_allclose(result.diagnostics.snapshots[-1], result.params["W1"].T, rtol=2e-3, atol=1e-4)
    assert len(result.diagnostics.line_loss) == len(result.diagnostics.line_t) > 0


def test_a_diverged_run_keeps_its_measurements_but_draws_no_line(sample_splits):
    config = RunConfig(hidden=(32,), learning_rate=100.0, normalization="raw", batch_size=32, epochs=3,
                       train_size=640, eval_every=1)
    result = run(config, sample_splits(config))
    assert result.diverged
    assert len(result.diagnostics.records) == len(result.evaluations) >= 1
    assert result.diagnostics.line_loss.size == 0


def test_diagnose_false_and_no_evaluations_measure_nothing(sample_splits):
    data = sample_splits(QUICK)
    assert run(QUICK, data, diagnose=False).diagnostics is None
    assert all(e.diagnostics is None for e in run(QUICK, data, diagnose=False).evaluations)
    assert run(QUICK, data, evaluate_progress=False).diagnostics is None


def test_snapshot_plan_keeps_at_most_the_limit_denser_early():
    steps = list(range(0, 1001, 10))
    chosen = sorted(diagnostics.snapshot_plan(steps, 12))
    assert len(chosen) <= 12 and chosen[0] == 0 and chosen[-1] == 1000
    gaps = np.diff(chosen)
    assert gaps[0] < gaps[-1]
    assert diagnostics.snapshot_plan([0, 5, 9], 12) == {0, 5, 9}


def test_planned_evaluations_match_the_trainer(sample_splits):
    for steps, every in ((14, 6), (12, 3), (1, 5)):
        config = QUICK.replace(steps=steps, eval_every=every)
        events = train(config, sample_splits(config), diagnose=False)
        assert [e.step for e in events if isinstance(e, Evaluation)] == diagnostics.planned_evaluations(steps, every)


# --- flat arrays and JSON -------------------------------------------------------------------


def test_to_arrays_and_back_through_an_npz_without_pickle(sample_splits):
    history = run(QUICK, sample_splits(QUICK)).diagnostics
    arrays = diagnostics.to_arrays(history)
    assert all(key.startswith("diag_") and value.dtype != object for key, value in arrays.items())
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as loaded:
        back = diagnostics.from_arrays({key: loaded[key] for key in loaded.files})
    assert back.records == history.records and back.units == history.units
    for name in ("snapshot_steps", "snapshots", "snapshot_dead", "line_t", "line_loss"):
        assert np.array_equal(getattr(back, name), getattr(history, name)), name


def test_from_arrays_ignores_other_keys_and_names_a_bad_array(sample_splits):
    arrays = diagnostics.to_arrays(run(QUICK, sample_splits(QUICK)).diagnostics)
    assert diagnostics.from_arrays({**arrays, "W1": np.zeros(3)}).units == (16, 10)
    with pytest.raises(ValueError, match="diag_grad_norm"):
        diagnostics.from_arrays({**arrays, "diag_grad_norm": arrays["diag_grad_norm"][:, :1]})
    with pytest.raises(ValueError, match="diag_step"):
        diagnostics.from_arrays({k: v for k, v in arrays.items() if k != "diag_step"})
    with pytest.raises(ValueError, match="snapshot"):
        diagnostics.from_arrays({**arrays, "diag_snapshot": arrays["diag_snapshot"][:, :3]})
    with pytest.raises(ValueError, match="diag_units"):
        diagnostics.from_arrays({**arrays, "diag_units": np.array(["a", "b"])})


def test_json_records_name_every_layer_field_and_turn_infinity_into_null():
    record = diagnostics.Measurement(5, 3, (diagnostics.LayerStats(1.0, math.inf, 2.0, 0.5, 0.0),))
    assert record.to_dict() == {"step": 5, "distinct_units": 3, "layers": [
        {"grad_norm": 1.0, "update_ratio": None, "weight_norm": 2.0, "dead_fraction": 0.5,
         "saturated_fraction": 0.0}]}
