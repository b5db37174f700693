"""``python -m explainer sweep``: a real grid sweep on worker processes, the JSON line, usage errors."""

import io
import json

import pytest

from explainer.cli import main


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_grid_sweep_prints_every_run_as_json(monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", "/nonexistent-cache-for-the-sample")
    code, out, err = run(["sweep", "--preset", "recommended", "--grid", "learning_rate=0.05,0.5",
                          "--grid", "width=16,32", "--seeds", "2", "--epochs", "1", "--train-size", "1000",
                          "--workers", "2", "--json"])
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["engine"] == "processes" and summary["workers"] == 2 and summary["seconds"] > 0
    runs = summary["runs"]
    assert len(runs) == 8
    assert {(r["config"]["learning_rate"], tuple(r["config"]["hidden"]), r["seed"]) for r in runs} == {
        (lr, (w, w), seed) for lr in (0.05, 0.5) for w in (16, 32) for seed in (0, 1)}
    for r in runs:
        assert r["status"] == "done" and 0.1 < r["val_accuracy"] <= 1 and 0.1 < r["test_accuracy"] <= 1
        assert r["seconds"] > 0
    assert "best:" in err


def test_a_tpe_sweep_draws_its_points_from_the_range(monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", "/nonexistent-cache-for-the-sample")
    code, out, err = run(["sweep", "--preset", "recommended", "--sampler", "tpe", "--trials", "4",
                          "--range", "learning_rate=0.001:1:log", "--epochs", "1", "--train-size", "500",
                          "--workers", "1", "--json"])
    assert code == 0, err
    runs = json.loads(out.strip().splitlines()[-1])["runs"]
    rates = [r["config"]["learning_rate"] for r in runs]
    assert len(runs) == 4 and all(0.001 <= rate <= 1 for rate in rates) and len(set(rates)) == 4


@pytest.mark.parametrize("argv, message", [
    (["--grid", "foo=1,2"], "cannot be varied"),
    (["--grid", "learning_rate"], "is not FIELD=V1,V2"),
    (["--grid", "learning_rate=0,1"], "between 1e-06 and 100"),
    (["--range", "learning_rate=1:0.1"], "low < high"),
    (["--sampler", "tpe", "--range", "learning_rate=0.01:1"], "need between 1 and"),
    (["--grid", "learning_rate=0.1", "--grid", "momentum=0,0.9", "--grid", "l2=0,0.01", "--grid", "width=8,16"],
     "between 1 and 3"),
    ([], "vary between 1 and 3"),
])
def test_bad_arguments_print_the_usage_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sweep", "--preset", "recommended", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
