"""What a sweep is (axes, samplers, the URL, budgets, messages for bad input) and running one on real workers."""

import time

import numpy as np
import pytest

from explainer import jobs
from explainer.config import RunConfig
from explainer.data import load_sample
from explainer.engines import ProcessEngine
from explainer.jobs import JobManager
from explainer.memory import BoundedCache
from explainer.runstore import RunStore
from explainer.sweep_runner import Budget, SweepRunner, refuse_if_over
from explainer.i18n import render
from explainer.sweeps import Axis, SweepError, SweepSpec, check_configs, parse_axis, spaced
from explainer.worker import DatasetRef
from tests.i18n_support import marked

BASE = RunConfig(hidden=(32,), epochs=1, train_size=1000)
SIZES = (8000, 2000)


# --- grids and spacing ------------------------------------------------------------------------------

def test_a_grid_is_every_combination_first_axis_slowest():
    spec = SweepSpec(BASE, (Axis("learning_rate", (0.01, 0.1)), Axis("batch_size", (32, 64, 128))), seeds=2)
    assert spec.grid() == [{"learning_rate": lr, "batch_size": b} for lr in (0.01, 0.1) for b in (32, 64, 128)]
    assert (spec.points_planned, spec.runs_planned) == (6, 12)
    config = spec.config_at({"learning_rate": 0.1, "batch_size": 64}, replicate=1)
    assert (config.learning_rate, config.batch_size, config.seed) == (0.1, 64, BASE.seed + 1)
    assert config.replace(learning_rate=BASE.learning_rate, batch_size=BASE.batch_size, seed=BASE.seed) == BASE


def test_evenly_spaced_values_include_both_ends():
    axis = spaced("momentum", 0.0, 0.9, 4, log=False)
    assert axis.values == pytest.approx((0.0, 0.3, 0.6, 0.9)) and not axis.log


def test_log_spaced_values_have_a_constant_ratio_and_a_log_axis():
    axis = spaced("learning_rate", 0.001, 1.0, 4, log=True)
    assert axis.values == (0.001, 0.01, 0.1, 1.0) and axis.log
    assert np.allclose(np.diff(np.log10(axis.values)), 1.0)


def test_whole_number_settings_are_rounded_and_duplicates_dropped():
    axis = spaced("width", 1, 4, 6, log=True)
    assert all(isinstance(v, int) for v in axis.values)
    assert list(axis.values) == sorted(set(axis.values)) and axis.values[0] == 1 and axis.values[-1] == 4


def test_width_and_depth_act_on_the_hidden_layers():
    base = BASE.replace(hidden=(64, 32))
    assert Axis("width", (16,)).apply(base, 16).hidden == (16, 16)
    assert Axis("depth", (3,)).apply(base, 3).hidden == (64, 64, 64)
    assert Axis("depth", (0,)).apply(base, 0).hidden == ()


def test_a_choice_setting_without_values_takes_every_choice():
    assert Axis("activation").values == ("relu", "leaky_relu", "sigmoid", "tanh")


# --- the text of an axis and the URL ------------------------------------------------------------------

@pytest.mark.parametrize("text, values, low, high, log", [
    ("learning_rate:0.01,0.1", (0.01, 0.1), None, None, False),
    ("learning_rate:0.001..1/4*log", (0.001, 0.01, 0.1, 1.0), None, None, True),
    ("learning_rate:0.0001..1*log", (), 0.0001, 1.0, True),
    ("batch_size: 32, 128", (32, 128), None, None, False),
    ("activation:*", ("relu", "leaky_relu", "sigmoid", "tanh"), None, None, False),
    ("activation:relu,tanh", ("relu", "tanh"), None, None, False),
])
def test_axes_are_read_from_text(text, values, low, high, log):
    axis = parse_axis(text)
    assert (axis.values, axis.low, axis.high, axis.log) == (values, low, high, log)


@pytest.mark.parametrize("spec", [
    SweepSpec(BASE, (Axis("learning_rate", (0.001, 0.01, 0.1), log=True), Axis("batch_size", (32, 128))), seeds=3),
    SweepSpec(BASE, (Axis("learning_rate", low=1e-4, high=1.0, log=True), Axis("activation")), "tpe", trials=20),
    SweepSpec(BASE, (Axis("width", low=8, high=256), Axis("l2", (0.0, 0.001)), Axis("activation", ("relu", "tanh"))),
              "random", trials=7, seeds=2),
])
def test_a_sweep_survives_the_url(spec):
    query = spec.to_query()
    assert set(query) <= {"sweep", "sampler", "trials", "seeds"}
    assert SweepSpec.from_query(query, BASE) == spec


def test_a_grid_link_carries_no_trials():
    query = SweepSpec(BASE, (Axis("learning_rate", (0.01, 0.1)),)).to_query()
    assert query == {"sweep": "learning_rate:0.01,0.1", "sampler": "grid", "seeds": "1"}


# --- bad input gets a message that names the problem ----------------------------------------------------

@pytest.mark.parametrize("make, words", [
    (lambda: Axis("colour", (1, 2)), "'colour' cannot be varied"),
    (lambda: Axis("learning_rate", (0.1, 500.0)), "learning_rate must be between 1e-06 and 100; got 500"),
    (lambda: Axis("learning_rate", (0.1, 0.1)), "a value is repeated"),
    (lambda: Axis("batch_size", (32.5,)), "batch_size takes whole numbers; got 32.5"),
    (lambda: Axis("activation", ("relu", "swish")), "activation must be one of relu, leaky_relu, sigmoid, tanh"),
    (lambda: parse_axis("learning_rate:fast"), "learning_rate: 'fast' is not a number"),
    (lambda: parse_axis("learning_rate:nan"), "is not a finite number"),
    (lambda: parse_axis("learning_rate"), "an axis is written field:values"),
    (lambda: Axis("l2", low=0.0, high=1.0, log=True), "a logarithmic range must start above 0"),
    (lambda: Axis("learning_rate", low=1.0, high=0.1), "low < high"),
    (lambda: spaced("learning_rate", 0.001, 1, 40, log=True), "between 2 and 12 values"),
    (lambda: Axis("learning_rate", tuple(0.01 * i for i in range(1, 14))), "at most 12 values"),
    (lambda: SweepSpec(BASE, ()), "vary between 1 and 3 settings"),
    (lambda: SweepSpec(BASE, (Axis("width", (8,)), Axis("depth", (1,)))), "vary width or depth, not both"),
    (lambda: SweepSpec(BASE, (Axis("l2", (0.0,)), Axis("l2", (0.1,)))), "each setting may be varied only once"),
    (lambda: SweepSpec(BASE, (Axis("learning_rate", low=0.01, high=1.0),)), "a grid needs values for every setting"),
    (lambda: SweepSpec(BASE, (Axis("learning_rate", (0.1,)),), "random"), "need between 1 and 200 trials"),
    (lambda: SweepSpec(BASE, (Axis("learning_rate", (0.1,)),), "bayes"), "the sampler is one of grid, random, tpe"),
    (lambda: SweepSpec(BASE, (Axis("learning_rate", (0.1,)),), seeds=9), "between 1 and 5 seeds per point"),
    (lambda: SweepSpec.from_query({"sweep": "x" * 3000}, BASE), "too long"),
    (lambda: SweepSpec.from_query({"sweep": "learning_rate:0.1", "seeds": "many"}, BASE),
     "seeds: 'many' is not a number"),
])
def test_bad_sweeps_are_refused_with_a_message_that_names_the_problem(make, words):
    with pytest.raises(SweepError) as error:
        make()
    assert words in str(error.value)
    notice = error.value.notice  # the same message as a template the app translates, values filled in after
    assert str(notice) == render(notice) == str(error.value) and notice.template == error.value.template
    assert render(notice, marked).startswith("«") and (not notice.values or "{" in notice.template)


def test_a_point_that_is_no_valid_network_quotes_the_config_error_in_the_same_language():
    spec = SweepSpec(BASE.replace(output="linear", loss="mse"), (Axis("loss", ("mse", "cross_entropy")),))
    with pytest.raises(SweepError) as error:
        check_configs(spec)
    assert str(error.value).startswith("the point loss=cross_entropy is not a valid network: cross-entropy needs")
    assert render(error.value.notice, marked) == (
        "«the point loss=cross_entropy is not a valid network: "
        "«cross-entropy needs probabilities: use a softmax or sigmoid output, or MSE loss»»")


# --- budgets ---------------------------------------------------------------------------------------------

def test_the_budget_counts_runs_and_sums_their_estimates():
    spec = SweepSpec(BASE, (Axis("width", (16, 256)),), seeds=2)
    budget = Budget.of(spec, SIZES)
    assert budget.runs == 4
    small = Budget.of(SweepSpec(BASE, (Axis("width", (16,)),), seeds=2), SIZES).seconds
    large = Budget.of(SweepSpec(BASE, (Axis("width", (256,)),), seeds=2), SIZES).seconds
    assert budget.seconds == pytest.approx(small + large) and large > small


def test_a_sweep_over_the_servers_limits_is_refused_before_it_starts():
    spec = SweepSpec(BASE, (Axis("learning_rate", (0.01, 0.1, 1.0)), Axis("batch_size", (32, 64, 128))), seeds=5)
    assert refuse_if_over(spec, SIZES, max_runs=45, max_seconds=1e9).runs == 45
    with pytest.raises(SweepError, match="this sweep has 45 runs; this server allows 44"):
        refuse_if_over(spec, SIZES, max_runs=44, max_seconds=1e9)
    with pytest.raises(SweepError, match="CPU-minutes") as error:
        refuse_if_over(spec, SIZES, max_runs=100, max_seconds=0.001)
    assert error.value.template == "this sweep would take about {minutes:.0f} CPU-minutes; this server allows {most:.0f}"
    assert error.value.values["most"] == pytest.approx(0.001 / 60)


# --- running a sweep on real worker processes -------------------------------------------------------------

@pytest.fixture
def manager(tmp_path):
    made = JobManager(ProcessEngine(2), RunStore(BoundedCache("runs", 64 * 2**20), tmp_path / "runs"))
    yield made
    made.close()


@pytest.fixture(scope="module")
def dataset():
    return DatasetRef.of(load_sample())


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_small_grid_fills_in_every_record(manager, dataset):
    spec = SweepSpec(BASE, (Axis("learning_rate", (0.05, 0.5)), Axis("batch_size", (32, 128))))
    runner = SweepRunner(spec, manager, dataset, SIZES, "ann/sweep").start()
    assert runner.wait(120) and runner.state == "done"
    records = runner.records()
    assert [r.point for r in records] == spec.grid()
    assert all(r.status == "done" and 0.1 < r.val_accuracy <= 1 for r in records)
    assert all(len(r.loss) and r.curve.shape[1] == 3 for r in records)
    assert manager.counts["computed"] == 4


def test_cancelling_a_sweep_cancels_its_queued_jobs(manager, dataset):
    slow = BASE.replace(train_size=0, steps=1_000_000, batch_size=8)  # never ends on its own
    spec = SweepSpec(slow, (Axis("learning_rate", (0.01, 0.02, 0.03, 0.04)),))
    runner = SweepRunner(spec, manager, dataset, SIZES, "ann/sweep", in_flight=4).start()
    wait_for(lambda: len(manager.jobs_of("ann/sweep")) == 4)
    wait_for(lambda: sum(job.status == jobs.RUNNING for job in manager.jobs_of("ann/sweep")) == 2)
    asked = manager.jobs_of("ann/sweep")
    queued = [job for job in asked if job.status == jobs.QUEUED]
    assert len(queued) == 2  # two workers: two run, two wait in the queue
    runner.cancel()
    assert runner.state == "cancelled"
    assert all(job.status == jobs.CANCELLED for job in queued)  # dropped from the queue at once
    assert manager.queued_count() == 0
    assert manager.wait(asked, 30)  # the running ones stop within a step or so
    assert {r.status for r in runner.records()} == {"cancelled"}
    assert manager.counts["computed"] == 0


def test_a_cancelled_sweep_leaves_a_job_that_someone_else_watches_running(manager, dataset):
    slow = BASE.replace(train_size=0, steps=1_000_000, batch_size=8)
    spec = SweepSpec(slow, (Axis("learning_rate", (0.01,)),))
    runner = SweepRunner(spec, manager, dataset, SIZES, "ann/sweep").start()
    wait_for(lambda: manager.jobs_of("ann/sweep"))
    (job,) = manager.jobs_of("ann/sweep")
    assert manager.request(spec.config_at({"learning_rate": 0.01}), dataset, SIZES, "ben") is job
    runner.cancel()
    time.sleep(0.5)
    assert job.active and job.watchers == {"ben"}
    manager.leave(job, "ben")
    assert manager.wait([job], 30)


def test_a_sweep_whose_tab_closed_asks_for_nothing_more(tmp_path, dataset):
    gone = set()
    manager = JobManager(ProcessEngine(2), RunStore(BoundedCache("runs", 2**26), tmp_path / "runs"),
                         is_alive=lambda watcher: watcher.split("/")[0] not in gone)
    try:
        slow = BASE.replace(train_size=0, steps=1_000_000, batch_size=8)
        spec = SweepSpec(slow, (Axis("learning_rate", (0.01, 0.02, 0.03, 0.04, 0.05, 0.06)),))
        runner = SweepRunner(spec, manager, dataset, SIZES, "ann/sweep", in_flight=2).start()
        wait_for(lambda: len(manager.jobs_of("ann/sweep")) == 2)
        gone.add("ann")
        assert runner.wait(10) and runner.state == "cancelled"
        wait_for(lambda: not manager.jobs_of("ann/sweep"), timeout=10)
        assert {r.status for r in runner.records()} == {"cancelled"}
        assert manager.counts["computed"] == 0 and manager.counts["joined"] == 0
    finally:
        manager.close()
