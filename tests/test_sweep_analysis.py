"""Reading a sweep: cells, seed noise, matched pairs, verdicts, importance and failure causes, on constructed runs."""

import itertools

import numpy as np
import pytest

from explainer import sweep_analysis as analysis
from explainer.config import RunConfig
from explainer.sweeps import Axis, SweepRecord, SweepSpec

BASE = RunConfig(hidden=(32,), epochs=1)
LR = Axis("learning_rate", (0.01, 0.1))
BATCH = Axis("batch_size", (32, 128))
NAMES = ("learning_rate", "batch_size")


def record(point, replicate=0, status="done", val=0.9, train=None, **extra):
    spec = SweepSpec(BASE, tuple(Axis(name, (value,)) for name, value in point.items()))
    config = spec.config_at(point, replicate)
    return SweepRecord(dict(point), replicate, config, status, val_accuracy=val,
                       train_accuracy=val if train is None else train, **extra)


def grid(accuracy, seeds=2):
    """Every run of the 2×2 grid, its validation accuracy given by ``accuracy(lr, batch, seed)``."""
    return [record({"learning_rate": lr, "batch_size": batch}, seed, val=accuracy(lr, batch, seed))
            for lr, batch in itertools.product(LR.values, BATCH.values) for seed in range(seeds)]


def test_cells_group_the_seeds_of_each_point_with_mean_and_spread():
    runs = grid(lambda lr, batch, seed: 0.90 + (0.04 if lr == 0.1 else 0) + 0.01 * seed)
    found = analysis.cells(runs, NAMES)
    assert [cell.point for cell in found] == [{"learning_rate": lr, "batch_size": b}
                                             for lr, b in itertools.product(LR.values, BATCH.values)]
    first = found[0]
    assert first.scores == (0.90, 0.91)
    assert first.mean == pytest.approx(0.905)
    assert first.spread == pytest.approx(np.std([0.90, 0.91], ddof=1))
    assert first.status == "done"


def test_cell_status_follows_its_runs():
    point = {"learning_rate": 0.1, "batch_size": 32}
    queued, running, done = (record(point, i, status=s, val=None) for i, s in enumerate(("queued", "running", "done")))
    diverged = record(point, 3, status="diverged", val=None)
    assert analysis.cell_status([queued, queued]) == "queued"
    assert analysis.cell_status([queued, running]) == "running"
    assert analysis.cell_status([done, queued]) == "running"  # some ended, others still to come
    assert analysis.cell_status([done, done]) == "done"
    assert analysis.cell_status([done, diverged]) == "diverged"
    assert analysis.cell_status([record(point, status="cancelled", val=None)] * 2) == "cancelled"


def test_a_diverged_run_counts_as_chance_and_an_unfinished_one_not_at_all():
    point = {"learning_rate": 0.1, "batch_size": 32}
    assert analysis.score(record(point, status="diverged", val=0.8)) == analysis.CHANCE
    assert analysis.score(record(point, status="running", val=0.8)) is None
    assert analysis.score(record(point, status="failed", val=None)) is None
    assert analysis.score(record(point, val=0.93)) == 0.93


def test_seed_noise_is_the_median_difference_between_seeds_of_one_point():
    spreads = {(0.01, 32): 0.002, (0.01, 128): 0.004, (0.1, 32): 0.006, (0.1, 128): 0.010}
    runs = grid(lambda lr, batch, seed: 0.9 + seed * spreads[(lr, batch)])
    assert analysis.seed_noise(runs, NAMES) == pytest.approx(0.005)
    assert analysis.seed_noise(grid(lambda *_: 0.9, seeds=1), NAMES) is None


def test_matched_pairs_differ_in_one_setting_alone_with_the_same_seed():
    runs = grid(lambda lr, batch, seed: 0.9)
    pairs = analysis.matched_pairs(runs, NAMES, "learning_rate", 0.1, 0.01)
    assert len(pairs) == 4  # 2 batch sizes × 2 seeds
    for a, b in pairs:
        assert (a.point["learning_rate"], b.point["learning_rate"]) == (0.1, 0.01)
        assert a.point["batch_size"] == b.point["batch_size"] and a.replicate == b.replicate
        assert a.config.seed == b.config.seed


def test_a_clear_winner_is_named_with_its_count_and_median_gain_and_called_real():
    # lr 0.1 is 3 points better everywhere; seeds differ by 0.4 points; batch size barely matters.
    runs = grid(lambda lr, batch, seed: 0.90 + (0.03 if lr == 0.1 else 0) + (0.001 if batch == 32 else 0)
                + 0.004 * (seed % 2), seeds=4)
    lr, batch = analysis.why_it_wins(runs, NAMES)
    assert lr.best == 0.1 and lr.kind == "real"
    headline = lr.duels[0]
    assert (headline.first, headline.second, headline.wins, headline.pairs) == (0.1, 0.01, 8, 8)
    assert headline.median_gain == pytest.approx(0.03)
    template, values = lr.sentences[0]
    assert template.format(**values) == "Learning rate 0.1 beat 0.01 in 8 of 8 matched pairs, median +3.0 points."
    template, values = analysis.noise_sentence(runs, NAMES)
    assert template.format(**values) == ("Seeds of one point differ by 0.4 points (median): a win smaller than that "
                                         "may be luck.")
    assert lr.sentences[1][0].format(**lr.sentences[1][1]) == (
        "That is more than seed-to-seed luck, and a fair coin would split 8 duels this lopsidedly only 0.8% of the "
        "time: a real difference.")
    assert batch.best == 32 and batch.kind == "noise"  # +0.1 points, within the 0.4-point seed spread
    words = " ".join(t.format(**v) for t, v in batch.sentences)
    assert "Batch size 32 beat 128 in 8 of 8 matched pairs, median +0.1 points." in words
    assert "it may be luck" in words


def test_a_setting_that_wins_only_sometimes_is_mixed():
    # lr 0.1 wins big with batch 32 and loses a little with batch 128.
    runs = grid(lambda lr, batch, seed: 0.90 + 0.001 * seed + (0 if lr == 0.01 else (0.05 if batch == 32 else -0.01)))
    lr = analysis.why_it_wins(runs, NAMES)[0]
    assert lr.best == 0.1 and lr.kind == "mixed"
    assert (lr.duels[0].wins, lr.duels[0].losses) == (2, 2)


def test_one_seed_per_point_cannot_tell_a_win_from_luck():
    lr = analysis.why_it_wins(grid(lambda lr, batch, seed: 0.9 + (0.02 if lr == 0.1 else 0), seeds=1), NAMES)[0]
    assert lr.kind == "unknown"
    assert any("2 or more seeds" in template for template, _ in lr.sentences)


def test_without_matched_pairs_the_verdict_says_so_and_names_the_best_mean():
    runs = [record({"learning_rate": 0.01, "batch_size": 32}, val=0.90),
            record({"learning_rate": 0.1, "batch_size": 128}, val=0.95)]
    lr = analysis.why_it_wins(runs, NAMES)[0]
    assert lr.kind == "none" and lr.duels == ()
    template, values = lr.sentences[0]
    assert "no two runs differ in this setting alone" in template and values["best"] == "0.1"


def test_the_sign_test_matches_the_binomial_tail():
    assert analysis.sign_test(8, 0) == pytest.approx(2 / 2**8)
    assert analysis.sign_test(14, 2) == pytest.approx(2 * sum(__import__("math").comb(16, i) for i in range(3)) / 2**16)
    assert analysis.sign_test(3, 3) == 1.0
    assert analysis.sign_test(0, 0) == 1.0


def test_importance_ranks_the_setting_that_moves_accuracy_first():
    lrs = Axis("learning_rate", (0.001, 0.01, 0.1, 1.0), log=True)
    widths = Axis("width", (16, 32, 64))
    runs = [record({"learning_rate": lr, "width": w}, seed, val=0.5 + 0.1 * i + 0.001 * seed)
            for i, lr in enumerate(lrs.values) for w in widths.values for seed in range(2)]
    found = analysis.importance(runs, (lrs, widths))
    assert set(found) == {"learning_rate", "width"}
    assert found["learning_rate"] > 0.8 > found["width"]
    verdicts = analysis.why_it_wins(runs, ("learning_rate", "width"), found)
    assert verdicts[0].importance == found["learning_rate"]
    assert verdicts[0].sentences[-1][0].startswith("Optuna's importance")


def test_importance_needs_two_settings_and_enough_runs():
    runs = grid(lambda lr, batch, seed: 0.9 + (0.02 if lr == 0.1 else 0))
    assert analysis.importance(runs, (LR,)) is None
    assert analysis.importance(runs[:3], (LR, BATCH)) is None


def test_importance_works_with_a_choice_setting():
    acts = Axis("activation", ("relu", "sigmoid"))
    runs = [record({"learning_rate": lr, "activation": act}, seed,
                   val=0.9 + (0.05 if act == "relu" else 0) + 0.001 * seed + (0.002 if lr == 0.1 else 0))
            for lr in LR.values for act in acts.values for seed in range(3)]
    found = analysis.importance(runs, (LR, acts))
    assert found["activation"] > found["learning_rate"]


# --- failure causes -------------------------------------------------------------------------------

POINT = {"learning_rate": 0.1, "batch_size": 32}


def codes(run):
    return [cause.code for cause in analysis.causes_of(run)]


def test_a_healthy_run_has_no_cause():
    assert codes(record(POINT, val=0.95, train=0.96)) == []


def test_a_diverged_run_carries_the_trainers_message_and_nothing_else():
    run = record(POINT, status="diverged", val=0.1, train=0.1, message="learning rate 10 is too large: loss became "
                 "NaN at step 3. Try 1 or less.", dead_fraction=1.0)
    (cause,) = analysis.causes_of(run)
    assert cause.code == "diverged" and cause.badge == "diverged"
    assert cause.template.format(**cause.values).startswith("Diverged: learning rate 10 is too large")


def test_stuck_at_chance_below_twenty_percent():
    assert codes(record(POINT, val=0.11)) == ["chance"]
    assert "chance" not in codes(record(POINT, val=analysis.STUCK_BELOW))


def test_dead_relus_only_for_relu_networks_at_half_of_a_layer():
    assert codes(record(POINT, dead_fraction=0.6)) == ["dead"]
    assert codes(record(POINT, dead_fraction=0.4)) == []
    sigmoid = record({**POINT}, dead_fraction=0.9)
    sigmoid = SweepRecord(sigmoid.point, 0, sigmoid.config.replace(activation="sigmoid"), "done", val_accuracy=0.9,
                          train_accuracy=0.9, dead_fraction=0.9)
    assert codes(sigmoid) == []


def test_saturated_sigmoid_and_tanh():
    for activation in ("sigmoid", "tanh"):
        config = BASE.replace(activation=activation)
        run = SweepRecord(POINT, 0, config, "done", val_accuracy=0.5, train_accuracy=0.5, saturated_fraction=0.7)
        (cause,) = analysis.causes_of(run)
        assert cause.code == "saturated" and cause.values["activation"] == activation
        assert "70%" in cause.template.format(**cause.values)


def test_overfitting_is_a_five_point_gap():
    (cause,) = analysis.causes_of(record(POINT, val=0.90, train=0.99))
    assert cause.code == "overfit"
    assert "gap of 9.0 points" in cause.template.format(**cause.values)
    assert codes(record(POINT, val=0.90, train=0.94)) == []


def test_causes_wait_for_the_run_to_finish():
    assert codes(record(POINT, status="running", val=0.11, dead_fraction=0.9)) == []


def test_a_cells_causes_count_the_seeds_that_show_them():
    runs = [record(POINT, 0, val=0.9, dead_fraction=0.6), record(POINT, 1, val=0.9, dead_fraction=0.8),
            record(POINT, 2, val=0.9, dead_fraction=0.1)]
    (cause,) = analysis.cell_causes(runs)
    assert cause.code == "dead" and cause.seeds == (2, 3)
    assert cause.values["share"] == pytest.approx(80)  # the worst seed's sentence
    (cell,) = analysis.cells(runs, NAMES)
    assert [c.code for c in cell.causes] == ["dead"]


def test_the_best_cell_is_the_finished_one_with_the_highest_mean():
    runs = grid(lambda lr, batch, seed: 0.9 + (0.03 if (lr, batch) == (0.1, 128) else 0))
    best = analysis.best_cell(analysis.cells(runs, NAMES))
    assert best.point == {"learning_rate": 0.1, "batch_size": 128}


def test_the_group_of_best_runs_holds_at_least_four_runs_on_small_sweeps():
    assert analysis.target_quantile(12) * 12 >= 4
    assert analysis.target_quantile(4) == 0.5
    assert analysis.target_quantile(200) == 0.1  # Optuna's default once the sweep is big enough


def test_a_consistent_win_over_few_duels_is_only_likely():
    # lr 0.1 wins all 4 duels by 3 points, far above the 0.1-point seed noise, but 4 of 4 is what a coin does
    # one time in eight.
    runs = grid(lambda lr, batch, seed: 0.90 + (0.03 if lr == 0.1 else 0) + 0.001 * seed)
    lr = analysis.why_it_wins(runs, NAMES)[0]
    assert lr.kind == "likely" and lr.duels[0].p_value == pytest.approx(0.125)
    assert "probably real; more seeds would tell" in lr.sentences[1][0]


def test_tied_duels_are_counted_and_said():
    # Both values diverge with batch 128 (a tie at chance); lr 0.1 wins with batch 32.
    runs = [record({"learning_rate": lr, "batch_size": batch}, seed,
                   status="diverged" if batch == 128 else "done", val=0.9 + (0.05 if lr == 0.1 else 0))
            for lr, batch in itertools.product(LR.values, BATCH.values) for seed in range(2)]
    lr = analysis.why_it_wins(runs, NAMES)[0]
    headline = lr.duels[0]
    assert (headline.wins, headline.losses, headline.ties) == (2, 0, 2)
    template, values = lr.sentences[0]
    assert template.format(**values) == ("Learning rate 0.1 beat 0.01 in 2 of 4 matched pairs (2 tied), median "
                                         "+2.5 points.")
