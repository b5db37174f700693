"""The server's one job manager, and who "I" am to it: this browser session.

Pages never train. They ask :func:`manager` for a job (shared with every
other visitor who asks for the same run) and watch it in a fragment that
reruns on a timer. A session counts as watching until it stops the job, asks
for other runs instead, or its browser tab goes away (the Streamlit runtime
then reports the session inactive and the manager drops it within a second).
"""

from __future__ import annotations

import atexit
import os
import weakref
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from explainer.config import RunConfig
from explainer.engines import engine_for
from explainer.jobs import Job, JobManager
from explainer.runstore import RunStore
from explainer.worker import DatasetRef
from ui import resources

JOB_LOG_VARIABLE = "EXPLAINER_JOB_LOG"  # one JSON line per job event, for load tests
_managers: weakref.WeakSet[JobManager] = weakref.WeakSet()


def _session_alive(watcher: str) -> bool:
    """True while the browser tab of the watcher's session is connected (always True without a runtime, as in AppTest).

    A watcher is a session id, or ``session/what`` for the session's own background work (a sweep).
    """
    if not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(watcher.split("/", 1)[0])


@st.cache_resource(show_spinner=False, max_entries=1)
def manager() -> JobManager:
    """The server-wide job manager: worker processes (or the Dask cluster of ``EXPLAINER_DASK``), the fair
    queue, the run store in memory and on disk."""
    settings = resources.settings()
    engine = engine_for(settings.workers, settings.dask_address, preload=dataset())
    store = RunStore(resources.server_cache("runs"), settings.runs_dir, settings.runs_disk_bytes)
    created = JobManager(engine, store, max_job_seconds=settings.max_job_seconds,
                         max_jobs_per_watcher=settings.max_jobs_per_visitor, max_queued=settings.max_queued,
                         is_alive=_session_alive, log_path=os.environ.get(JOB_LOG_VARIABLE))
    atexit.register(created.close)
    _managers.add(created)
    return created


def close_managers() -> None:
    """Stop every manager this process made, with its worker processes (tests call this before clearing caches)."""
    for existing in list(_managers):
        existing.close()
        _managers.discard(existing)


def me() -> str:
    """This visitor's id for the job manager: the browser session."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def dataset() -> DatasetRef:
    """The dataset the server uses now, as a job names it."""
    return DatasetRef.of(resources.mnist())


def request(config: RunConfig) -> Job:
    """This visitor's job for ``config`` on the current dataset (raises :class:`explainer.jobs.JobRefused`)."""
    data = resources.mnist()
    return manager().request(config, DatasetRef.of(data), (len(data.train_labels), len(data.test_labels)), me())


@dataclass(frozen=True)
class StoredRun:
    """A finished run named by (dataset key, config); its weights stay in the server's run store."""

    dataset_key: str
    config: RunConfig


def reference(result):
    """What a session keeps of ``result``: a :class:`StoredRun` when the store holds it, else the run itself."""
    if result is None:
        return None
    key = resources.dataset_key()
    return StoredRun(key, result.config) if manager().store.get(key, result.config) is result else result


def resolve(kept):
    """The run a session kept with :func:`reference` (None if the store has lost it since)."""
    if isinstance(kept, StoredRun):
        return manager().store.get(kept.dataset_key, kept.config)
    return kept


def finished_run(config: RunConfig):
    """The stored completed run of ``config`` on the current dataset, or None (never trains)."""
    return manager().store.get(resources.mnist().key, config)

