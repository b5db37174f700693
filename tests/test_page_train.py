"""The Train page: two runs side by side, the cache, divergence, stopping and the one-click experiments."""

import base64
import json
import math

import numpy as np
import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from explainer import trainer
from explainer.presets import PRESETS
from tests.apptest_support import clear_caches, new_app, texts
from ui import training

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


def count_training(monkeypatch) -> list:
    """Patch the trainer so each started run is recorded; returns the list of configs trained."""
    started, real_train = [], trainer.train

    def counting(config, *args, **kwargs):
        started.append(config)
        return real_train(config, *args, **kwargs)

    monkeypatch.setattr(trainer, "train", counting)
    return started


def test_renders_for_the_default_config_and_every_preset_without_training(monkeypatch):
    clear_caches()
    started = count_training(monkeypatch)
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
    assert started == []


def test_train_both_runs_then_the_cache_answers_instantly(monkeypatch):
    at = open_train_page()
    started = count_training(monkeypatch)
    at.button(key="train.start").click().run(timeout=120)
    assert not at.exception
    first = comparison(at)
    a, b = first.runs
    assert a.config.schedule != "constant" and b.config.schedule == "constant"
    assert a.result.stop_reason is None and b.result.stop_reason is None
    assert len(started) == 2
    accuracies = [metric.value for metric in at.metric]
    assert len(accuracies) == 2 and all(value.endswith("%") for value in accuracies)
    assert at.session_state["last_result"] is a.result  # A matches the sidebar, so Evaluate and Draw use it
    assert {button.proto.label for button in at.get("download_button")} >= {
        "Download run A's model (.npz)", "Download both runs' curves (.csv)"}

    at.button(key="train.start").click().run()
    again = comparison(at)
    assert len(started) == 2  # nothing was trained the second time
    assert [run.result for run in again.runs] == [a.result, b.result]
    assert all(run.from_cache for run in again.runs)
    assert "shown from the cache" in texts(at)
    kept = dict(at.session_state[training.FIGURE_CACHE_KEY])
    at.run()  # a rerun reuses the finished pair's figures instead of rebuilding them
    now = at.session_state[training.FIGURE_CACHE_KEY]
    assert kept and set(now) == set(kept) and all(now[key][1] is kept[key][1] for key in kept)

    at.selectbox(key=training.FIELD_KEY).select("activation").run()  # A is the cosine run trained above
    assert "Run A is already in this server's cache" in texts(at)
    at.button(key="train.start").click().run()
    assert [config.activation for config in started[2:]] == ["sigmoid"]  # only B was trained
    assert comparison(at).runs[0].result is a.result


def test_a_diverging_config_explains_itself_and_plots_no_nan():
    at = open_train_page(**{"cfg.learning_rate": 100.0, "cfg.normalization": "raw"})
    at.button(key="train.start").click().run()
    assert not at.exception
    errors = " ".join(error.value for error in at.error)
    assert "diverged" in errors and "too large" in errors and "Try" in errors
    assert all(run.result.diverged for run in comparison(at).runs)
    assert all(math.isfinite(value) for value in plotted_values(at))
    assert [metric.value for metric in at.metric] == ["diverged", "diverged"]


def test_stopping_a_huge_run_keeps_its_curves_and_weights(monkeypatch):
    at = open_train_page(**{"cfg.steps": 1_000_000, "cfg.batch_size": 8, "cfg.width0": 16})
    draws, real_draw = [], training._draw_live

    def interrupted(*args):
        # Streamlit raises its stop/rerun signal at the next st.* call once a widget is clicked.
        draws.append(1)
        if len(draws) == 3:
            raise StopException()
        real_draw(*args)

    monkeypatch.setattr(training, "_draw_live", interrupted)
    at.button(key="train.start").click().run()
    assert not at.exception
    runs = comparison(at).runs
    for run in runs:
        assert run.result.stop_reason.startswith("stopped at step")
        assert 0 < run.steps_done < 1_000_000
    at.run()  # the rerun that the click started
    assert "stopped at step" in texts(at)
    assert at.session_state["last_result"] is runs[0].result
    assert all(math.isfinite(value) for value in plotted_values(at))
    started = count_training(monkeypatch)
    draws.clear()
    at.button(key="train.start").click().run()
    assert len(started) == 2  # stopped runs are never served from the cache


def test_activation_comparison_gives_b_sigmoid():
    at = open_train_page()
    at.selectbox(key=training.FIELD_KEY).select("activation").run()
    assert at.selectbox(key=training.value_key("activation")).value == "sigmoid"
    assert "activation = sigmoid" in texts(at)
    at.button(key="train.start").click().run()
    assert not at.exception
    a, b = comparison(at).runs
    assert a.config.activation == "relu" and b.config.activation == "sigmoid"
    assert a.config.replace(activation="sigmoid") == b.config
    assert b.result.config.activation == "sigmoid" and b.result.stop_reason is None


def test_an_experiment_button_sets_the_sidebar_and_trains(monkeypatch):
    at = open_train_page()
    started = count_training(monkeypatch)
    at.button(key="train.experiment.relu-vs-sigmoid").click().run(timeout=120)
    assert not at.exception
    experiment = training.compare.EXPERIMENTS["relu-vs-sigmoid"]
    assert at.session_state["config"] == experiment.config
    assert at.sidebar.number_input(key="cfg.train_size").value == experiment.config.train_size
    assert at.selectbox(key=training.FIELD_KEY).value == "activation"
    a, b = comparison(at).runs
    assert (a.config, b.config) == (experiment.config, experiment.config.replace(activation="sigmoid"))
    assert [config.activation for config in started] == ["relu", "sigmoid"]
    assert all(run.result is not None and not run.result.diverged for run in (a, b))


@pytest.mark.parametrize("field, value", [("batch_size", 32), ("l2", 0.001)])
def test_numeric_comparisons_offer_a_number_for_b(field, value):
    at = open_train_page()
    at.selectbox(key=training.FIELD_KEY).select(field).run()
    assert not at.exception
    assert at.number_input(key=training.value_key(field)).value == value
    assert f"{field} = {value}" in texts(at)


def test_download_names_say_the_preset_and_what_differs():
    recommended = PRESETS["recommended"].config
    assert training.file_stem("recommended", recommended) == "recommended"
    assert training.file_stem("recommended", recommended.replace(schedule="constant", hidden=(64,))) == \
        "recommended_hidden-64_schedule-constant"
