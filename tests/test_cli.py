"""The command line: every subcommand runs, bad arguments give usage and exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explainer import cli
from explainer.bench import run_bench
from explainer.data import SAMPLE_DIR, load_sample
from explainer.persistence import load_npz
from explainer.prepare import Splits, normalize
from explainer.presets import PRESETS

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m explainer ARGS`` in a subprocess, offline-safe (sample data, private cache)."""
    env = {"PATH": "/usr/bin:/bin", "MNIST_CACHE_DIR": "/nonexistent-cache", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "explainer", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_presets_lists_every_preset_with_the_seed_claims():
    result = run_cli("presets")
    assert result.returncode == 0
    for name in PRESETS:
        assert name in result.stdout
    assert "87.75%" in result.stdout and "98.58%" in result.stdout and "87.88%" in result.stdout


def test_train_json_summary_on_the_bundled_sample(tmp_path):
    saved = tmp_path / "model.npz"
    result = run_cli("train", "--preset", "recommended", "--epochs", "1", "--data-dir", str(SAMPLE_DIR),
                     "--json", "--save", str(saved))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"test_accuracy", "train_accuracy", "epochs", "seconds", "data_source"} <= set(summary)
    assert summary["data_source"] == "directory"
    assert summary["epochs"] == pytest.approx(1.0)
    assert 0.5 < summary["test_accuracy"] <= 1.0
    assert "[" in result.stderr and "]" in result.stderr  # the progress bar was drawn
    config, params = load_npz(saved)
    assert config == PRESETS["recommended"].config.replace(epochs=1, steps=0)
    assert params["W1"].shape == (784, 256)


def test_trace_prints_both_layouts_with_the_seeds_shapes():
    batch_first = run_cli("trace", "--preset", "seed1-relu-sigmoid", "--batch", "5", "--data-dir", str(SAMPLE_DIR))
    feature_first = run_cli("trace", "--preset", "seed1-relu-sigmoid", "--batch", "5", "--data-dir",
                            str(SAMPLE_DIR), "--layout", "feature-first")
    assert batch_first.returncode == feature_first.returncode == 0
    assert "X 5×784" in batch_first.stdout and "W1 784×60" in batch_first.stdout
    # The first seed's own notation: w1 ∈ R^{60×784}, x ∈ R^{784×batch}.
    assert "x 784×5" in feature_first.stdout and "W1 60×784" in feature_first.stdout
    assert "z1       60×5" in feature_first.stdout


def test_gradcheck_passes_and_reports_every_configuration():
    result = run_cli("gradcheck")
    assert result.returncode == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if "max relative error" in line]
    assert len(lines) == 20
    assert all(float(line.split("max relative error")[1].split()[0]) < 1e-6 for line in lines)
    assert "0 of 20 configurations exceed" in result.stdout


@pytest.mark.parametrize("args", [
    [], ["fly"], ["train"], ["train", "--preset", "nope"], ["train", "--preset", "recommended", "--epochs", "0"],
    ["train", "--preset", "recommended", "--epochs", "many"], ["trace", "--preset", "recommended"],
    ["trace", "--preset", "recommended", "--batch", "-3"], ["trace", "--preset", "recommended", "--batch", "2",
                                                           "--layout", "sideways"],
])
def test_bad_arguments_exit_2_with_usage_and_no_traceback(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("setting", [
    "init", "colour=blue", "hidden=-5", "hidden=64,", "init=ones", "learning_rate=0", "learning_rate=fast",
    "epochs=1e9", "loss=cross_entropy",  # the last: cross-entropy on seed 3's linear output is refused
])
def test_a_bad_set_value_exits_2_with_usage_and_no_traceback(setting):
    result = run_cli("train", "--preset", "seed3-four-layer-mse", "--set", setting, "--data-dir", str(SAMPLE_DIR))
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr and "--set" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_set_changes_the_config_and_the_json_carries_the_diagnostics(tmp_path):
    saved = tmp_path / "zeros.npz"
    result = run_cli("train", "--preset", "recommended", "--set", "hidden=16", "--set", "init=zeros",
                     "--set", "steps=12", "--set", "eval_every=4", "--set", "train_size=2000",
                     "--data-dir", str(SAMPLE_DIR), "--json", "--save", str(saved))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 12
    assert summary["config"]["hidden"] == [16] and summary["config"]["init"] == "zeros"
    records = summary["diagnostics"]
    assert [record["step"] for record in records] == [0, 4, 8, 12]
    for record in records:
        assert record["distinct_units"] == 1  # all-zero init: the 16 units stay one
        assert len(record["layers"]) == 2
        for layer in record["layers"]:
            assert {"grad_norm", "update_ratio", "weight_norm", "dead_fraction", "saturated_fraction"} <= set(layer)
        assert record["layers"][0]["dead_fraction"] == 1.0  # ReLU at z = 0 everywhere: every unit dead
    line = summary["loss_line"]
    assert len(line["t"]) == len(line["loss"]) > 0 and 0.0 in line["t"] and 1.0 in line["t"]
    from explainer.persistence import load_run_npz
    config, _, diagnostics = load_run_npz(saved)
    assert config.init == "zeros" and [r.step for r in diagnostics.records] == [0, 4, 8, 12]


def test_a_broken_data_directory_is_one_clear_line_and_exit_1(tmp_path):
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes(b"not a gzip file at all")
    result = run_cli("train", "--preset", "recommended", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in result.stderr


def test_bench_reports_medians_and_ratios_on_a_small_set():
    sample = load_sample()
    X_test, y_test = normalize(sample.test_images, "unit"), sample.test_labels.astype(np.int64)
    data = Splits(normalize(sample.train_images, "unit"), sample.train_labels.astype(np.int64),
                  X_test[:0], y_test[:0], X_test, y_test)
    lines: list[str] = []
    figures = run_bench(data, rounds=2, accuracy_epochs=1, report=lines.append)
    for name in ("ours", "seed_style", "floor"):
        assert figures[f"{name}_ms"] > 0
    assert figures["ratio_to_floor"] > 1.0  # nothing beats the bare matrix products
    assert "ratio_to_torch" in figures
    assert 0.5 < figures["accuracy_784-128-10"]["ours"] <= 1.0
    json.dumps(figures)
    assert any("median ms/epoch" in line for line in lines)


def test_main_returns_exit_codes_in_process(capsys):
    assert cli.main(["presets"]) == 0
    with pytest.raises(SystemExit) as stop:
        cli.main(["train"])
    assert stop.value.code == 2
