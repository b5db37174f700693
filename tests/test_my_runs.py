"""My runs: the registry of every visitor's runs (bounded in bytes and per visitor), settling, the table and CSV."""

import csv
import io
import time

import numpy as np
import pytest

from explainer import jobs
from explainer.config import RunConfig
from explainer.data import load_sample
from explainer.engines import ProcessEngine
from explainer.jobs import JobManager
from explainer.memory import BoundedCache
from explainer.runstore import RunStore
from explainer.worker import DatasetRef
from ui import my_runs
from ui.my_runs import MyRun, Registry

QUICK = RunConfig(hidden=(16,), epochs=1, train_size=1000)
SIZES = (8000, 2000)


def entry(seed: int = 0, status: str = "done", **numbers) -> MyRun:
    return MyRun("data", QUICK.replace(seed=seed).key(), "train", float(seed), status, **numbers)


def test_each_visitor_sees_only_their_own_runs():
    registry = Registry()
    registry.add("ann", entry(1))
    registry.add("ben", entry(2))
    assert [run.config.seed for run in registry.runs("ann")] == [1]
    assert [run.config.seed for run in registry.runs("ben")] == [2]
    assert registry.runs("cat") == []


def test_the_same_run_is_listed_once_and_keeps_where_it_came_from():
    registry = Registry()
    registry.add("ann", entry(1, status="running"))
    registry.add("ann", MyRun("data", QUICK.replace(seed=1).key(), "sweep", 99.0, "done", val_accuracy=0.9))
    (run,) = registry.runs("ann")
    assert (run.origin, run.added, run.status, run.val_accuracy) == ("train", 1.0, "done", 0.9)
    registry.add("ann", entry(1, status="queued"))  # asked again and answered from the store: still done
    assert registry.runs("ann")[0].status == "done"


def test_a_visitor_keeps_at_most_max_runs_the_oldest_go_first():
    registry = Registry(max_runs=3)
    for seed in range(5):
        registry.add("ann", entry(seed))
    assert [run.config.seed for run in registry.runs("ann")] == [2, 3, 4]


def test_the_registry_stays_within_its_bytes_by_forgetting_the_visitor_seen_longest_ago():
    registry = Registry(max_bytes=20_000, max_runs=300)
    for visitor in range(40):
        for seed in range(5):
            registry.add(f"visitor-{visitor}", entry(seed))
    assert registry.bytes <= 20_000
    assert registry.runs("visitor-0") == [] and len(registry.runs("visitor-39")) == 5
    kept = sum(len(registry.runs(f"visitor-{v}")) for v in range(40))
    assert kept > 10 and registry.bytes / kept < 1500  # about a kilobyte per run: numbers only, no weights


def test_deleting_forgets_only_the_chosen_runs():
    registry = Registry()
    for seed in range(3):
        registry.add("ann", entry(seed))
    registry.delete("ann", [entry(1).key])
    assert [run.config.seed for run in registry.runs("ann")] == [0, 2]


@pytest.fixture
def manager(tmp_path):
    made = JobManager(ProcessEngine(1), RunStore(BoundedCache("runs", 64 * 2**20), tmp_path / "runs"))
    yield made
    made.close()


def test_a_queued_run_settles_from_its_job_once_it_ends(manager):
    dataset = DatasetRef.of(load_sample())
    job = manager.request(QUICK, dataset, SIZES, "ann")
    registry = Registry()
    registry.add("token", MyRun(dataset.key, QUICK.key(), "train", time.time(), job.status), job)
    assert registry.settle("token", manager)[0].status in ("queued", "running")
    assert manager.wait([job], 60) and job.status == jobs.DONE
    (run,) = registry.settle("token", manager)
    assert run.status == "done" and 0.1 < run.val_accuracy <= 1 and run.seconds > 0
    assert run.test_accuracy is not None


def test_a_run_whose_job_is_gone_settles_from_the_store_or_says_it_is_gone(manager):
    dataset = DatasetRef.of(load_sample())
    job = manager.request(QUICK, dataset, SIZES, "ann")
    assert manager.wait([job], 60)
    registry = Registry()
    registry.add("token", MyRun(dataset.key, QUICK.key(), "train", 0.0, "queued"))  # no job known
    registry.add("token", MyRun(dataset.key, QUICK.replace(seed=5).key(), "train", 0.0, "queued"))
    found, lost = registry.settle("token", manager)
    assert found.status == "done" and found.val_accuracy is not None
    assert lost.status == "gone"


def test_the_table_shows_only_what_differs_and_the_csv_everything():
    runs = [MyRun("data", QUICK.key(), "train", 0.0, "done", 0.91, 0.95, 0.9, 1.5),
            MyRun("data", QUICK.replace(learning_rate=0.5).key(), "sweep", 1.0, "diverged", 0.1, 0.1, None, 0.4)]
    frame = my_runs.frame(runs)
    assert list(frame.columns) == ["#", "from", "status", "Learning rate", "validation %", "test %", "seconds"]
    assert list(frame["Learning rate"]) == ["0.1", "0.5"] and list(frame["from"]) == ["Train page", "sweep"]
    assert frame["validation %"].iloc[0] == pytest.approx(91.0) and np.isnan(frame["test %"].iloc[1])
    rows = list(csv.DictReader(io.StringIO(my_runs.csv_text(runs))))
    assert len(rows) == 2 and rows[1]["learning_rate"] == "0.5" and rows[1]["status"] == "diverged"
    assert rows[0]["hidden"] == "16" and "epochs" in rows[0]


def test_remember_refuses_an_unknown_origin():
    with pytest.raises(ValueError, match="origin must be one of train, seeds, sweep"):
        my_runs.remember(entry(), "elsewhere")
