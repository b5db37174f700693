"""The run store: a run survives the round trip to disk exactly, the disk bound holds, broken files are skipped."""

import numpy as np

from explainer import trainer
from explainer.config import RunConfig
from explainer.memory import BoundedCache
from explainer.runstore import RunStore, read_run, write_run

CONFIG = RunConfig(hidden=(16,), epochs=1, train_size=500)


def test_a_run_round_trips_through_its_file(tmp_path, sample_splits):
    result = trainer.run(CONFIG, sample_splits(CONFIG))
    path = tmp_path / "run.npz"
    write_run(path, result, "data-1")
    dataset, loaded = read_run(path)
    assert dataset == "data-1" and loaded.config == CONFIG and loaded.evaluations[-1].val_accuracy == \
        result.evaluations[-1].val_accuracy
    for name in result.params:
        np.testing.assert_array_equal(loaded.params[name], result.params[name])
        assert not loaded.params[name].flags.writeable
    np.testing.assert_array_equal(loaded.step_loss, result.step_loss)
    assert (loaded.seconds, loaded.total_steps, loaded.stop_reason) == (result.seconds, result.total_steps, None)
    assert loaded.stop_message is None
    if result.diagnostics is not None:
        assert loaded.diagnostics is not None


def test_a_diverged_run_keeps_its_message_template_through_its_file(tmp_path, sample_splits):
    wild = CONFIG.replace(learning_rate=100.0, normalization="raw")
    diverged = trainer.run(wild, sample_splits(wild))
    write_run(tmp_path / "run.npz", diverged, "data-1")
    _, loaded = read_run(tmp_path / "run.npz")
    assert loaded.stop_reason == diverged.stop_reason and loaded.stop_message == diverged.stop_message
    assert str(loaded.stop_message) == loaded.stop_reason


def test_the_disk_tier_keeps_to_its_bound_dropping_the_least_recently_used(tmp_path, sample_splits):
    results = [trainer.run(CONFIG.replace(seed=seed), sample_splits(CONFIG)) for seed in range(6)]
    store = RunStore(BoundedCache("runs", 1), tmp_path, disk_bytes=10**9)
    store.put("d", results[0])
    one_file = store.disk_usage()
    store = RunStore(BoundedCache("runs", 1), tmp_path, disk_bytes=int(3.5 * one_file))
    for result in results[1:]:
        store.put("d", result)
        assert store.disk_usage() <= store.disk_bytes
    assert len(list(tmp_path.glob("run-*.npz"))) == 3
    assert store.get("d", results[-1].config) is not None and store.get("d", results[1].config) is None


def test_stopped_runs_are_not_kept_and_diverged_ones_only_in_memory(tmp_path, sample_splits):
    store = RunStore(BoundedCache("runs", 2**24), tmp_path)
    calls = iter(range(100))
    stopped = trainer.run(CONFIG, sample_splits(CONFIG), should_stop=lambda: next(calls) >= 3)
    assert stopped.stop_reason and not store.put("d", stopped) and store.get("d", CONFIG) is None
    wild = CONFIG.replace(learning_rate=100.0, normalization="raw")
    diverged = trainer.run(wild, sample_splits(wild))
    assert diverged.diverged and store.put("d", diverged)
    assert store.get("d", wild) is diverged and not list(tmp_path.glob("run-*.npz"))


def test_a_file_of_another_run_or_garbage_is_skipped_and_removed(tmp_path, sample_splits, caplog):
    result = trainer.run(CONFIG, sample_splits(CONFIG))
    store = RunStore(BoundedCache("runs", 1), tmp_path)
    store.put("d", result)
    other = CONFIG.replace(seed=9)
    write_run(store.path("d", other), result, "d")  # a file whose content is not what its name says
    with caplog.at_level("WARNING", logger="explainer.runstore"):
        assert store.get("d", other) is None
    assert "belongs to another run" in caplog.text and not store.path("d", other).exists()
    store.path("d", CONFIG).write_bytes(b"PK\x03\x04 broken")
    assert store.get("d", CONFIG) is None and not store.path("d", CONFIG).exists()
