"""Training as shared jobs: asked for by visitors, queued fairly, run on an engine, watched live.

A job is one run: (dataset, config). :meth:`JobManager.request` answers a
visitor ("watcher") with

* the job already queued or running for that (dataset, config): the visitor
  joins it and sees its progress from now on, then its result;
* a finished job when the run store already holds the run;
* otherwise a new job, after admission: its cost is estimated first
  (:mod:`explainer.costs`) and refused above the server's limit, a watcher
  has at most a few jobs at once, and the queue has a length limit.

Queued jobs wait in one queue per owner (the visitor who asked first) and are
started round-robin across owners, so one visitor's many jobs never hold up
everyone else. A job whose watchers have all stopped it, left it or gone away
(``is_alive`` says so) is cancelled: dropped from the queue, or asked to stop
between two steps. A worker that dies fails the job it ran with a clear
message; the other jobs of the pool start again on a fresh pool.

The manager knows nothing of Streamlit or of where jobs run: an engine
(:mod:`explainer.engines`) supplies an ``Executor``-style ``submit`` and a
progress channel. Progress messages update each :class:`Job`; a watcher
reads :meth:`JobManager.view` as often as it likes.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import queue as queues
import threading
import time
from collections import deque
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection

import numpy as np

from . import costs, trainer
from .config import RunConfig
from .i18n import N_
from .runstore import RunStore
from .worker import LIVE_POINTS, DatasetRef, JobOutput, JobSpec

QUEUED, RUNNING, DONE, STOPPED, FAILED, CANCELLED = "queued", "running", "done", "stopped", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)
PRUNE_SECONDS = 0.25  # how often watchers are checked for having gone away
MAX_ATTEMPTS = 3  # a job restarted this often because neighbours' workers died fails instead
WORKER_KILLED = N_("The worker process training this run stopped unexpectedly (killed, perhaps because the machine "
                   "ran out of memory). Other runs were not affected; try a smaller network, or train again.")
WORKER_CRASHED = N_("The worker process training this run stopped unexpectedly (it crashed). Other runs were not "
                    "affected; try a smaller network, or train again.")
log = logging.getLogger("explainer.jobs")


class JobRefused(Exception):
    """A request the server will not take, with a message template and its values (for translation).

    ``reason`` is ``"too_costly"``, ``"too_many"`` or ``"queue_full"``; ``tips`` are
    (template, values) suggestions of what to lower.
    """

    def __init__(self, reason: str, template: str, values: dict, tips: list[tuple[str, dict]] | None = None,
                 estimate: costs.Estimate | None = None) -> None:
        super().__init__(template.format(**values))
        self.reason, self.template, self.values = reason, template, values
        self.tips = tips or []
        self.estimate = estimate


@dataclass(eq=False)
class Job:
    """One run and everything known about it so far. Change it only through the manager."""

    id: int
    config: RunConfig
    dataset: DatasetRef
    n_train: int
    estimate: costs.Estimate
    owner: str
    status: str = QUEUED
    watchers: set[str] = field(default_factory=set)
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None
    pid: int | None = None
    attempts: int = 0
    steps_done: int = 0
    points: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    evaluations: list[trainer.Evaluation] = field(default_factory=list)
    result: trainer.TrainResult | None = None  # stopped runs only; completed ones live in the run store
    error: tuple[str, dict] | None = None  # (template, values)
    from_cache: bool = False
    cancelling: bool = False
    cpu_seconds: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.dataset.key, self.config.key())

    @property
    def total_steps(self) -> int:
        return self.estimate.steps

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True)
class JobView:
    """A consistent snapshot of a job for drawing: nothing in it changes afterwards.

    ``points`` is a (k, 3) array of (step, mean batch loss, learning rate) while the job runs;
    ``position`` counts the jobs that start before it (0 once running) and ``wait_seconds``
    estimates when it starts.
    """

    id: int
    status: str
    config: RunConfig
    steps_done: int
    total_steps: int
    points: np.ndarray
    evaluations: tuple[trainer.Evaluation, ...]
    error: tuple[str, dict] | None
    watchers: int
    position: int
    wait_seconds: float
    elapsed: float
    from_cache: bool
    cancelling: bool
    estimate_seconds: float

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def fraction(self) -> float:
        return 1.0 if not self.active else self.steps_done / max(self.total_steps, 1)


class JobManager:
    """Shared training jobs on an engine (see the module docstring).

    Parameters
    ----------
    engine : an engine from :mod:`explainer.engines` (``capacity``, ``submit``, ``cancel``, ``poll``, ...).
    store : RunStore
        Where finished runs are looked up first and kept afterwards.
    max_job_seconds : float
        Estimated CPU seconds above which a new job is refused.
    max_jobs_per_watcher : int
        Queued and running jobs one watcher may hold.
    max_queued : int
        Jobs waiting on the whole server.
    is_alive : callable, optional
        ``is_alive(watcher) -> bool``; watchers for whom it is False twice in a row are dropped.
    log_path : path, optional
        Where one JSON line per job event is appended (for load tests).
    """

    def __init__(self, engine, store: RunStore, *, max_job_seconds: float = math.inf, max_jobs_per_watcher: int = 4,
                 max_queued: int = 200, is_alive: Callable[[str], bool] | None = None,
                 log_path: str | Path | None = None) -> None:
        self.engine = engine
        self.store = store
        self.max_job_seconds = max_job_seconds
        self.max_jobs_per_watcher = max_jobs_per_watcher
        self.max_queued = max_queued
        self.is_alive = is_alive
        self.log_path = Path(log_path) if log_path else None
        self.counts = {"computed": 0, "joined": 0, "cached": 0, "cancelled": 0, "failed": 0, "refused": 0}
        self._lock = threading.RLock()
        self._ended = threading.Condition(self._lock)  # notified whenever a job ends
        self._active: dict[tuple[str, str], Job] = {}
        self._queues: dict[str, deque[Job]] = {}
        self._turns: deque[str] = deque()
        self._running: dict[int, tuple[Job, JobSpec, Future, int]] = {}
        self._free_slots = list(range(engine.slots))
        self._ids = itertools.count(1)
        self._inbox: queues.SimpleQueue = queues.SimpleQueue()
        self._suspect: dict[str, int] = {}
        self._closed = threading.Event()
        self._generation = 0
        self._thread = threading.Thread(target=self._monitor, name="explainer-jobs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ asking for runs

    def request(self, config: RunConfig, dataset: DatasetRef, sizes: tuple[int, int], watcher: str) -> Job:
        """The job for ``config`` on ``dataset``: joined, answered from the store, or newly queued.

        ``sizes`` is (training images, test images) of the whole dataset, for the cost estimate.
        Raises :class:`JobRefused` when a new job is not admitted.
        """
        key = (dataset.key, config.key())
        with self._lock:
            job = self._join(key, watcher)
            if job is not None:
                return job
        cached = self.store.get(dataset.key, config)
        estimate = costs.estimate(config, *sizes)
        if cached is not None:
            self._record("cached", key, watcher)
            return Job(0, config, dataset, estimate.n_train, estimate, watcher, status=DONE, from_cache=True,
                       steps_done=len(cached.step_loss), ended=time.monotonic())
        with self._lock:
            job = self._join(key, watcher)
            if job is not None:
                return job
            self._admit(estimate, config, sizes, watcher)
            job = Job(next(self._ids), config, dataset, estimate.n_train, estimate, watcher, watchers={watcher})
            self._active[key] = job
            self._enqueue(job)
            self._dispatch()
        return job

    def _join(self, key: tuple[str, str], watcher: str) -> Job | None:
        job = self._active.get(key)
        if job is None or job.cancelling:
            return None
        if watcher not in job.watchers:
            job.watchers.add(watcher)
            self._record("joined", key, watcher)
        return job

    def _admit(self, estimate: costs.Estimate, config: RunConfig, sizes: tuple[int, int], watcher: str) -> None:
        if estimate.seconds > self.max_job_seconds:
            self._record("refused", (None, config.key()), watcher)
            raise JobRefused("too_costly",
                             N_("This run would take about {minutes:.1f} CPU-minutes here ({steps:,} steps); this "
                                "server allows {limit:.1f} per run."),
                             {"minutes": estimate.minutes, "steps": estimate.steps,
                              "limit": self.max_job_seconds / 60},
                             costs.advice(config, sizes, self.max_job_seconds), estimate)
        mine = sum(1 for job in self._active.values() if watcher in job.watchers)
        if mine >= self.max_jobs_per_watcher:
            self._record("refused", (None, config.key()), watcher)
            raise JobRefused("too_many", N_("You already have {count} runs queued or training; the limit is {limit}. "
                                            "Stop one or wait for it to finish."),
                             {"count": mine, "limit": self.max_jobs_per_watcher})
        queued = sum(len(q) for q in self._queues.values())
        if queued >= self.max_queued:
            self._record("refused", (None, config.key()), watcher)
            raise JobRefused("queue_full", N_("The server has {count} runs waiting already. Try again in a minute."),
                             {"count": queued})

    def leave(self, job: Job, watcher: str) -> None:
        """``watcher`` no longer watches ``job`` (stopped it, or moved on); cancel it if nobody does."""
        with self._lock:
            job.watchers.discard(watcher)
            if not job.watchers and job.active:
                self._cancel(job)

    def leave_all(self, watcher: str, keep: Collection[tuple[str, str]] = ()) -> None:
        """``watcher`` leaves every job except those whose (dataset key, config key) is in ``keep``."""
        with self._lock:
            for job in list(self._active.values()):
                if watcher in job.watchers and job.key not in keep:
                    self.leave(job, watcher)

    def jobs_of(self, watcher: str) -> list[Job]:
        """The queued and running jobs ``watcher`` watches."""
        with self._lock:
            return [job for job in self._active.values() if watcher in job.watchers]

    def result(self, job: Job) -> trainer.TrainResult | None:
        """The run of a finished job (completed: from the store; stopped: the job's own), else None."""
        if job.result is not None:
            return job.result
        if job.status == DONE:
            return self.store.get(job.dataset.key, job.config)
        return None

    def wait(self, jobs: list[Job], timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every job to end; True if they all did."""
        deadline = time.monotonic() + timeout
        with self._ended:
            while any(job.active for job in jobs):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._ended.wait(remaining)  # woken whenever a job ends, not by polling
        return True

    def view(self, job: Job) -> JobView:
        """A snapshot of ``job`` with its queue position and estimated wait."""
        with self._lock:
            position, wait = self._position(job) if job.status == QUEUED else (0, 0.0)
            now = time.monotonic()
            elapsed = ((job.ended or now) - job.started) if job.started else 0.0
            return JobView(job.id, job.status, job.config, job.steps_done, job.total_steps, job.points.copy(),
                           tuple(job.evaluations), job.error, len(job.watchers), position, wait, elapsed,
                           job.from_cache, job.cancelling, job.estimate.seconds)

    def queued_count(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def close(self) -> None:
        """Cancel everything and stop the engine and the monitor thread (a second call does nothing)."""
        if self._closed.is_set():
            return
        with self._lock:
            for job in list(self._active.values()):
                self._cancel(job)
        self._closed.set()
        self._thread.join(timeout=5)
        self.engine.shutdown()

    # ------------------------------------------------------------------ the queue

    def _enqueue(self, job: Job, front: bool = False) -> None:
        owner_queue = self._queues.setdefault(job.owner, deque())
        if not owner_queue and job.owner not in self._turns:
            self._turns.append(job.owner)
        owner_queue.appendleft(job) if front else owner_queue.append(job)

    def _next_queued(self) -> Job | None:
        while self._turns:
            owner = self._turns.popleft()
            owner_queue = self._queues.get(owner)
            if not owner_queue:
                self._queues.pop(owner, None)
                continue
            job = owner_queue.popleft()
            if owner_queue:
                self._turns.append(owner)
            else:
                del self._queues[owner]
            return job
        return None

    def _dispatch(self) -> None:
        while len(self._running) < self.engine.capacity and self._free_slots:
            job = self._next_queued()
            if job is None:
                return
            slot = self._free_slots.pop()
            spec = JobSpec(job.id, slot, job.dataset, job.config)
            try:
                future = self.engine.submit(spec)
            except (BrokenProcessPool, RuntimeError):
                self._restart_engine(self._generation)
                future = self.engine.submit(spec)
            job.status, job.started = RUNNING, time.monotonic()
            self._running[job.id] = (job, spec, future, self._generation)
            future.add_done_callback(lambda done, job=job: self._inbox.put(job))

    def _position(self, job: Job) -> tuple[int, float]:
        """(jobs starting before ``job`` + 1, estimated seconds until it starts) under round-robin order."""
        now = time.monotonic()
        free_at = sorted(max(0.0, self._remaining(running, now)) for running, *_ in self._running.values())
        free_at += [0.0] * max(0, self.engine.capacity - len(free_at))
        queues_copy = {owner: list(q) for owner, q in self._queues.items()}
        turns = deque(self._turns)
        position = 0
        while turns:
            owner = turns.popleft()
            candidates = queues_copy.get(owner)
            if not candidates:
                continue
            ahead = candidates.pop(0)
            if candidates:
                turns.append(owner)
            position += 1
            start = min(free_at)
            if ahead is job:
                return position, start
            free_at[free_at.index(start)] = start + ahead.estimate.seconds
        return position, min(free_at)

    @staticmethod
    def _remaining(job: Job, now: float) -> float:
        elapsed = now - (job.started or now)
        if job.steps_done:
            return elapsed * (job.total_steps - job.steps_done) / job.steps_done
        return job.estimate.seconds - elapsed

    def _cancel(self, job: Job) -> None:
        if job.status == QUEUED:
            owner_queue = self._queues.get(job.owner)
            if owner_queue is not None and job in owner_queue:
                owner_queue.remove(job)
            job.status, job.ended = CANCELLED, time.monotonic()
            self._active.pop(job.key, None)
            self._ended.notify_all()
            self._record("cancelled", job.key, job.owner)
        elif job.status == RUNNING and not job.cancelling:
            job.cancelling = True
            self.engine.cancel(self._running[job.id][1])

    # ------------------------------------------------------------------ the monitor thread

    def _monitor(self) -> None:
        last_prune = time.monotonic()
        while not self._closed.is_set():
            try:
                for message in self.engine.poll(timeout=0.01):  # a finished job is noticed within 10 ms
                    self._apply(message)
                while True:
                    try:
                        self._finish(self._inbox.get_nowait())
                    except queues.Empty:
                        break
                if time.monotonic() - last_prune >= PRUNE_SECONDS:
                    last_prune = time.monotonic()
                    self._prune()
            except Exception:  # noqa: BLE001 - the monitor must survive anything one job does
                log.exception("job monitor")

    def _apply(self, message: tuple) -> None:
        kind, job_id = message[0], message[1]
        with self._lock:
            entry = self._running.get(job_id)
            if entry is None:
                return
            job = entry[0]
            if kind == "started":
                job.pid = message[2]
            elif kind == "steps":
                job.steps_done = message[2]
                if len(message[3]):
                    job.points = np.concatenate([job.points, message[3]])[-2 * LIVE_POINTS:]
            elif kind == "evaluation":
                job.evaluations.append(message[2])

    def _finish(self, job: Job) -> None:
        with self._lock:
            entry = self._running.pop(job.id, None)
        if entry is None:
            return
        _, spec, future, generation = entry
        try:
            output: JobOutput = future.result()
        except CancelledError:
            self._end(job, spec, CANCELLED)
        except BrokenProcessPool:
            self._worker_died(job, spec, future, generation)
        except Exception as error:  # noqa: BLE001 - a job's own failure is reported to its watchers
            log.exception("job %s failed", job.id)
            self._end(job, spec, FAILED, (N_("Training failed: {error}. Try other settings."),
                                          {"error": type(error).__name__}))
        else:
            self._completed(job, spec, output)
        with self._lock:
            self._dispatch()

    def _completed(self, job: Job, spec: JobSpec, output: JobOutput) -> None:
        result = output.result
        for params in (result.params, result.initial_params):
            for value in params.values():
                value.flags.writeable = False
        job.cpu_seconds = output.cpu_seconds
        job.steps_done = len(result.step_loss)
        # The result holds every step and evaluation now: drop the live copy (sessions keep their jobs).
        job.points, job.evaluations = np.empty((0, 3)), []
        if result.stop_reason and not result.diverged:
            job.result = result
            self._end(job, spec, STOPPED)
            return
        # Stored before the job leaves the table, so a new asker finds one or the other.
        if not self.store.put(job.dataset.key, result):
            job.result = result  # stopped, or too big to keep anywhere: its watchers still get it
        self._end(job, spec, DONE)
        self._record("computed", job.key, job.owner, seconds=output.cpu_seconds)

    def _worker_died(self, job: Job, spec: JobSpec, future: Future, generation: int) -> None:
        own = self.engine.lost_worker(future, job.pid)
        code = self.engine.exit_code(job.pid) if own and job.pid else None
        self._restart_engine(generation)
        job.attempts += 1
        if own or job.attempts >= MAX_ATTEMPTS:
            self._end(job, spec, FAILED, (WORKER_KILLED if code == -9 else WORKER_CRASHED, {}))
            return
        with self._lock:  # a neighbour's worker died and took the pool down: start this one again
            self._free_slots.append(spec.slot)
            job.status, job.started, job.pid, job.steps_done = QUEUED, None, None, 0
            job.points, job.evaluations = np.empty((0, 3)), []
            if job.cancelling:
                self._active.pop(job.key, None)
                job.status = CANCELLED
                self._ended.notify_all()
                return
            self._enqueue(job, front=True)

    def _restart_engine(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._generation += 1
                self.engine.restart()

    def _end(self, job: Job, spec: JobSpec, status: str, error: tuple[str, dict] | None = None) -> None:
        with self._lock:
            job.status, job.error, job.ended = status, error, time.monotonic()
            self._free_slots.append(spec.slot)
            if self._active.get(job.key) is job:
                del self._active[job.key]
            self._ended.notify_all()
        if status in (FAILED, CANCELLED, STOPPED):
            self._record("failed" if status == FAILED else "cancelled", job.key, job.owner)

    def _prune(self) -> None:
        if self.is_alive is None:
            return
        with self._lock:
            watchers = {watcher for job in self._active.values() for watcher in job.watchers}
        gone = set()
        for watcher in watchers:
            if self.is_alive(watcher):
                self._suspect.pop(watcher, None)
            elif self._suspect.setdefault(watcher, 0) >= 1:
                gone.add(watcher)
            else:
                self._suspect[watcher] += 1
        if gone:
            with self._lock:
                for job in list(self._active.values()):
                    for watcher in gone & job.watchers:
                        self.leave(job, watcher)
            for watcher in gone:
                self._suspect.pop(watcher, None)

    # ------------------------------------------------------------------ the job log

    def _record(self, event: str, key: tuple, watcher: str, seconds: float | None = None) -> None:
        self.counts[event] += 1
        if self.log_path is None:
            return
        line = {"event": event, "key": key[1], "dataset": key[0], "owner": watcher, "time": time.time()}
        if seconds is not None:
            line["seconds"] = round(seconds, 3)
        try:
            with self.log_path.open("a") as file:
                file.write(json.dumps(line) + "\n")
        except OSError as error:
            log.warning("cannot write the job log: %s", error)
