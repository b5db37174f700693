"""What runs inside a worker process: MNIST loaded once, one training job at a time, progress sent back.

An engine (:mod:`explainer.engines`) starts the worker processes and installs
a :class:`Channel` in each: how progress messages travel back to the server
and how the worker learns that a job was cancelled. :func:`run_job` is the
function the engine's executor calls with a small picklable :class:`JobSpec`;
the MNIST arrays never travel with a job, each worker reads them once.

Messages a worker sends (plain tuples, cheap to pickle):

* ``("started", job_id, pid)`` when a job begins;
* ``("steps", job_id, steps_done, points)`` with ``points`` a (k, 3) float64
  array of (step, mean loss over the bucket ending there, learning rate);
  step losses are averaged in buckets so a run sends at most about
  :data:`LIVE_POINTS` points however long it is;
* ``("evaluation", job_id, evaluation)`` with a :class:`trainer.Evaluation`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from . import trainer
from .config import RunConfig
from .data import Mnist, MnistError, load_mnist, load_sample, reload
from .idx import IdxError
from .memory import BoundedCache, heap_for_training, release_freed_memory
from .metrics import evaluate
from .prepare import Splits, prepare

CANCEL_CHECK_SECONDS = 0.25  # a Dask worker asks the scheduler this often whether to stop
LIVE_POINTS = 1000  # live loss points per run, at most (the finished result keeps every step)
FLUSH_SECONDS = 0.2  # progress is sent at least this often while a job runs
WORKER_SPLITS_BYTES = 600 * 2**20  # prepared splits kept per worker (the full MNIST, scaled: 220 MB each)
DATASETS_KEPT = 2  # raw datasets kept per worker (the sample and the full set, say)


@dataclass(frozen=True)
class DatasetRef:
    """Which MNIST a job trains on, small enough to send with every job.

    ``key`` is :attr:`explainer.data.Mnist.key`; ``source`` and ``location``
    tell a worker where to read it (:func:`explainer.data.reload`).
    """

    key: str
    source: str
    location: str

    @classmethod
    def of(cls, data: Mnist) -> DatasetRef:
        return cls(data.key, data.source, data.location)


@dataclass(frozen=True)
class JobSpec:
    """One job as a worker receives it: which run, on which data, in which cancel slot."""

    job_id: int
    slot: int
    dataset: DatasetRef
    config: RunConfig


@dataclass(frozen=True)
class JobOutput:
    """What a worker returns: the run, the CPU seconds it took and the process that ran it."""

    result: trainer.TrainResult
    cpu_seconds: float
    pid: int


class Channel(Protocol):
    """A worker's line back to the server."""

    def send(self, message: tuple) -> None:
        """Deliver one progress message (never blocks for long)."""

    def cancelled(self, spec: JobSpec) -> bool:
        """True once the server asked for this job to stop (checked between steps: keep it cheap)."""


class QueueChannel:
    """Progress through a multiprocessing queue; cancellation through a shared array of job ids.

    The server writes a job's id into its slot of ``flags`` to cancel it, so reading the flag is
    one memory access: cheap enough to do before every step.
    """

    def __init__(self, queue, flags) -> None:
        self.queue = queue
        self.flags = flags

    def send(self, message: tuple) -> None:
        self.queue.put(message)

    def cancelled(self, spec: JobSpec) -> bool:
        return self.flags[spec.slot] == spec.job_id


class DaskChannel:
    """Progress as Dask worker events (pickled bytes: events must be msgpack-serialisable); cancellation
    through a named ``distributed.Event``, asked at most every :data:`CANCEL_CHECK_SECONDS`.
    """

    def __init__(self, topic: str, cancel_event: str) -> None:
        from distributed import Event, get_worker

        self.worker = get_worker()
        self.topic = topic
        self.event = Event(cancel_event, client=self.worker.client)
        self.next_check = 0.0
        self.stop = False

    def send(self, message: tuple) -> None:
        self.worker.log_event(self.topic, pickle.dumps(message))

    def cancelled(self, spec: JobSpec) -> bool:
        if not self.stop and time.monotonic() >= self.next_check:
            self.next_check = time.monotonic() + CANCEL_CHECK_SECONDS
            self.stop = self.event.is_set()
        return self.stop


def run_on_dask(spec: JobSpec, topic: str, cancel_event: str) -> JobOutput:
    """The task a Dask worker runs: set the process up once, then :func:`run_job` with a :class:`DaskChannel`."""
    global _installed
    if not _installed:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        heap_for_training()
        _installed = True
    return run_job(spec, DaskChannel(topic, cancel_event))


_installed = False
_channel: Channel | None = None
_datasets: OrderedDict[str, Mnist] = OrderedDict()
_splits = BoundedCache("worker splits", WORKER_SPLITS_BYTES)


def install(channel: Channel, preload: DatasetRef | None = None, nice: int = 0) -> None:
    """Prepare this process to run jobs: one BLAS thread, a lower priority, the channel, the data.

    ``nice`` > 0 lets the web server's own threads go first when the cores are busy, so pages stay
    responsive while jobs train.
    """
    global _channel
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    _channel = channel
    if preload is not None:
        dataset(preload)


def init_process_worker(queue, flags, preload: DatasetRef | None, nice: int) -> None:
    """``ProcessPoolExecutor`` initializer: the queue and the flags arrive here, never with a job."""
    install(QueueChannel(queue, flags), preload, nice)


def ready() -> int:
    """A task that only proves the worker is up (the engine starts every worker with one): its pid."""
    return os.getpid()


def dataset(ref: DatasetRef) -> Mnist:
    """The raw dataset ``ref`` names, read on first use and kept (at most :data:`DATASETS_KEPT`).

    A worker on another machine (a Dask cluster) may not see the server's folder: it then gets
    MNIST the usual way (its own cache or a download) and checks that the content is the same.
    """
    data = _datasets.get(ref.key)
    if data is None:
        try:
            data = reload(ref.source, ref.location)
        except (OSError, MnistError, IdxError):
            data = load_mnist() if ref.source != "sample" else load_sample()
        if data.key != ref.key:
            raise MnistError(f"this worker's MNIST ({data.key}) is not the server's ({ref.key})")
        _datasets[ref.key] = data
        while len(_datasets) > DATASETS_KEPT:
            _datasets.popitem(last=False)
    _datasets.move_to_end(ref.key)
    return data


def splits_for(ref: DatasetRef, config: RunConfig) -> Splits:
    """The splits ``config`` trains on; the scaled full splits are cached and ``train_size`` is a view.

    Scaling works image by image, so the first N rows of the scaled training set are exactly
    what :func:`explainer.prepare.prepare` gives for ``train_size=N``.
    """
    def build() -> Splits:
        data = dataset(ref)
        whole = RunConfig(normalization=config.normalization, validation=config.validation)
        splits = prepare(data.train_images, data.train_labels, data.test_images, data.test_labels, whole)
        for array in vars(splits).values():
            array.flags.writeable = False
        return splits

    full = _splits.get_or_compute((ref.key, config.normalization, config.validation), build)
    if not config.train_size or config.train_size >= len(full.y_train):
        return full
    n = config.train_size
    return Splits(full.X_train[:n], full.y_train[:n], full.X_val, full.y_val, full.X_test, full.y_test)


class Reporter:
    """Turns the trainer's events into a few progress messages per second."""

    def __init__(self, channel: Channel, job_id: int, total_steps: int) -> None:
        self.channel = channel
        self.job_id = job_id
        self.stride = max(1, math.ceil(total_steps / LIVE_POINTS))
        self.bucket_sum = 0.0
        self.bucket_count = 0
        self.points: list[tuple[float, float, float]] = []
        self.steps_done = 0
        self.last_flush = time.perf_counter()

    def record(self, event: trainer.Event) -> None:
        if isinstance(event, trainer.Step):
            self.steps_done = event.step
            self.bucket_sum += event.loss
            self.bucket_count += 1
            if self.bucket_count == self.stride:
                self.points.append((event.step, self.bucket_sum / self.bucket_count, event.lr))
                self.bucket_sum, self.bucket_count = 0.0, 0
            if time.perf_counter() - self.last_flush >= FLUSH_SECONDS:
                self.flush()
        elif isinstance(event, trainer.Evaluation):
            self.flush()
            self.channel.send(("evaluation", self.job_id, event))

    def flush(self) -> None:
        points = np.array(self.points, dtype=np.float64).reshape(-1, 3)
        self.channel.send(("steps", self.job_id, self.steps_done, points))
        self.points = []
        self.last_flush = time.perf_counter()


def with_test_accuracy(result: trainer.TrainResult, splits: Splits) -> trainer.TrainResult:
    """``result`` with its accuracy on the test split (left out when the run diverged)."""
    if result.diverged:
        return result
    _, accuracy = evaluate(result.params, splits.X_test, splits.y_test, result.config)
    return dataclasses.replace(result, test_accuracy=float(accuracy))


def run_job(spec: JobSpec, channel: Channel | None = None) -> JobOutput:
    """Train ``spec.config`` on ``spec.dataset`` in this worker, reporting progress; return the result.

    ``channel`` defaults to the one :func:`install` put in place for this process.
    """
    channel = channel or _channel
    if channel is None:
        raise RuntimeError("this process was not set up as a worker (explainer.worker.install)")
    started = time.process_time()
    channel.send(("started", spec.job_id, os.getpid()))
    splits = splits_for(spec.dataset, spec.config)
    _, _, total = trainer.plan(spec.config, len(splits.y_train))
    reporter = Reporter(channel, spec.job_id, total)
    try:
        for event in trainer.train(spec.config, splits, should_stop=lambda: channel.cancelled(spec)):
            if isinstance(event, trainer.Finished):
                reporter.flush()
                result = with_test_accuracy(event.result, splits)
                return JobOutput(result, time.process_time() - started, os.getpid())
            reporter.record(event)
    finally:
        release_freed_memory()
    raise RuntimeError("training ended without a result")  # pragma: no cover - train always finishes
