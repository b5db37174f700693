"""The run configuration: one declared table that is cache key, URL state and file format."""

import dataclasses
import math

import pytest

from explainer.config import (
    DEFAULT,
    FIELDS,
    MAX_HIDDEN_LAYERS,
    ConfigError,
    Notice,
    RunConfig,
    parse_config,
    validate,
)


# --- defaults and the table -------------------------------------------------------------


def test_defaults_are_valid():
    validate(DEFAULT)
    assert RunConfig() == DEFAULT


def test_every_dataclass_field_is_declared_in_the_table_and_nothing_else():
    assert [f.name for f in dataclasses.fields(RunConfig)] == list(FIELDS)


def test_layer_sizes_run_from_the_pixels_to_the_ten_digits():
    assert RunConfig(hidden=(128, 64)).layer_sizes == (784, 128, 64, 10)
    assert RunConfig(hidden=()).layer_sizes == (784, 10)


def test_batch_size_zero_means_full_batch():
    assert RunConfig(batch_size=0).full_batch
    assert not RunConfig(batch_size=1).full_batch


def test_hidden_given_as_a_list_is_stored_as_a_tuple():
    assert RunConfig(hidden=[32, 16]).hidden == (32, 16)


# --- to_dict / from_dict -----------------------------------------------------------------

NON_DEFAULT = RunConfig(hidden=(64, 32, 16), activation="tanh", output="sigmoid", loss="mse", init="uniform",
                        init_scale=0.5, learning_rate=0.003, schedule="exponential", decay_rate=0.5,
                        decay_steps=7, l2=0.25, l2_per_batch=True, momentum=0.9, batch_size=0, epochs=3,
                        steps=11, eval_every=5, sampling="replacement", train_size=1000,
                        validation="test_half", normalization="standardize", seed=12345)


@pytest.mark.parametrize("config", [DEFAULT, NON_DEFAULT, RunConfig(hidden=())])
def test_to_dict_from_dict_round_trip(config):
    values = config.to_dict()
    assert isinstance(values["hidden"], list)
    assert RunConfig.from_dict(values) == config


def test_to_dict_holds_only_plain_json_values():
    import json

    assert RunConfig.from_dict(json.loads(json.dumps(NON_DEFAULT.to_dict()))) == NON_DEFAULT


def test_from_dict_accepts_a_partial_dict_and_keeps_the_defaults():
    config = RunConfig.from_dict({"learning_rate": 0.5})
    assert config == DEFAULT.replace(learning_rate=0.5)


def test_from_dict_rejects_unknown_keys_naming_them():
    with pytest.raises(ConfigError, match="colour"):
        RunConfig.from_dict({"colour": "blue", "seed": 1})


@pytest.mark.parametrize("values", [
    {"learning_rate": "fast"},
    {"learning_rate": float("nan")},
    {"learning_rate": -0.1},
    {"batch_size": 12.5},
    {"batch_size": -1},
    {"epochs": "ten"},
    {"activation": "swish"},
    {"output": "tanh"},
    {"hidden": "abc"},
    {"hidden": [0]},
    {"hidden": [1, 2, 3, 4, 5]},
    {"hidden": None},
    {"l2_per_batch": "maybe"},
    {"momentum": 1.5},
    {"output": "linear", "loss": "cross_entropy"},
    {"seed": -1},
])
def test_from_dict_rejects_bad_values_with_config_error(values):
    with pytest.raises(ConfigError):
        RunConfig.from_dict(values)


def test_from_dict_rejects_a_fractional_hidden_width_like_any_other_whole_number_field():
    # batch_size=12.5 is refused; a width of 128.5 must not be silently truncated to 128.
    with pytest.raises(ConfigError):
        RunConfig.from_dict({"hidden": [128.5]})


def test_from_dict_rejects_a_huge_integer_with_config_error():
    # JSON can carry integers too large for a float; that is a bad value, not a crash.
    with pytest.raises(ConfigError):
        RunConfig.from_dict({"seed": 10**400})


@pytest.mark.parametrize("values", [[], ["seed"], "seed", 5, None])
def test_from_dict_rejects_anything_that_is_not_a_mapping(values):
    with pytest.raises(ConfigError):
        RunConfig.from_dict(values)


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), -float("inf"), -0.1, 0.0, 1000.0])
def test_validation_rejects_unusable_learning_rates(rate):
    with pytest.raises(ConfigError, match="learning_rate"):
        RunConfig(learning_rate=rate)


@pytest.mark.parametrize("field, value", [
    ("l2", -0.5), ("momentum", -0.1), ("init_scale", -1.0), ("batch_size", -1), ("epochs", 0),
    ("decay_rate", 0.0), ("decay_steps", 0), ("seed", -3), ("train_size", -10), ("steps", -1),
])
def test_validation_rejects_negative_or_out_of_range_values_naming_the_field(field, value):
    with pytest.raises(ConfigError, match=field):
        RunConfig(**{field: value})


@pytest.mark.parametrize("field", ["l2", "init_scale", "decay_rate", "momentum"])
def test_validation_rejects_non_finite_floats_in_every_float_field(field):
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ConfigError, match=field):
            RunConfig(**{field: bad})


def test_validation_allows_up_to_four_hidden_layers_and_no_more():
    assert len(RunConfig(hidden=(8,) * MAX_HIDDEN_LAYERS).hidden) == MAX_HIDDEN_LAYERS == 4
    with pytest.raises(ConfigError, match="hidden layers"):
        RunConfig(hidden=(8,) * (MAX_HIDDEN_LAYERS + 1))


@pytest.mark.parametrize("width", [0, -1, 2049])
def test_validation_rejects_hidden_widths_out_of_range(width):
    with pytest.raises(ConfigError, match="hidden"):
        RunConfig(hidden=(16, width))


def test_validation_rejects_cross_entropy_with_a_linear_output():
    with pytest.raises(ConfigError, match="cross-entropy"):
        RunConfig(output="linear", loss="cross_entropy")
    assert RunConfig(output="linear", loss="mse").output == "linear"


@pytest.mark.parametrize("field", ["activation", "output", "loss", "init", "schedule", "sampling",
                                   "normalization", "validation"])
def test_validation_rejects_a_choice_not_in_the_table(field):
    with pytest.raises(ConfigError, match=field):
        RunConfig(**{field: "nonsense"})


def test_replace_validates_again():
    with pytest.raises(ConfigError):
        DEFAULT.replace(learning_rate=-1.0)
    assert DEFAULT.replace(seed=7).seed == 7


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.learning_rate = 1.0  # type: ignore[misc]


# --- hashing: a config is a cache key ----------------------------------------------------


def test_equal_configs_hash_equal_and_work_as_dict_keys():
    a = RunConfig(hidden=[64, 32], learning_rate=0.05)
    b = RunConfig.from_dict(a.to_dict())
    c = parse_config({"hidden": "64,32", "learning_rate": "0.05"})[0]
    assert a == b == c
    assert hash(a) == hash(b) == hash(c)
    cache = {a: "result"}
    assert cache[b] == cache[c] == "result"


def test_different_configs_are_different_keys():
    assert len({DEFAULT, DEFAULT.replace(seed=1), DEFAULT.replace(schedule="cosine")}) == 3


# --- parse_config: the forgiving URL parser ---------------------------------------------

GARBAGE = ["abc", "1e999", "-1e999", "nan", "NaN", "inf", "-5", "", " ", "0x10", "1,2", "None", "true",
           "☃", "١٢٨", "\x00", "💥" * 50, "9" * 5000, "1" * 100_000, ["1", "2"], [], [[1]], {"a": 1}, None,
           -1, 3.5, float("nan"), object()]


@pytest.mark.parametrize("name", list(FIELDS))
def test_parse_config_never_raises_on_garbage_in_any_field(name):
    for raw in GARBAGE:
        config, notices = parse_config({name: raw})
        assert isinstance(config, RunConfig)
        validate(config)
        assert all(isinstance(notice, Notice) and isinstance(str(notice), str) for notice in notices)
        if notices:  # an ignored value leaves the field as it was
            assert getattr(config, name) == getattr(DEFAULT, name)
            assert len(notices) == 1
            assert name in str(notices[0])


@pytest.mark.parametrize("name", ["seed", "learning_rate", "epochs"])
def test_parse_config_survives_integers_too_large_for_a_float(name):
    config, notices = parse_config({name: 10**400})
    assert getattr(config, name) == getattr(DEFAULT, name)
    assert len(notices) == 1


def test_parse_config_notices_one_per_ignored_value_and_keeps_the_rest():
    config, notices = parse_config({
        "learning_rate": "nan", "batch_size": "abc", "activation": "tanh", "epochs": "3",
        "mystery": "1", "momentum": "0.5",
    })
    assert (config.activation, config.epochs, config.momentum) == ("tanh", 3, 0.5)
    assert (config.learning_rate, config.batch_size) == (DEFAULT.learning_rate, DEFAULT.batch_size)
    assert len(notices) == 3
    for name in ("learning_rate", "batch_size", "mystery"):
        assert sum(name in str(notice) for notice in notices) == 1


def test_parse_config_reads_url_strings_into_typed_values():
    config, notices = parse_config({"learning_rate": "0.25", "batch_size": "64", "l2_per_batch": "true",
                                    "epochs": "2.0", "schedule": "cosine", "seed": "42"})
    assert notices == []
    assert config == DEFAULT.replace(learning_rate=0.25, batch_size=64, l2_per_batch=True, epochs=2,
                                     schedule="cosine", seed=42)
    assert isinstance(config.batch_size, int) and isinstance(config.learning_rate, float)


@pytest.mark.parametrize("text", ["128,64", "128-64", " 128 , 64 ", ["128", "64"]])
def test_parse_config_reads_hidden_as_comma_or_dash_separated_widths(text):
    config, notices = parse_config({"hidden": text})
    assert notices == []
    assert config.hidden == (128, 64)


@pytest.mark.parametrize("text", ["-5", "-", "128,,64", "64,", ",64"])
def test_parse_config_refuses_empty_width_parts_instead_of_guessing(text):
    config, notices = parse_config({"hidden": text})
    assert config.hidden == DEFAULT.hidden
    assert len(notices) == 1 and "hidden" in str(notices[0])


def test_parse_config_empty_hidden_means_no_hidden_layer():
    assert parse_config({"hidden": ""})[0].hidden == ()


def test_parse_config_starts_from_the_given_base():
    base = DEFAULT.replace(seed=9, activation="sigmoid")
    config, notices = parse_config({"seed": "oops", "epochs": "4"}, base=base)
    assert config == base.replace(epochs=4)
    assert len(notices) == 1


def test_parse_config_values_that_only_clash_together_keep_the_first_that_fits():
    config, notices = parse_config({"loss": "cross_entropy", "output": "linear"},
                                   base=DEFAULT.replace(loss="mse", output="softmax"))
    validate(config)
    assert (config.loss, config.output) == ("cross_entropy", "softmax")
    assert len(notices) == 1 and "output" in str(notices[0])


def test_parse_config_a_bad_value_does_not_cost_an_unrelated_compatible_pair():
    # output=linear is fine together with loss=mse; only the five hidden layers are wrong.
    config, notices = parse_config({"output": "linear", "loss": "mse", "hidden": "10,10,10,10,10"})
    assert (config.output, config.loss) == ("linear", "mse")
    assert config.hidden == DEFAULT.hidden
    assert len(notices) == 1 and "hidden" in str(notices[0])


def test_parse_config_with_nothing_returns_the_base_unchanged():
    assert parse_config({}) == (DEFAULT, [])


def test_parse_config_notices_stay_short_for_very_long_values():
    config, notices = parse_config({"activation": "x" * 100_000})
    assert config.activation == DEFAULT.activation
    assert len(notices) == 1 and len(str(notices[0])) < 500


def test_parse_config_result_is_a_finite_valid_config_for_numeric_junk():
    config, _ = parse_config({name: "1e999" for name in FIELDS})
    validate(config)
    assert all(math.isfinite(v) for v in (config.learning_rate, config.l2, config.momentum))


def test_parse_config_notices_are_templates_with_values_the_app_can_translate():
    config, notices = parse_config({"epochs": "abc", "seed": 10**400})
    by_name = {notice.values["name"]: notice for notice in notices}
    assert str(by_name["epochs"]) == "ignored epochs='abc': epochs must be a number, not 'abc'"
    assert by_name["epochs"].template == "ignored {name}={value}: {error}"
    assert by_name["epochs"].values["error"] == Notice("{name} must be a number, not {value}",
                                                       {"name": "epochs", "value": "'abc'"})
    assert by_name["seed"].values["value"] == Notice("a huge number")  # words inside a value are translatable too

