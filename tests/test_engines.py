"""Both engines behind one interface: local worker processes and a real Dask LocalCluster.

The same jobs, on the same data, give the same results on either engine; progress streams back from
Dask workers too, and a cancelled Dask job stops.
"""

import time

import numpy as np
import pytest

from explainer import jobs
from explainer.config import RunConfig
from explainer.data import load_sample
from explainer.engines import DaskEngine, ProcessEngine, engine_for
from explainer.jobs import JobManager
from explainer.memory import BoundedCache
from explainer.runstore import RunStore
from explainer.sweep_runner import SweepRunner
from explainer.sweeps import SweepSpec, parse_axis
from explainer.worker import DatasetRef

SIZES = (8000, 2000)
QUICK = RunConfig(hidden=(16,), epochs=1, train_size=1000)


@pytest.fixture(scope="module")
def dataset():
    return DatasetRef.of(load_sample())


@pytest.fixture(scope="module")
def dask_manager():
    """A job manager on a real two-worker Dask LocalCluster (one thread per worker)."""
    manager = JobManager(DaskEngine("local", local_workers=2), RunStore(BoundedCache("runs", 2**26)))
    yield manager
    manager.close()


def test_engine_for_chooses_dask_only_when_an_address_is_given():
    engine = engine_for(1)
    try:
        assert isinstance(engine, ProcessEngine) and engine.name == "processes"
    finally:
        engine.shutdown()


def test_a_dask_job_gives_the_same_run_as_a_local_process(dask_manager, dataset):
    assert dask_manager.engine.name == "dask" and dask_manager.engine.capacity == 2
    on_dask = dask_manager.request(QUICK, dataset, SIZES, "ann")
    assert dask_manager.wait([on_dask], 120) and on_dask.status == jobs.DONE
    local = JobManager(ProcessEngine(1), RunStore(BoundedCache("runs", 2**26)))
    try:
        here = local.request(QUICK, dataset, SIZES, "ann")
        assert local.wait([here], 120)
        a, b = dask_manager.result(on_dask), local.result(here)
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])
        assert a.test_accuracy == b.test_accuracy is not None
    finally:
        local.close()


def test_progress_streams_back_from_dask_workers_and_cancel_stops_the_job(dask_manager, dataset):
    job = dask_manager.request(RunConfig(hidden=(32,), steps=1_000_000, batch_size=8), dataset, SIZES, "ben")
    deadline = time.monotonic() + 60
    while dask_manager.view(job).steps_done < 3000:  # a point per 1,000 steps on a run this long
        assert time.monotonic() < deadline, "no progress came back from the Dask worker"
        time.sleep(0.05)
    view = dask_manager.view(job)
    assert view.evaluations and len(view.points) > 0 and job.pid is not None
    dask_manager.leave(job, "ben")
    assert dask_manager.wait([job], 10)
    assert job.status == jobs.STOPPED and dask_manager.result(job).stop_reason.startswith("stopped at step")


def test_a_sweep_runs_on_the_dask_cluster(dask_manager, dataset):
    spec = SweepSpec(QUICK, (parse_axis("learning_rate:0.05,0.5"), parse_axis("batch_size:32,128")))
    runner = SweepRunner(spec, dask_manager, dataset, SIZES, "cat").start()
    assert runner.wait(180) and runner.state == "done"
    records = runner.records()
    assert len(records) == 4 and all(r.status == "done" and r.val_accuracy > 0.1 for r in records)
