"""The job layer with real worker processes: sharing, cancelling, a killed worker, fair order, limits, the store.

Every test runs a real :class:`explainer.engines.ProcessEngine` (forkserver
workers) on the bundled sample, so what is claimed here is what the app gets.
"""

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from explainer import jobs
from explainer.config import RunConfig
from explainer.data import load_sample
from explainer.engines import ProcessEngine
from explainer.jobs import JobManager, JobRefused
from explainer.memory import BoundedCache
from explainer.presets import PRESETS
from explainer.runstore import RunStore
from explainer.settings import Settings
from explainer.worker import DatasetRef

SIZES = (8000, 2000)
QUICK = RunConfig(hidden=(32,), epochs=1, train_size=1000)
ENDLESS = RunConfig(hidden=(64,), steps=1_000_000, batch_size=8)


@pytest.fixture(scope="module")
def dataset():
    return DatasetRef.of(load_sample())


@pytest.fixture
def make_manager(tmp_path):
    """``make_manager(workers=2, **options)``: a manager on fresh worker processes, closed after the test."""
    made = []

    def make(workers: int = 2, memory_bytes: int = 64 * 2**20, directory: Path | None = tmp_path / "runs",
             **options) -> JobManager:
        store = RunStore(BoundedCache("runs", memory_bytes), directory)
        manager = JobManager(ProcessEngine(workers), store, **options)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        manager.close()


def wait_for(condition, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_identical_requests_share_one_job_and_its_result(make_manager, dataset):
    manager = make_manager()
    first = manager.request(QUICK, dataset, SIZES, "ann")
    second = manager.request(QUICK, dataset, SIZES, "ben")
    assert second is first and first.watchers == {"ann", "ben"}
    assert manager.wait([first], 60) and first.status == jobs.DONE
    view = manager.view(first)
    assert view.steps_done == view.total_steps > 0
    assert not view.evaluations and not len(view.points)  # the live copy goes: the result holds it all
    assert len(manager.result(first).evaluations) > 1
    later = manager.request(QUICK, dataset, SIZES, "cat")
    assert later.status == jobs.DONE and later.from_cache
    assert manager.result(later) is manager.result(first)
    assert manager.counts["computed"] == 1 and manager.counts["joined"] == 1 and manager.counts["cached"] == 1


def test_progress_streams_while_a_job_runs(make_manager, dataset):
    manager = make_manager()
    job = manager.request(ENDLESS, dataset, SIZES, "ann")
    wait_for(lambda: manager.view(job).steps_done > 2000, what="steps")
    view = manager.view(job)
    assert view.status == jobs.RUNNING and view.evaluations[0].step == 0
    steps, losses, rates = view.points.T
    assert len(steps) > 0 and np.all(np.diff(steps) > 0) and np.all(np.isfinite(losses))
    assert np.allclose(rates, ENDLESS.learning_rate)
    manager.leave(job, "ann")


def test_a_job_is_cancelled_within_a_second_once_its_last_watcher_leaves(make_manager, dataset):
    manager = make_manager()
    job = manager.request(ENDLESS, dataset, SIZES, "ann")
    manager.request(ENDLESS, dataset, SIZES, "ben")
    wait_for(lambda: manager.view(job).steps_done > 0, what="the first steps")
    manager.leave(job, "ann")
    time.sleep(0.5)
    assert job.status == jobs.RUNNING  # ben still watches
    left = time.monotonic()
    manager.leave(job, "ben")
    assert manager.wait([job], 5)
    assert time.monotonic() - left < 1.0
    assert job.status == jobs.STOPPED
    stopped = manager.result(job)
    assert stopped.stop_reason.startswith("stopped at step") and 0 < len(stopped.step_loss) < ENDLESS.steps
    assert manager.store.get(dataset.key, ENDLESS) is None  # a stopped run is never reused


def test_a_watcher_whose_tab_closed_is_dropped_and_its_job_cancelled(make_manager, dataset):
    gone = set()
    manager = make_manager(is_alive=lambda watcher: watcher not in gone)
    job = manager.request(ENDLESS, dataset, SIZES, "ann")
    wait_for(lambda: manager.view(job).steps_done > 0, what="the first steps")
    closed = time.monotonic()
    gone.add("ann")
    assert manager.wait([job], 5)
    assert time.monotonic() - closed < 1.5
    assert job.status == jobs.STOPPED and not job.watchers


def test_a_queued_job_nobody_watches_is_dropped_from_the_queue(make_manager, dataset):
    manager = make_manager(workers=1)
    running = manager.request(ENDLESS, dataset, SIZES, "ann")
    queued = manager.request(QUICK, dataset, SIZES, "ben")
    assert queued.status == jobs.QUEUED and manager.view(queued).position == 1
    manager.leave(queued, "ben")
    assert queued.status == jobs.CANCELLED and manager.queued_count() == 0
    manager.leave(running, "ann")


def test_a_killed_worker_fails_its_own_job_clearly_and_the_pool_carries_on(make_manager, dataset):
    manager = make_manager(workers=2)
    victim = manager.request(ENDLESS, dataset, SIZES, "ann")
    neighbour = manager.request(ENDLESS.replace(seed=1), dataset, SIZES, "ben")
    wait_for(lambda: victim.pid and neighbour.pid and manager.view(neighbour).steps_done > 0, what="both workers")
    os.kill(victim.pid, signal.SIGKILL)
    assert manager.wait([victim], 10)
    assert victim.status == jobs.FAILED
    template, values = victim.error
    message = template.format(**values)
    assert "stopped unexpectedly" in message and "killed" in message
    wait_for(lambda: neighbour.status == jobs.RUNNING and manager.view(neighbour).steps_done > 0, timeout=30,
             what="the neighbour to train again on the new pool")
    assert neighbour.pid != victim.pid
    after = manager.request(QUICK, dataset, SIZES, "cat")
    assert manager.wait([after], 60) and after.status == jobs.DONE
    manager.leave(neighbour, "ben")


def test_the_queue_takes_visitors_in_turn(make_manager, dataset):
    manager = make_manager(workers=1)
    blocker = manager.request(ENDLESS, dataset, SIZES, "zed")
    wait_for(lambda: blocker.status == jobs.RUNNING, what="the blocker")
    ann = [manager.request(QUICK.replace(seed=seed), dataset, SIZES, "ann") for seed in (1, 2, 3)]
    ben = manager.request(QUICK.replace(seed=4), dataset, SIZES, "ben")
    positions = [manager.view(job).position for job in (*ann, ben)]
    assert positions == [1, 3, 4, 2]  # ann's first, then ben's, then the rest of ann's
    assert all(manager.view(job).wait_seconds > 0 for job in (*ann, ben))
    manager.leave(blocker, "zed")
    assert manager.wait([*ann, ben], 120)
    order = sorted((*ann, ben), key=lambda job: job.started)
    assert order == [ann[0], ben, ann[1], ann[2]]


def test_a_run_above_the_cost_limit_is_refused_with_what_to_lower(make_manager, dataset):
    manager = make_manager(max_job_seconds=120)
    huge = RunConfig(batch_size=1, epochs=500)
    with pytest.raises(JobRefused) as refused:
        manager.request(huge, dataset, (60_000, 10_000), "ann")
    refusal = refused.value
    assert refusal.reason == "too_costly" and refusal.estimate.seconds > 3600
    tips = [template.format(**values) for template, values in refusal.tips]
    assert any("epochs instead of 500" in tip for tip in tips)
    assert "CPU-minutes" in str(refusal)
    assert manager.counts["refused"] == 1 and manager.queued_count() == 0


def test_every_preset_fits_the_local_limit_and_a_few_fit_the_public_one():
    local, public = Settings.from_env({}), Settings.from_env({"EXPLAINER_PROFILE": "public"})
    from explainer.costs import estimate

    seconds = {name: estimate(preset.config, 60_000, 10_000).seconds for name, preset in PRESETS.items()}
    assert all(value < local.max_job_seconds for value in seconds.values()), seconds
    assert seconds["recommended"] < public.max_job_seconds


def test_a_visitor_has_at_most_a_few_jobs_and_the_queue_a_length(make_manager, dataset):
    manager = make_manager(workers=1, max_jobs_per_watcher=2, max_queued=3)
    first = manager.request(ENDLESS, dataset, SIZES, "ann")
    manager.request(ENDLESS.replace(seed=1), dataset, SIZES, "ann")
    with pytest.raises(JobRefused) as refused:
        manager.request(ENDLESS.replace(seed=2), dataset, SIZES, "ann")
    assert refused.value.reason == "too_many"
    assert manager.request(ENDLESS, dataset, SIZES, "ann") is first  # joining what it has is always fine
    for seed in (3, 4):
        manager.request(ENDLESS.replace(seed=seed), dataset, SIZES, f"visitor{seed}")
    with pytest.raises(JobRefused) as full:
        manager.request(ENDLESS.replace(seed=5), dataset, SIZES, "dan")
    assert full.value.reason == "queue_full"
    for watcher in ("ann", "visitor3", "visitor4"):
        manager.leave_all(watcher)


def test_finished_runs_come_back_from_disk_after_eviction_or_a_restart(make_manager, dataset, tmp_path):
    manager = make_manager(memory_bytes=1)  # nothing fits in memory: every run lives on disk only
    job = manager.request(QUICK, dataset, SIZES, "ann")
    assert manager.wait([job], 60) and job.status == jobs.DONE
    files = list((tmp_path / "runs").glob("run-*.npz"))
    assert len(files) == 1
    restarted = make_manager(memory_bytes=1)
    again = restarted.request(QUICK, dataset, SIZES, "ben")
    assert again.from_cache and restarted.counts["computed"] == 0
    first, second = manager.result(job), restarted.result(again)
    assert first.config == second.config and first.evaluations == second.evaluations
    for name in first.params:
        np.testing.assert_array_equal(first.params[name], second.params[name])
        np.testing.assert_array_equal(first.initial_params[name], second.initial_params[name])
    np.testing.assert_array_equal(first.step_loss, second.step_loss)


def test_a_corrupt_run_file_is_skipped_with_a_log_line_and_trained_again(make_manager, dataset, tmp_path, caplog):
    manager = make_manager(memory_bytes=1)
    job = manager.request(QUICK, dataset, SIZES, "ann")
    assert manager.wait([job], 60)
    path = next((tmp_path / "runs").glob("run-*.npz"))
    path.write_bytes(b"not a zip file at all")
    fresh = make_manager(memory_bytes=1)
    with caplog.at_level("WARNING", logger="explainer.runstore"):
        retrained = fresh.request(QUICK, dataset, SIZES, "ben")
    assert not retrained.from_cache and "skipped the stored run" in caplog.text
    assert fresh.wait([retrained], 60) and retrained.status == jobs.DONE
    assert fresh.result(retrained) is not None
