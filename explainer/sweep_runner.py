"""Running a sweep: its points become jobs on the job manager, a few at a time, filled in as they finish.

Every run of a sweep is an ordinary job (:mod:`explainer.jobs`): shared with
anyone who asks for the same run, answered from the run store when it was
trained before, and queued fairly next to other visitors' runs. The runner
keeps only a few of its own jobs in flight, so a big sweep never crowds out a
learner who presses Train. A background thread collects finished jobs into
:class:`~explainer.sweeps.SweepRecord` rows and, for the random and TPE
samplers, asks Optuna (ask/tell, in memory) for the next points.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import jobs
from .config import ConfigError, Notice
from .costs import estimate
from .i18n import N_
from .jobs import Job, JobManager, JobRefused
from .sweeps import SweepError, SweepRecord, SweepSpec, check_configs
from .worker import DatasetRef

SPARK_POINTS = 32
CHANCE = 0.1  # what a diverged run scores for TPE: no better than guessing
log = logging.getLogger("explainer.sweeps")


@dataclass(frozen=True)
class Budget:
    """What a sweep will cost before it starts: runs and estimated CPU seconds."""

    runs: int
    seconds: float

    @classmethod
    def of(cls, spec: SweepSpec, sizes: tuple[int, int]) -> Budget:
        """Grid sweeps are summed point by point; random and TPE sweeps at the dearest corner of the ranges."""
        if spec.sampler == "grid":
            configs = [spec.config_at(point) for point in spec.grid()]
        else:
            corner = {axis.name: (axis.values[-1] if axis.values else (axis.high if axis.kind == "float"
                                                                         else int(axis.high)))
                      for axis in spec.axes}
            configs = [spec.config_at(_dearest(spec, corner))] * spec.trials
        return cls(spec.runs_planned, spec.seeds * sum(estimate(config, *sizes).seconds for config in configs))


def _dearest(spec: SweepSpec, corner: dict[str, Any]) -> dict[str, Any]:
    """The point with each range at its costliest end (the largest value, or the smallest batch size)."""
    point = dict(corner)
    for axis in spec.axes:
        if axis.name == "batch_size" and axis.is_range:
            point[axis.name] = max(1, int(axis.low))
        elif axis.name == "batch_size":
            point[axis.name] = min((value for value in axis.values if value), default=axis.values[0])
    return point


def summarize(record: SweepRecord, job: Job, manager: JobManager) -> SweepRecord:
    """``record`` filled in from its finished job."""
    result = manager.result(job)
    if result is None:
        status = "failed" if job.status == jobs.FAILED else "cancelled"
        message = Notice(*job.error) if job.error else None
        return replace(record, status=status, message=message, job_id=job.id)
    status = "diverged" if result.diverged else ("stopped" if result.stop_reason else "done")
    last = next((e for e in reversed(result.evaluations) if np.isfinite(e.val_accuracy)), None)
    loss = result.step_loss[np.isfinite(result.step_loss)]
    if len(loss) > SPARK_POINTS:
        loss = np.array([chunk.mean() for chunk in np.array_split(loss, SPARK_POINTS)])
    curve = np.array([(e.epoch, e.train_accuracy, e.val_accuracy) for e in result.evaluations]).reshape(-1, 3)
    dead = saturated = 0.0
    measurements = result.diagnostics.records if result.diagnostics is not None else ()
    if measurements and measurements[-1].layers[:-1]:
        hidden = measurements[-1].layers[:-1]
        dead = max(layer.dead_fraction for layer in hidden)
        saturated = max(layer.saturated_fraction for layer in hidden)
    return replace(record, status=status, job_id=job.id,
                   val_accuracy=None if last is None else float(last.val_accuracy),
                   train_accuracy=None if last is None else float(last.train_accuracy),
                   test_accuracy=result.test_accuracy, seconds=float(result.seconds), loss=loss.astype(np.float32),
                   curve=curve, message=result.stop_notice, dead_fraction=float(dead),
                   saturated_fraction=float(saturated))


class SweepRunner:
    """Runs ``spec`` on ``manager`` for ``watcher`` (see the module docstring).

    Parameters
    ----------
    in_flight : int, optional
        Jobs of this sweep queued or running at once (default: the engine's capacity).
    seed : int
        Seeds the random and TPE samplers, so a sweep link always proposes the same points.
    """

    def __init__(self, spec: SweepSpec, manager: JobManager, dataset: DatasetRef, sizes: tuple[int, int],
                 watcher: str, *, in_flight: int | None = None, seed: int = 0) -> None:
        check_configs(spec)
        self.spec = spec
        self.manager = manager
        self.dataset = dataset
        self.sizes = sizes
        self.watcher = watcher
        self.in_flight = max(1, in_flight or manager.engine.capacity)
        self.state = "running"
        self.refusal: JobRefused | None = None
        self.started = time.monotonic()
        self.ended: float | None = None
        self._lock = threading.Lock()
        self._records: list[SweepRecord] = []
        self._waiting: list[int] = []  # indexes of records not yet asked for
        self._jobs: dict[int, Job] = {}  # record index -> its job, while queued or running
        self._trials: dict[int, Any] = {}  # record index -> Optuna trial (random/TPE)
        self._study = None
        self._cancelled = threading.Event()
        if spec.sampler == "grid":
            for point in spec.grid():
                for replicate in range(spec.seeds):
                    self._records.append(SweepRecord(point, replicate, spec.config_at(point, replicate)))
            self._waiting = list(range(len(self._records)))
        else:
            self._study = _study(spec.sampler, seed)
        self._thread = threading.Thread(target=self._drive, name="explainer-sweep", daemon=True)

    def start(self) -> SweepRunner:
        self._thread.start()
        return self

    def records(self) -> list[SweepRecord]:
        """The runs so far, in the order they were planned (queued ones included)."""
        with self._lock:
            return list(self._records)

    def progress(self, record: SweepRecord) -> float:
        """Fraction of ``record``'s run done (0 while queued, 1 once finished)."""
        job = self._jobs.get(self._records.index(record)) if record in self._records else None
        if job is None:
            return 1.0 if record.finished else 0.0
        view = self.manager.view(job)
        return view.steps_done / max(view.total_steps, 1)

    def live_loss(self, index: int) -> np.ndarray:
        """(k,) the loss so far of the run at ``index`` while it trains (empty otherwise)."""
        job = self._jobs.get(index)
        return np.empty(0) if job is None else self.manager.view(job).points[:, 1]

    @property
    def done(self) -> bool:
        return self.state != "running"

    def cancel(self) -> None:
        """Stop the sweep: its queued runs are dropped and its running ones stop unless others watch them."""
        self._cancelled.set()
        self.manager.leave_all(self.watcher)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            for index, record in enumerate(self._records):
                if not record.finished:
                    self._records[index] = replace(record, status="cancelled")
            self.state = "cancelled"
            self.ended = self.ended or time.monotonic()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sweep has ended; True if it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ------------------------------------------------------------------ the driver thread

    def _drive(self) -> None:
        try:
            while not self._cancelled.is_set():
                if self.manager.is_alive is not None and not self.manager.is_alive(self.watcher):
                    self.cancel()  # the visitor's tab has closed: ask for nothing more
                    return
                self._collect()
                self._ask_more()
                with self._lock:
                    if not self._jobs and not self._waiting and self._study_done():
                        self.state = "done"
                        self.ended = time.monotonic()
                        return
                time.sleep(0.05)
        except JobRefused as refusal:
            self.refusal = refusal
            log.warning("sweep refused: %s", refusal)
            self.cancel()
        except Exception:  # noqa: BLE001 - a sweep that breaks ends with its records so far
            log.exception("sweep failed")
            self.cancel()

    def _study_done(self) -> bool:
        return self._study is None or len(self._records) >= self.spec.runs_planned

    def _ask_more(self) -> None:
        while len(self._jobs) < self.in_flight and not self._cancelled.is_set():
            if not self._waiting and not self._new_trial():
                return
            index = self._waiting.pop(0)
            record = self._records[index]
            job = self.manager.request(record.config, self.dataset, self.sizes, self.watcher)
            with self._lock:
                self._jobs[index] = job
                self._records[index] = replace(record, status="running" if job.status == jobs.RUNNING else
                                               ("queued" if job.active else record.status), job_id=job.id)

    def _new_trial(self) -> bool:
        """Ask Optuna for the next point (one record per seed); False when the sweep has all its points."""
        if self._study is None or len(self._records) >= self.spec.runs_planned:
            return False
        trial = self._study.ask(_distributions(self.spec))
        point = {axis.name: trial.params[axis.name] for axis in self.spec.axes}
        try:
            configs = [self.spec.config_at(point, replicate) for replicate in range(self.spec.seeds)]
        except ConfigError as error:
            self._study.tell(trial, state=_optuna().trial.TrialState.FAIL)
            log.info("skipped an invalid point %s: %s", point, error)
            return True
        with self._lock:
            for replicate, config in enumerate(configs):
                self._trials[len(self._records)] = trial
                self._waiting.append(len(self._records))
                self._records.append(SweepRecord(point, replicate, config))
        return True

    def _collect(self) -> None:
        for index, job in list(self._jobs.items()):
            if job.active:
                if job.status == jobs.RUNNING and self._records[index].status == "queued":
                    with self._lock:
                        self._records[index] = replace(self._records[index], status="running")
                continue
            record = summarize(self._records[index], job, self.manager)
            with self._lock:
                self._records[index] = record
                del self._jobs[index]
            self._tell(index)

    def _tell(self, index: int) -> None:
        trial = self._trials.get(index)
        if trial is None:
            return
        siblings = [i for i, t in self._trials.items() if t is trial]
        records = [self._records[i] for i in siblings]
        if not all(record.finished for record in records):
            return
        scores = [CHANCE if r.status == "diverged" else r.val_accuracy for r in records]
        if any(score is None for score in scores):
            self._study.tell(trial, state=_optuna().trial.TrialState.FAIL)
        else:
            self._study.tell(trial, float(np.mean(scores)))
        for i in siblings:
            del self._trials[i]


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _study(sampler: str, seed: int):
    optuna = _optuna()
    chosen = (optuna.samplers.TPESampler(seed=seed, constant_liar=True) if sampler == "tpe"
              else optuna.samplers.RandomSampler(seed=seed))
    return optuna.create_study(direction="maximize", sampler=chosen)


def _distributions(spec: SweepSpec) -> dict:
    optuna = _optuna()
    distributions = {}
    for axis in spec.axes:
        if axis.values:
            distributions[axis.name] = optuna.distributions.CategoricalDistribution(axis.values)
        elif axis.kind == "int":
            distributions[axis.name] = optuna.distributions.IntDistribution(int(axis.low), int(axis.high), log=axis.log)
        else:
            distributions[axis.name] = optuna.distributions.FloatDistribution(axis.low, axis.high, log=axis.log)
    return distributions


def refuse_if_over(spec: SweepSpec, sizes: tuple[int, int], max_runs: int, max_seconds: float) -> Budget:
    """The sweep's budget, or :class:`SweepError` when it asks for more than the server allows."""
    budget = Budget.of(spec, sizes)
    if budget.runs > max_runs:
        raise SweepError(N_("this sweep has {runs} runs; this server allows {most}"), runs=budget.runs, most=max_runs)
    if budget.seconds > max_seconds:
        raise SweepError(N_("this sweep would take about {minutes:.0f} CPU-minutes; this server allows {most:.0f}"),
                         minutes=budget.seconds / 60, most=max_seconds / 60)
    return budget
