"""The Train page: runs A and B as shared jobs, the run store, divergence, stopping, refusals, experiments.

AppTest does not drive ``st.fragment(run_every=…)`` timers, so :func:`settle` reruns the page the way
the live fragment would until the runs have ended. The runs train in real worker processes.
"""

import base64
import json
import math
import time

import numpy as np
import pytest

from explainer import jobs
from explainer.presets import PRESETS
from tests.apptest_support import clear_caches, new_app, texts
from ui import jobs as job_layer
from ui import train_results, training

# Small enough to train in a second or two on two cores, with or without MNIST_DIR.
SMALL = {"cfg.train_size": 1000, "cfg.epochs": 1, "cfg.width0": 32}


def open_train_page(**settings):
    """The app on the Train page, with sidebar number inputs set by key (e.g. 'cfg.train_size': 1000)."""
    clear_caches()
    at = new_app()
    at.run()
    at.switch_page("pages/train.py")
    at.sidebar.slider(key="cfg.layers").set_value(1)
    at.run()
    for key, value in {**SMALL, **settings}.items():
        widget = at.sidebar.selectbox(key=key) if isinstance(value, str) else at.sidebar.number_input(key=key)
        widget.set_value(value) if isinstance(value, (int, float)) else widget.select(value)
    at.run()
    assert not at.exception
    return at


def comparison(at) -> training.Comparison:
    return at.session_state[training.COMPARISON_KEY]


def settle(at, timeout: float = 120) -> None:
    """Rerun as the live fragment would until neither run is queued or training."""
    deadline = time.monotonic() + timeout
    while comparison(at).going:
        assert time.monotonic() < deadline, "the runs did not finish"
        time.sleep(0.2)
        at.run()
    at.run()
    assert not at.exception


def computed() -> int:
    """Runs the server's job manager has trained so far."""
    return job_layer.manager().counts["computed"]


def plotted_values(at) -> list[float]:
    """Every y value of every chart on the page (plotly may send arrays as base64 'bdata')."""
    values = []
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            y = trace.get("y", [])
            if isinstance(y, dict):
                y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).tolist()
            values.extend(np.nan if v is None else v for v in y)
    return values


def test_renders_for_the_default_config_and_every_preset_without_training():
    clear_caches()
    at = new_app()
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert "Train: decay vs no decay" in texts(at)
    assert "Press **Train both runs**" in texts(at)
    for name in PRESETS:
        at.sidebar.selectbox(key="preset").select(name).run()
        assert not at.exception, name
        assert at.button(key="train.start").proto.label == "Train both runs"
        assert "Each run:" in texts(at) or "Run A:" in texts(at)
    assert computed() == 0 and job_layer.manager().counts["joined"] == 0


def test_train_both_runs_then_the_store_answers_instantly():
    at = open_train_page()
    at.button(key="train.start").click().run(timeout=120)
    settle(at)
    a, b = comparison(at).runs
    assert a.config.schedule != "constant" and b.config.schedule == "constant"
    assert a.job.status == b.job.status == jobs.DONE
    assert a.result().stop_reason is None and b.result().stop_reason is None
    assert computed() == 2
    accuracies = [metric.value for metric in at.metric]
    assert len(accuracies) == 2 and all(value.endswith("%") for value in accuracies)
    assert job_layer.resolve(at.session_state["last_result"]) is a.result()  # A matches the sidebar, so Evaluate and Draw use it
    assert {button.proto.label for button in at.get("download_button")} >= {
        "Download run A's model (.npz)", "Download both runs' curves (.csv)"}
    assert "Inside the network while it learned" not in texts(at)  # results first; the inside on request
    at.toggle(key="inside.show").set_value(True).run()
    assert "Inside the network while it learned" in texts(at) and not at.error

    at.button(key="train.start").click().run()
    again = comparison(at)
    assert computed() == 2  # nothing was trained the second time
    assert [run.result() for run in again.runs] == [a.result(), b.result()]
    assert all(run.job.from_cache for run in again.runs)
    assert "came from this server's cache" in texts(at)
    figures = job_layer.resources.server_cache("figures")
    kept = len(figures)
    at.run()  # a rerun reuses the finished pair's figures, shared by every visitor
    assert len(figures) == kept and figures.hits > 0

    at.selectbox(key=training.FIELD_KEY).select("activation").run()  # A is the cosine run trained above
    assert "Run A is already in this server's cache" in texts(at)
    at.button(key="train.start").click().run()
    settle(at)
    assert computed() == 3  # only B was trained
    assert comparison(at).runs[0].result() is a.result()


def test_a_second_visitor_joins_the_running_jobs_instead_of_training_again():
    first = open_train_page(**{"cfg.train_size": 4000, "cfg.epochs": 3, "cfg.width0": 64})
    first.button(key="train.start").click().run()
    second = new_app()
    second.run()
    second.switch_page("pages/train.py")
    second.sidebar.slider(key="cfg.layers").set_value(1)
    second.run()
    for key, value in {"cfg.train_size": 4000, "cfg.epochs": 3, "cfg.width0": 64}.items():
        second.sidebar.number_input(key=key).set_value(value)
    second.run()
    second.button(key="train.start").click().run()
    settle(first)
    settle(second)
    assert computed() == 2
    for mine, theirs in zip(comparison(first).runs, comparison(second).runs):
        assert theirs.job is mine.job or theirs.job.from_cache  # joined while it ran, or found in the store
    assert [run.result() for run in comparison(first).runs] == [run.result() for run in comparison(second).runs]


def test_a_diverging_config_explains_itself_and_plots_no_nan():
    at = open_train_page(**{"cfg.learning_rate": 100.0, "cfg.normalization": "raw"})
    at.button(key="train.start").click().run()
    settle(at)
    errors = " ".join(error.value for error in at.error)
    assert "diverged" in errors and "too large" in errors and "Try" in errors
    assert all(run.result().diverged for run in comparison(at).runs)
    assert all(math.isfinite(value) for value in plotted_values(at))
    assert [metric.value for metric in at.metric] == ["diverged", "diverged"]


def test_moving_a_slider_keeps_the_runs_going_and_stop_keeps_curves_and_weights():
    at = open_train_page(**{"cfg.steps": 1_000_000, "cfg.batch_size": 8, "cfg.width0": 16})
    at.button(key="train.start").click().run()
    assert comparison(at).going
    started = [run.job for run in comparison(at).runs]
    at.sidebar.number_input(key="cfg.learning_rate").set_value(0.05).run()  # a slider moves: nothing stops
    assert not at.exception
    assert [run.job for run in comparison(at).runs] == started and all(job.active for job in started)
    assert "These are the runs you started earlier" in texts(at)
    assert not at.error and len(at.get("plotly_chart")) == 1  # the live chart, drawn without trouble
    deadline = time.monotonic() + 60
    while not all(job_layer.manager().view(job).steps_done > 0 for job in started):
        assert time.monotonic() < deadline, "the runs never started"
        time.sleep(0.2)
    at.run()
    at.button(key="train.stop").click().run()
    settle(at, timeout=10)
    runs = comparison(at).runs
    for run in runs:
        assert run.job.status == jobs.STOPPED
        assert run.result().stop_reason.startswith("stopped at step")
        assert 0 < len(run.result().step_loss) < 1_000_000
    assert "was stopped after" in texts(at)
    assert all(math.isfinite(value) for value in plotted_values(at))
    trained = computed()
    at.sidebar.number_input(key="cfg.learning_rate").set_value(0.1).run()
    at.button(key="train.start").click().run()
    assert all(run.job.status in jobs.ACTIVE for run in comparison(at).runs)  # stopped runs are never reused
    at.button(key="train.stop").click().run()
    settle(at, timeout=10)
    assert computed() == trained


def test_a_run_above_the_cost_limit_is_refused_with_what_to_lower(monkeypatch):
    monkeypatch.setenv("EXPLAINER_MAX_JOB_SECONDS", "60")
    at = open_train_page(**{"cfg.epochs": 500, "cfg.batch_size": 1, "cfg.train_size": 0})
    at.button(key="train.start").click().run()
    assert not at.exception
    errors = " ".join(error.value for error in at.error)
    assert "CPU-minutes" in errors and "Any one of these would make it fit" in errors
    assert "epochs instead of 500" in errors
    assert comparison(at).runs[0].job is None and computed() == 0


def test_activation_comparison_gives_b_sigmoid():
    at = open_train_page()
    at.selectbox(key=training.FIELD_KEY).select("activation").run()
    assert at.selectbox(key=training.value_key("activation")).value == "sigmoid"
    assert "activation = sigmoid" in texts(at)
    at.button(key="train.start").click().run()
    settle(at)
    a, b = comparison(at).runs
    assert a.config.activation == "relu" and b.config.activation == "sigmoid"
    assert a.config.replace(activation="sigmoid") == b.config
    assert b.result().config.activation == "sigmoid" and b.result().stop_reason is None


def test_an_experiment_button_sets_the_sidebar_and_trains():
    at = open_train_page()
    at.button(key="train.experiment.relu-vs-sigmoid").click().run(timeout=120)
    settle(at)
    experiment = training.compare.EXPERIMENTS["relu-vs-sigmoid"]
    assert at.session_state["config"] == experiment.config
    assert at.sidebar.number_input(key="cfg.train_size").value == experiment.config.train_size
    assert at.selectbox(key=training.FIELD_KEY).value == "activation"
    a, b = comparison(at).runs
    assert (a.config, b.config) == (experiment.config, experiment.config.replace(activation="sigmoid"))
    assert computed() == 2
    assert all(run.result() is not None and not run.result().diverged for run in (a, b))
    assert "Inside the network while it learned" in texts(at)  # the inside charts, with the lesson's pointer
    assert experiment.pointer and experiment.pointer in texts(at)


@pytest.mark.parametrize("field, value", [("batch_size", 32), ("l2", 0.001), ("learning_rate", 0.01),
                                          ("momentum", 0.0), ("epochs", 20)])
def test_numeric_comparisons_offer_a_number_for_b(field, value):
    at = open_train_page()
    at.selectbox(key=training.FIELD_KEY).select(field).run()
    assert not at.exception
    assert at.number_input(key=training.value_key(field)).value == value
    assert f"{field} = {value}" in texts(at)


def test_download_names_say_the_preset_and_what_differs():
    recommended = PRESETS["recommended"].config
    assert train_results.file_stem("recommended", recommended) == "recommended"
    assert train_results.file_stem("recommended", recommended.replace(schedule="constant", hidden=(64,))) == \
        "recommended_hidden-64_schedule-constant"
