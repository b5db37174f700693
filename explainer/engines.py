"""Where jobs run: local worker processes or a Dask cluster, both behind ``concurrent.futures.Executor``.

An engine is the one place that knows how jobs reach a CPU. The job layer
(:mod:`explainer.jobs`) only uses this small interface:

* ``capacity``: how many jobs run at once;
* ``submit(spec) -> Future`` of a :class:`explainer.worker.JobOutput`;
* ``cancel(spec)``: ask a running job to stop (it then returns a stopped result);
* ``poll(timeout) -> list of messages`` from the workers (see :mod:`explainer.worker`);
* ``lost_worker(future, pid) -> bool``: did this job's own worker die (rather than a neighbour's)?
* ``restart()`` after a worker died, and ``shutdown()``.

:class:`ProcessEngine` uses a ``ProcessPoolExecutor`` with the ``forkserver``
start method (the web server is multi-threaded, so plain ``fork`` is unsafe).
Each worker gets one BLAS thread and a lower CPU priority, and reads MNIST
once; the progress queue and the cancel flags reach it through the pool's
initializer, never as task arguments. :class:`DaskEngine` runs the same jobs
on a Dask cluster (``Client.get_executor()``); :func:`engine_for` chooses.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import logging
import multiprocessing
import os
import pickle
import queue as queues
import sys
import threading
import types
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from . import worker
from .worker import DatasetRef, JobSpec

WORKER_NICE = 5  # worker processes yield to the web server when the cores are busy
log = logging.getLogger("explainer.engines")


@contextlib.contextmanager
def _plain_main():
    """Let new worker processes start without importing the web app's script.

    A process started by ``spawn`` or ``forkserver`` first re-imports the parent's ``__main__``
    from its file. Inside ``streamlit run`` that is the page script (Streamlit installs it as
    ``__main__``), which must never run in a worker. A stand-in whose module name ends in
    ``.__main__`` tells multiprocessing there is nothing to re-import.
    """
    main = sys.modules["__main__"]
    stand_in = types.ModuleType("__main__")
    stand_in.__spec__ = importlib.machinery.ModuleSpec("explainer.__main__", None)
    sys.modules["__main__"] = stand_in
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ProcessEngine:
    """``workers`` local processes, each training one job at a time.

    Parameters
    ----------
    workers : int
        Jobs that run at once (default setting: the number of cores).
    preload : DatasetRef, optional
        A dataset each worker reads as it starts, so the first job does not wait for it.
    start_method : str
        ``forkserver`` (default) or ``spawn``.
    """

    name = "processes"

    def __init__(self, workers: int, preload: DatasetRef | None = None, start_method: str = "forkserver") -> None:
        self.capacity = max(1, int(workers))
        self.preload = preload
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(["numpy", "explainer.worker"])
        self._lock = threading.Lock()
        self._dead: set[int] = set()
        self._start()

    def _start(self) -> None:
        # A fresh queue and fresh flags with every pool: a worker killed while writing may leave
        # the old queue's lock held forever.
        self._queue = self._context.Queue()
        self._flags = self._context.RawArray("q", 4 * self.capacity + 4)
        self._executor = ProcessPoolExecutor(
            self.capacity, mp_context=self._context, initializer=worker.init_process_worker,
            initargs=(self._queue, self._flags, self.preload, WORKER_NICE))
        # Start every worker now (one per task while none is idle), under a plain __main__: later
        # submissions find idle workers and never start a process from inside a page script.
        with _plain_main():
            for _ in range(self.capacity):
                self._executor.submit(worker.ready)

    @property
    def slots(self) -> int:
        """Cancel slots available: a job holds one while it is submitted."""
        return len(self._flags)

    def submit(self, spec: JobSpec) -> Future:
        """Run ``spec`` on a free worker; the future's result is a :class:`explainer.worker.JobOutput`."""
        self._flags[spec.slot] = 0
        future = self._executor.submit(worker.run_job, spec)
        future.add_done_callback(self._note_dead_workers)
        return future

    def _note_dead_workers(self, future: Future) -> None:
        # Runs in the pool's manager thread while it marks futures broken, before it terminates the
        # surviving workers: the processes already dead now are the ones that died on their own.
        if not isinstance(future.exception(), BrokenProcessPool):
            return
        processes = getattr(self._executor, "_processes", None) or {}
        with self._lock:
            self._dead.update(pid for pid, process in list(processes.items()) if process.exitcode is not None)

    def lost_worker(self, future: Future, pid: int | None) -> bool:
        """True when ``future`` failed because the worker running it (``pid``) died."""
        if not isinstance(future.exception(), BrokenProcessPool):
            return False
        with self._lock:
            return pid is not None and pid in self._dead

    def exit_code(self, pid: int) -> int | None:
        """The exit code of worker ``pid`` if it has ended (negative: killed by that signal)."""
        processes = getattr(self._executor, "_processes", None) or {}
        process = processes.get(pid)
        return None if process is None else process.exitcode

    def cancel(self, spec: JobSpec) -> None:
        """Ask the worker running ``spec`` to stop before its next step."""
        self._flags[spec.slot] = spec.job_id

    def poll(self, timeout: float) -> list[tuple]:
        """Progress messages that arrived, waiting up to ``timeout`` seconds for the first."""
        messages = []
        try:
            messages.append(self._queue.get(timeout=timeout))
            while True:
                messages.append(self._queue.get_nowait())
        except (queues.Empty, EOFError, OSError, ValueError):
            pass
        return messages

    def restart(self) -> None:
        """Replace a broken pool by a new one (the jobs it held have already failed)."""
        old = self._executor
        self._start()
        old.shutdown(wait=False, cancel_futures=True)
        log.warning("worker pool restarted after a worker died")

    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (for memory and CPU reports)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return [pid for pid, process in list(processes.items()) if process.exitcode is None]

    def shutdown(self) -> None:
        """Stop every worker now; queued futures are cancelled."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        for pid in self.worker_pids():
            try:
                os.kill(pid, 15)
            except OSError:
                pass


class DaskEngine:
    """Jobs on a Dask cluster, through ``Client.get_executor()`` (a ``concurrent.futures.Executor``).

    Parameters
    ----------
    address : str
        A scheduler address (``tcp://host:8786``), or ``"local"`` to start a ``LocalCluster`` of
        ``local_workers`` single-threaded worker processes on this machine.
    local_workers : int, optional
        Workers of a local cluster (default: the number of cores).

    Progress comes back as worker events on a topic of this engine's own; a job is cancelled by
    setting its named ``distributed.Event``. Workers read MNIST themselves (never sent with a job).
    """

    name = "dask"

    def __init__(self, address: str, local_workers: int | None = None, connect_timeout: float = 10) -> None:
        import uuid

        from distributed import Client, LocalCluster

        self._cluster = None
        if address == "local":
            self._cluster = LocalCluster(n_workers=local_workers or os.cpu_count() or 1, threads_per_worker=1,
                                         processes=True, dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            self._client = Client(address, timeout=connect_timeout)
        self.address = self._client.scheduler.address
        self._executor = self._client.get_executor(pure=False)
        self._messages: queues.SimpleQueue = queues.SimpleQueue()
        self._topic = f"explainer-progress-{uuid.uuid4().hex}"
        self._client.subscribe_topic(self._topic, self._on_event)
        self.capacity = max(1, sum(self._client.nthreads().values()))
        self.slots = 4 * self.capacity + 4

    def _on_event(self, event) -> None:
        _, message = event
        try:
            self._messages.put(pickle.loads(message))
        except Exception:  # noqa: BLE001 - a garbled event must not break the client's event loop
            log.warning("ignored an unreadable progress event")

    def _cancel_name(self, spec: JobSpec) -> str:
        return f"{self._topic}-cancel-{spec.job_id}"

    def submit(self, spec: JobSpec) -> Future:
        """Run ``spec`` on the cluster; the future's result is a :class:`explainer.worker.JobOutput`."""
        return self._executor.submit(worker.run_on_dask, spec, self._topic, self._cancel_name(spec))

    def cancel(self, spec: JobSpec) -> None:
        from distributed import Event

        Event(self._cancel_name(spec), client=self._client).set()

    def poll(self, timeout: float) -> list[tuple]:
        messages = []
        try:
            messages.append(self._messages.get(timeout=timeout))
            while True:
                messages.append(self._messages.get_nowait())
        except queues.Empty:
            pass
        return messages

    def lost_worker(self, future: Future, pid: int | None) -> bool:
        """True when the scheduler gave up on the task because its workers kept dying."""
        from distributed import KilledWorker

        return isinstance(future.exception(), KilledWorker)

    def exit_code(self, pid: int) -> int | None:
        return None

    def restart(self) -> None:
        """Nothing to do: the scheduler replaces lost workers itself."""

    def worker_pids(self) -> list[int]:
        return list(self._client.run(os.getpid).values())

    def shutdown(self) -> None:
        try:
            self._client.close(timeout=5)
        finally:
            if self._cluster is not None:
                self._cluster.close(timeout=5)


def engine_for(workers: int, dask_address: str | None = None, preload: DatasetRef | None = None):
    """The one place that chooses where jobs run: a Dask cluster when an address is given, else local processes."""
    if dask_address:
        return DaskEngine(dask_address, local_workers=workers)
    return ProcessEngine(workers, preload=preload)
