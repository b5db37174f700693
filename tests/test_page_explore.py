"""The Explore page under AppTest: the sweep in the URL, the budget and refusals, a sweep run to its end, next steps.

Runs train on real worker processes (the full MNIST when MNIST_DIR is set), on networks small enough
to finish in a second or two: 16 hidden units, 2,000 training images, one epoch.
"""

import re
import time

import pytest

from explainer import jobs
from tests.apptest_support import clear_caches, new_app, texts
from ui import explore, explore_results, training
from ui import jobs as job_layer
from ui.text import inert

TINY = {"preset": "recommended", "hidden": "16", "epochs": "1", "train_size": "2000"}
GRID = {**TINY, "sweep": "learning_rate:0.05,0.5;batch_size:32,128", "sampler": "grid", "seeds": "2"}


def open_explore(query=None, fresh=True):
    if fresh:
        clear_caches()
    at = new_app(query)
    at.run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    return at


def run_to_the_end(at, timeout: float = 180):
    """Rerun as the page's live fragment would until the visitor's sweep has ended."""
    runner = at.session_state[explore.RUNNER_KEY]
    deadline = time.monotonic() + timeout
    while not runner.done:
        assert time.monotonic() < deadline, "the sweep did not finish"
        time.sleep(0.3)
        at.run()
        assert not at.exception
    at.run()
    assert not at.exception
    assert not [e.value for e in at.error if "Something went wrong" in e.value]  # ui.errors.guarded's box
    return runner


def table_with(at, column):
    """The first table on the page with this column (the runs table, My runs), or None."""
    return next((frame.value for frame in at.dataframe if column in frame.value.columns), None)


def test_a_first_visit_offers_a_default_sweep_and_writes_it_to_the_url():
    at = open_explore()
    assert at.title[0].value == "Explore hyperparameters"
    assert at.selectbox(key="explore.axis0.name").value == "learning_rate"
    assert at.selectbox(key="explore.axis1.name").value == "batch_size"
    assert at.query_params["sweep"] == "learning_rate:0.01,0.1,1*log;batch_size:32,128"
    assert at.query_params["sampler"] == "grid" and "trials" not in at.query_params
    assert "**6 runs** (6 points × 1 seed)" in texts(at)
    assert not at.button(key="explore.start").disabled
    assert "press **Start the sweep**" in texts(at)


def test_a_link_sets_the_sweep_up_and_stays_in_the_url():
    at = open_explore(GRID)
    assert at.text_input(key="explore.axis0.learning_rate.text").value == "0.05, 0.5"
    assert at.text_input(key="explore.axis1.batch_size.text").value == "32, 128"
    assert at.slider(key=explore.SEEDS_KEY).value == 2
    assert at.query_params["sweep"] == GRID["sweep"] and at.query_params["hidden"] == "16"
    assert "**8 runs** (4 points × 2 seeds)" in texts(at)
    assert not at.warning  # every key of the link is known


def test_changing_a_widget_changes_the_link():
    at = open_explore(GRID)
    at.slider(key=explore.SEEDS_KEY).set_value(3).run()
    at.text_input(key="explore.axis0.learning_rate.text").set_value("0.01, 0.1, 1").run()
    at.checkbox(key="explore.axis0.learning_rate.listlog").check().run()
    assert at.query_params["seeds"] == "3"
    assert at.query_params["sweep"] == "learning_rate:0.01,0.1,1*log;batch_size:32,128"
    at.segmented_control(key=explore.SAMPLER_KEY).set_value("tpe").run()
    assert at.query_params["sampler"] == "tpe" and at.query_params["trials"] == "20"


def test_a_broken_sweep_in_a_link_is_named_inertly_and_the_default_is_shown():
    at = open_explore({**TINY, "sweep": "learning_rate:[fast](http://evil.example)"})
    warning = " ".join(w.value for w in at.warning)
    assert "could not be used" in warning and "](http" not in warning
    assert at.selectbox(key="explore.axis0.name").value == "learning_rate"
    assert at.query_params["sweep"] == explore.DEFAULT_QUERY["sweep"]


def test_typed_values_that_are_not_numbers_block_the_start_with_a_reason():
    at = open_explore(GRID)
    at.text_input(key="explore.axis0.learning_rate.text").set_value("0.1, fast").run()
    assert "This sweep cannot run yet: " + inert("learning_rate: 'fast' is not a number", limit=200) in texts(at)
    assert at.button(key="explore.start").disabled


def test_a_sweep_over_the_servers_limit_is_refused_with_what_to_lower(monkeypatch):
    monkeypatch.setenv("EXPLAINER_MAX_SWEEP_RUNS", "5")
    at = open_explore(GRID)
    error = " ".join(e.value for e in at.error)
    assert "This server will not start it" in error and "It has 8 runs; this server allows 5 per sweep" in error
    assert at.button(key="explore.start").disabled
    clear_caches()  # the next test reads the settings again


def test_a_small_grid_fills_in_and_explains_itself():
    at = open_explore(GRID)
    at.button(key="explore.start").click().run()
    assert not at.exception
    runner = run_to_the_end(at)
    assert runner.state == "done" and {r.status for r in runner.records()} == {"done"}
    words = texts(at)
    assert "Why it wins" in words and "Why it failed" in words
    assert "Learning rate 0.5 beat 0.05 in" in words or "Learning rate 0.05 beat 0.5 in" in words
    assert "matched pairs, median" in words and "Seeds of one point differ by" in words
    assert "Best point: **Learning rate =" in words
    assert "4 of 4 points measured" in words
    # the runs table shows only what differs: the two settings and the seed
    table = table_with(at, "failure causes")
    assert list(table.columns[:3]) == ["Learning rate", "Batch size", "Random seed"] and len(table) == 8
    # My runs lists the sweep's runs for this visitor
    mine = table_with(at, "from")
    assert len(mine) == 8 and set(mine["from"]) == {"sweep"}


def test_another_visitor_never_sees_my_runs():
    at = open_explore(GRID, fresh=False)
    assert table_with(at, "from") is None
    assert "Nobody else sees them" in texts(at)


def test_a_cell_opens_on_evaluate_with_its_run():
    at = open_explore(GRID, fresh=False)
    at.button(key="explore.start").click().run()
    runner = run_to_the_end(at)  # answered from the server's store: the previous test trained it
    assert job_layer.manager().counts["cached"] >= 8
    at.selectbox(key=explore_results.CELL_KEY).set_value(3).run()
    at.button(key="explore.open.evaluate").click().run()
    assert not at.exception
    assert at.title[0].value == "Evaluate"
    cell_config = runner.records()[6].config  # point 3 (lr 0.5, batch 128), first seed
    assert job_layer.resolve(at.session_state["last_result"]).config == cell_config
    assert at.session_state["config"] == cell_config and at.session_state["preset"] == "recommended"


def test_two_cells_that_differ_in_batch_size_go_to_the_train_page_as_a_and_b():
    at = open_explore(GRID, fresh=False)
    at.button(key="explore.start").click().run()
    runner = run_to_the_end(at)
    at.selectbox(key=explore_results.PAIR_KEYS[0]).set_value(0).run()  # lr 0.05, batch 32
    at.selectbox(key=explore_results.PAIR_KEYS[1]).set_value(2).run()  # lr 0.5, batch 32: differs in lr
    assert not at.button(key="explore.pair.send").disabled  # the Train page compares learning rates too
    a = runner.records()[0].config
    assert explore_results.train_pair(a, a.replace(decay_rate=0.5))[0] is None  # but not every setting
    assert "cannot compare" in explore_results.train_pair(a, a.replace(decay_rate=0.5))[2]
    at.selectbox(key=explore_results.PAIR_KEYS[1]).set_value(1).run()  # lr 0.05, batch 128
    assert not at.button(key="explore.pair.send").disabled
    at.button(key="explore.pair.send").click().run(timeout=120)
    assert not at.exception
    assert at.title[0].value == "Train: decay vs no decay"
    a = runner.records()[0].config
    assert at.session_state["config"] == a
    comparison = at.session_state[training.COMPARISON_KEY]
    assert [run.config.batch_size for run in comparison.runs] == [32, 128]
    assert comparison.runs[1].config == a.replace(batch_size=128)


def test_cells_that_differ_in_two_settings_say_so():
    at = open_explore(GRID, fresh=False)
    at.button(key="explore.start").click().run()
    run_to_the_end(at)
    at.selectbox(key=explore_results.PAIR_KEYS[1]).set_value(3).run()  # differs from point 0 in both
    assert at.button(key="explore.pair.send").disabled
    assert "differ in Learning rate, Batch size" in texts(at)


def test_cancelling_a_sweep_stops_it_and_shows_what_finished():
    at = open_explore({**TINY, "sweep": "learning_rate:0.01,0.02,0.03,0.04", "steps": "1000000", "batch_size": "8",
                       "seeds": "1"})
    at.button(key="explore.start").click().run()
    runner = at.session_state[explore.RUNNER_KEY]
    deadline = time.monotonic() + 60
    while not any(job.status == jobs.RUNNING for job in job_layer.manager().jobs_of(runner.watcher)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    at.run()
    at.button(key="explore.cancel").click().run()
    assert not at.exception
    assert runner.state == "cancelled"
    assert "This sweep was cancelled" in texts(at)
    assert job_layer.manager().queued_count() == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_renders_in_both_languages(lang):
    at = open_explore({**GRID, "lang": lang}, fresh=False)
    assert not at.exception


@pytest.mark.parametrize("sweep, sampler, extra, points", [
    ("learning_rate:0.05,0.5", "grid", {"seeds": "2"}, 2),  # a line with seed spread
    ("learning_rate:0.05,0.5;batch_size:32,128;activation:relu,tanh", "grid", {}, 8),  # small multiples
    ("learning_rate:0.01..0.5*log;batch_size:16..128", "random", {"trials": "3"}, 3),  # measured points
    ("learning_rate:0.01..0.5*log;activation:*", "tpe", {"trials": "3"}, 3),
])
def test_every_kind_of_sweep_runs_to_its_end_and_draws_its_chart(sweep, sampler, extra, points):
    at = open_explore({**TINY, "sweep": sweep, "sampler": sampler, "seeds": "1", **extra}, fresh=False)
    at.button(key="explore.start").click().run()
    runner = run_to_the_end(at)
    assert runner.state == "done" and len({tuple(r.point.values()) for r in runner.records()}) == points
    assert f"{points} of {points} points measured" in texts(at)
    assert "Why it wins" in texts(at)


def test_a_diverging_point_gets_its_badge_and_the_trainers_explanation():
    at = open_explore({**TINY, "sweep": "learning_rate:0.05,80", "seeds": "1"}, fresh=False)
    at.button(key="explore.start").click().run()
    runner = run_to_the_end(at)
    assert [r.status for r in runner.records()] == ["done", "diverged"]
    failed = [e for e in at.expander if "diverged" in e.label]
    assert len(failed) == 1 and "Learning rate = 80" in failed[0].label
    assert re.search(r"Diverged: learning rate [\d.]+ is too large", " ".join(m.value for m in failed[0].markdown))
