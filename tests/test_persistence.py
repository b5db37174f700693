"""Saving and loading weights: the .npz with its config inside, and the second seed's CSV files."""

import io
import json
import zipfile

import numpy as np
import pytest

from explainer import model
from explainer.config import RunConfig
from explainer.persistence import (
    MAX_FILE_BYTES,
    ModelFileError,
    expected_shapes,
    load_csv,
    load_npz,
    npz_bytes,
    save_csv,
    save_npz,
)

CONFIG = RunConfig(hidden=(6, 5), activation="tanh", learning_rate=0.02, seed=11, schedule="cosine")
UNPICKLED = []


def params_for(config=CONFIG, seed=0):
    return model.init_params(config, np.random.default_rng(seed))


def raw_npz(config_text=None, **arrays):
    """An .npz written directly with numpy, bypassing save_npz's casting."""
    buffer = io.BytesIO()
    entries = dict(arrays)
    if config_text is not None:
        entries["config"] = np.array(config_text)
    np.savez(buffer, **entries)
    return buffer.getvalue()


def config_json(config=CONFIG):
    return json.dumps(config.to_dict())


def assert_same_params(loaded, params):
    assert list(sorted(loaded)) == sorted(params)
    for name in params:
        assert loaded[name].dtype == np.float32
        assert np.array_equal(loaded[name], params[name])


# --- round trips ---------------------------------------------------------------------------


def test_expected_shapes_are_batch_first():
    assert expected_shapes(CONFIG) == {"W1": (784, 6), "b1": (6,), "W2": (6, 5), "b2": (5,),
                                       "W3": (5, 10), "b3": (10,)}


def test_npz_bytes_round_trip_preserves_config_and_params_exactly():
    params = params_for()
    config, loaded = load_npz(npz_bytes(params, CONFIG))
    assert config == CONFIG
    assert_same_params(loaded, params)


def test_npz_path_round_trip(tmp_path):
    params = params_for()
    path = tmp_path / "model.npz"
    save_npz(path, params, CONFIG)
    config, loaded = load_npz(path)
    assert config == CONFIG
    assert_same_params(loaded, params)
    config, loaded = load_npz(str(path))
    assert config == CONFIG


def test_npz_file_object_round_trip():
    params = params_for()
    buffer = io.BytesIO()
    save_npz(buffer, params, CONFIG)
    buffer.seek(0)
    config, loaded = load_npz(buffer)
    assert config == CONFIG
    assert_same_params(loaded, params)


def test_float64_params_are_saved_as_float32():
    params64 = model.init_params(CONFIG, np.random.default_rng(0), dtype=np.float64)
    _, loaded = load_npz(npz_bytes(params64, CONFIG))
    assert_same_params(loaded, {name: value.astype(np.float32) for name, value in params64.items()})


def test_no_hidden_layer_round_trip():
    config = RunConfig(hidden=())
    params = params_for(config)
    assert_same_params(load_npz(npz_bytes(params, config))[1], params)


def test_loaded_arrays_are_read_only():
    _, loaded = load_npz(npz_bytes(params_for(), CONFIG))
    for value in loaded.values():
        assert not value.flags.writeable
    with pytest.raises(ValueError):
        loaded["W1"][0, 0] = 1.0


def test_saving_read_only_params_works():
    params = params_for()
    for value in params.values():
        value.flags.writeable = False
    assert_same_params(load_npz(npz_bytes(params, CONFIG))[1], params)


# --- never unpickle -------------------------------------------------------------------------


def _record_unpickling():
    UNPICKLED.append(True)
    return 0.0


class Smuggled:
    def __reduce__(self):
        return (_record_unpickling, ())


def test_an_object_array_is_refused_and_never_unpickled():
    params = params_for()
    params["W1"] = np.array([Smuggled()], dtype=object)
    data = raw_npz(config_json(), **params)
    UNPICKLED.clear()
    with pytest.raises(ModelFileError):
        load_npz(data)
    assert UNPICKLED == []


def test_a_pickle_is_refused():
    import pickle

    UNPICKLED.clear()
    with pytest.raises(ModelFileError, match="not a readable"):
        load_npz(pickle.dumps(Smuggled()))
    assert UNPICKLED == []


# --- every way a file can be wrong --------------------------------------------------------


def test_wrong_shape_names_the_array_and_both_shapes():
    params = params_for()
    params["W2"] = np.zeros((6, 4), np.float32)
    with pytest.raises(ModelFileError, match=r"W2 has shape \(6, 4\).*\(6, 5\)"):
        load_npz(npz_bytes(params, CONFIG))


def test_wrong_dtype_names_the_array_and_dtype():
    params = params_for()
    params["b1"] = params["b1"].astype(np.float64)
    with pytest.raises(ModelFileError, match="b1 has dtype float64"):
        load_npz(raw_npz(config_json(), **params))


def test_integer_weights_are_refused():
    params = params_for()
    params["W1"] = np.zeros((784, 6), np.int32)
    with pytest.raises(ModelFileError, match="W1.*dtype"):
        load_npz(raw_npz(config_json(), **params))


def test_a_missing_array_is_named():
    params = params_for()
    del params["b3"]
    with pytest.raises(ModelFileError, match="b3"):
        load_npz(npz_bytes(params, CONFIG))


def test_an_extra_array_is_named():
    params = params_for()
    params["W4"] = np.zeros((10, 10), np.float32)
    with pytest.raises(ModelFileError, match="W4"):
        load_npz(npz_bytes(params, CONFIG))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(bad):
    params = params_for()
    params["W2"] = params["W2"].copy()
    params["W2"][3, 1] = bad
    with pytest.raises(ModelFileError, match="W2 contains NaN or infinite"):
        load_npz(npz_bytes(params, CONFIG))


def test_a_config_for_another_network_does_not_fit_the_arrays():
    data = npz_bytes(params_for(), CONFIG)
    other = raw_npz(config_json(CONFIG.replace(hidden=(6,))), **params_for())
    assert load_npz(data)[0] == CONFIG
    with pytest.raises(ModelFileError, match="W3"):
        load_npz(other)


@pytest.mark.parametrize("data", [b"", b"garbage" * 100, b"PK\x03\x04" + b"\x00" * 40, bytes(range(256)) * 4],
                         ids=["empty", "text", "zip-header-only", "binary"])
def test_garbage_bytes_are_not_a_readable_npz(data):
    with pytest.raises(ModelFileError, match="not a readable .npz"):
        load_npz(data)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_file_is_refused(fraction):
    data = npz_bytes(params_for(), CONFIG)
    with pytest.raises(ModelFileError):
        load_npz(data[:int(len(data) * fraction)])


def test_a_corrupted_file_is_refused():
    data = bytearray(npz_bytes(params_for(), CONFIG))
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    with pytest.raises(ModelFileError):
        load_npz(bytes(data))


def test_a_plain_npy_file_is_refused_with_model_file_error():
    # np.save instead of np.savez is an easy mistake; it must be reported, not crash.
    buffer = io.BytesIO()
    np.save(buffer, params_for()["W1"])
    with pytest.raises(ModelFileError):
        load_npz(buffer.getvalue())


def test_a_zip_with_a_non_array_member_is_refused_with_model_file_error():
    params = params_for()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in {"config": np.array(config_json()), **params}.items():
            if name == "W1":
                archive.writestr("W1", b"not an array")  # no .npy suffix: numpy hands back raw bytes
                continue
            array_bytes = io.BytesIO()
            np.save(array_bytes, value)
            archive.writestr(f"{name}.npy", array_bytes.getvalue())
    with pytest.raises(ModelFileError):
        load_npz(buffer.getvalue())


def test_a_file_without_config_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, **params_for())
    with pytest.raises(ModelFileError, match="no 'config'"):
        load_npz(buffer.getvalue())


@pytest.mark.parametrize("text", [
    "not json {",
    '{"hidden": [6, 5], "learning_rate": "fast"}',
    '{"hidden": [6, 5], "favourite_colour": "blue"}',
    '{"hidden": [6, 5], "output": "linear"}',
    "null",
    "5",
    "[]",
    '["hidden", "seed"]',
], ids=["not-json", "bad-value", "unknown-field", "bad-combination", "null", "number", "empty-list", "list"])
def test_a_bad_config_is_an_invalid_config(text):
    with pytest.raises(ModelFileError, match="invalid config"):
        load_npz(raw_npz(text, **params_for()))


def test_the_error_names_the_file(tmp_path):
    path = tmp_path / "weights-v2.npz"
    path.write_bytes(b"nonsense")
    with pytest.raises(ModelFileError, match="weights-v2.npz"):
        load_npz(path)
    with pytest.raises(ModelFileError, match="upload.npz"):
        load_npz(b"nonsense", name="upload.npz")


def test_oversized_inputs_are_refused_before_reading(tmp_path):
    with pytest.raises(ModelFileError, match="larger than"):
        load_npz(b"\0" * (MAX_FILE_BYTES + 1))
    path = tmp_path / "huge.npz"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no real disk use
    with pytest.raises(ModelFileError, match="larger than"):
        load_npz(path)


# --- CSV, the second seed's layout ---------------------------------------------------------


def test_csv_round_trip_with_feature_first_files(tmp_path):
    params = params_for()
    written = save_csv(tmp_path / "csv", params)
    assert sorted(p.name for p in written) == ["W_1.csv", "W_2.csv", "W_3.csv", "b_1.csv", "b_2.csv", "b_3.csv"]
    folder = tmp_path / "csv"
    assert np.loadtxt(folder / "W_1.csv", delimiter=",").shape == (6, 784)
    assert np.loadtxt(folder / "W_2.csv", delimiter=",").shape == (5, 6)
    assert np.loadtxt(folder / "b_1.csv", delimiter=",", ndmin=2).shape == (6, 1)
    np.testing.assert_allclose(np.loadtxt(folder / "W_1.csv", delimiter=","), params["W1"].T, rtol=1e-7)
    loaded = load_csv(folder, CONFIG)
    assert_same_params(loaded, params)  # nine significant digits keep float32 exact
    assert all(not value.flags.writeable for value in loaded.values())


def test_csv_round_trip_with_one_unit_layers(tmp_path):
    config = RunConfig(hidden=(1,))
    params = params_for(config)
    save_csv(tmp_path, params)
    assert_same_params(load_csv(tmp_path, config), params)


def test_a_missing_csv_file_is_named(tmp_path):
    save_csv(tmp_path, params_for())
    (tmp_path / "b_2.csv").unlink()
    with pytest.raises(ModelFileError, match="b_2.csv is missing"):
        load_csv(tmp_path, CONFIG)


def test_csv_files_of_another_network_are_refused(tmp_path):
    save_csv(tmp_path, params_for(RunConfig(hidden=(6, 4))))
    with pytest.raises(ModelFileError, match="shape"):
        load_csv(tmp_path, CONFIG)


def test_a_non_numeric_csv_is_refused(tmp_path):
    save_csv(tmp_path, params_for())
    (tmp_path / "W_2.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ModelFileError, match="W_2.csv"):
        load_csv(tmp_path, CONFIG)


def test_a_csv_with_nan_is_refused(tmp_path):
    params = params_for()
    params["b1"] = params["b1"].copy()
    params["b1"][0] = np.nan
    save_csv(tmp_path, params)
    with pytest.raises(ModelFileError, match="NaN"):
        load_csv(tmp_path, CONFIG)



# --- a run's diagnostics travel with its weights -------------------------------------------


@pytest.fixture(scope="module")
def trained(sample_splits):
    from explainer.trainer import run

    config = RunConfig(hidden=(12,), batch_size=50, steps=6, eval_every=2, train_size=300)
    return run(config, sample_splits(config))


def test_diagnostics_round_trip_through_the_npz(trained):
    from explainer.persistence import load_run_npz

    data = npz_bytes(trained.params, trained.config, trained.diagnostics)
    config, params, diagnostics = load_run_npz(data)
    assert config == trained.config
    assert_same_params(params, trained.params)
    assert diagnostics.records == trained.diagnostics.records
    assert np.array_equal(diagnostics.snapshots, trained.diagnostics.snapshots)
    assert np.array_equal(diagnostics.line_loss, trained.diagnostics.line_loss)
    assert load_npz(data)[0] == trained.config  # the plain loader still reads the file
    assert load_run_npz(npz_bytes(trained.params, trained.config))[2] is None


def test_broken_or_mismatched_diagnostics_are_refused(trained):
    from explainer.diagnostics import to_arrays

    arrays = {**trained.params, **to_arrays(trained.diagnostics)}
    broken = raw_npz(json.dumps(trained.config.to_dict()), **{**arrays, "diag_step": np.zeros(1, np.int64)})
    with pytest.raises(ModelFileError, match="broken diagnostics"):
        load_npz(broken)
    other = RunConfig(hidden=(12,), activation="tanh")  # same shapes, so only the units could disagree
    wrong_units = raw_npz(json.dumps(other.to_dict()), **{**arrays, "diag_units": np.array([13, 10])})
    with pytest.raises(ModelFileError):
        load_npz(wrong_units)
