"""The Seed tutorials page: the table of presets, each preset trained here as a shared job, and the Train-page pair."""

import time

from explainer import jobs
from explainer.presets import PRESETS
from tests.apptest_support import clear_caches, new_app, texts
from ui import jobs as job_layer
from ui import seeds, training


def open_seeds_page():
    clear_caches()
    at = new_app()
    at.run()
    at.switch_page("pages/seeds.py").run()
    assert not at.exception
    return at


def test_the_table_lists_every_preset_with_claimed_and_measured_accuracy():
    at = open_seeds_page()
    table = at.dataframe[0].value
    assert len(table) == len(PRESETS)
    assert list(table["Layers"]) == ["-".join(map(str, p.config.layer_sizes)) for p in PRESETS.values()]
    claimed = dict(zip(table["Layers"] + " " + table["Preset"], table["Claimed"]))
    assert claimed["784-20-10 Seed 2"] == "87.75%"
    assert claimed["784-10-10 Seed 5"] == "87.88%"
    assert claimed["784-256-128-10 Seed 3"] == "98.58%"
    assert claimed["784-256-128-10 Recommended"] == "—"
    for preset, measured in zip(PRESETS.values(), table["Measured"]):
        assert measured == ("—" if preset.measured is None else f"{preset.measured:.2%}")
    assert set(table.loc[table["Preset"] == "Seed 5", "Batch"]) == {"full (50,000)"}
    assert "2,400" in set(table["Steps"])
    recommended = table[table["Preset"] == "Recommended"].iloc[0]
    assert (recommended["η"], recommended["Momentum"]) == ("0.1", "0.9")
    assert recommended["Functions"] == "ReLU → softmax, CE"
    assert "a minute or two" in " ".join(warning.value for warning in at.warning)
    assert set(table["Here"]) == {"—"}  # nothing trained on this fresh server yet
    for name in PRESETS:
        assert at.button(key=f"seeds.train.{name}").proto.label == "Train this preset"
        assert at.button(key=f"seeds.compare.{name}").proto.label == "Decay vs none on the Train page"


def settle(at, name: str, timeout: float = 120) -> None:
    """Rerun as the card's live fragment would until the preset's run has ended."""
    deadline = time.monotonic() + timeout
    while at.session_state[seeds.JOBS_KEY][name].active:
        assert time.monotonic() < deadline, "the preset's run did not finish"
        time.sleep(0.2)
        at.run()
    at.run()
    assert not at.exception


def test_a_preset_trains_here_once_and_the_next_visitor_gets_it_from_the_store():
    at = open_seeds_page()
    at.button(key="seeds.train.seed1-relu-sigmoid").click().run(timeout=120)
    assert not at.exception
    job = at.session_state[seeds.JOBS_KEY]["seed1-relu-sigmoid"]
    assert job.config == PRESETS["seed1-relu-sigmoid"].config
    settle(at, "seed1-relu-sigmoid")
    assert job.status == jobs.DONE
    assert "Validation accuracy here:" in texts(at)
    table = at.dataframe[0].value
    here = table.loc[table["Preset"] == "Seed 1", "Here"].iloc[0]
    assert here.endswith("%") and set(table.loc[table["Preset"] != "Seed 1", "Here"]) == {"—"}
    assert job_layer.manager().counts["computed"] == 1

    second = new_app()  # another visitor, same server
    second.run()
    second.switch_page("pages/seeds.py").run()
    second.button(key="seeds.train.seed1-relu-sigmoid").click().run()
    assert second.session_state[seeds.JOBS_KEY]["seed1-relu-sigmoid"].from_cache
    assert "answered from its store at once" in texts(second)
    assert job_layer.manager().counts["computed"] == 1
    second.button(key="seeds.use.seed1-relu-sigmoid").click().run()
    assert second.session_state["preset"] == "seed1-relu-sigmoid"
    assert job_layer.resolve(second.session_state["last_result"]).config == PRESETS["seed1-relu-sigmoid"].config


def test_decay_vs_none_switches_to_train_with_the_preset_and_trains():
    at = open_seeds_page()
    at.button(key="seeds.compare.seed1-relu-sigmoid").click().run(timeout=120)
    assert not at.exception
    preset = PRESETS["seed1-relu-sigmoid"]
    assert "Train: decay vs no decay" in texts(at)
    assert at.session_state["preset"] == "seed1-relu-sigmoid"
    assert at.session_state["config"] == preset.config
    assert at.sidebar.number_input(key="cfg.batch_size").value == 250
    assert at.sidebar.selectbox(key="cfg.normalization").value == "raw"
    comparison = at.session_state[training.COMPARISON_KEY]
    a, b = comparison.runs
    assert (a.config, b.config) == (preset.config.replace(schedule="exponential"), preset.config)
    deadline = time.monotonic() + 120
    while comparison.going:  # (AppTest reruns the page it was opened on: go back to Train each time)
        assert time.monotonic() < deadline
        time.sleep(0.2)
        at.switch_page("pages/train.py").run()
    at.switch_page("pages/train.py").run()
    assert all(run.result() is not None and run.result().stop_reason is None for run in (a, b))
    assert job_layer.resolve(at.session_state["last_result"]) is b.result()  # the run that is the preset as written
    assert len(at.metric) == 2
