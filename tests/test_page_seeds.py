"""The Seed tutorials page: the table of presets and the button that trains one on the Train page."""

from explainer.presets import PRESETS
from tests.apptest_support import clear_caches, new_app, texts
from ui import training


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
    assert "few minutes" in " ".join(warning.value for warning in at.warning)
    for name in PRESETS:
        assert at.button(key=f"seeds.train.{name}").proto.label == "Train this preset"


def test_train_this_preset_switches_to_train_with_the_preset_and_trains():
    at = open_seeds_page()
    at.button(key="seeds.train.seed1-relu-sigmoid").click().run(timeout=120)
    assert not at.exception
    preset = PRESETS["seed1-relu-sigmoid"]
    assert "Train: decay vs no decay" in texts(at)
    assert at.session_state["preset"] == "seed1-relu-sigmoid"
    assert at.session_state["config"] == preset.config
    assert at.sidebar.number_input(key="cfg.batch_size").value == 250
    assert at.sidebar.selectbox(key="cfg.normalization").value == "raw"
    a, b = at.session_state[training.COMPARISON_KEY].runs
    assert (a.config, b.config) == (preset.config.replace(schedule="exponential"), preset.config)
    assert all(run.result is not None and run.result.stop_reason is None for run in (a, b))
    assert at.session_state["last_result"] is b.result  # the run that is the preset as written
    assert len(at.metric) == 2
