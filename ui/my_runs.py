"""My runs: every run this visitor trained (Train page, Seeds page, sweeps), listed on the Explore page.

Pages call :func:`remember` with a job, a sweep record or a finished run as
soon as they have it; the list settles each entry (queued → done, diverged,
stopped…) whenever it is shown.

Where the list lives, and why nobody else sees it
-------------------------------------------------
On the server, in one :class:`Registry` for all visitors, bounded in bytes
(:data:`MAX_BYTES`; the visitor least recently seen goes first) and in runs
per visitor (:data:`MAX_RUNS`, oldest first). Each visitor's list is filed
under a random 128-bit token that this session keeps in its state and in a
first-party cookie (:data:`COOKIE`: ``SameSite=Strict``, 30 days) set by a
tiny page script once the visitor has a run. A reload is a new session: it
reads the token back from the cookie (``st.context.cookies``). A link never
carries the token, so a shared or copied link shows its reader their own
runs, never the sender's; and no one can guess another visitor's token.
Only the numbers are kept here (config, status, accuracies, seconds): the
weights and curves stay in the server's run store.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np
import streamlit as st

from explainer import jobs, trainer
from explainer.config import FIELDS, RunConfig
from explainer.figures import curves
from explainer.figures.sweeps import STATUS_WORDS, differing_fields, field_text
from explainer.i18n import N_
from explainer.jobs import Job
from explainer.memory import BoundedCache
from explainer.sweeps import SweepRecord
from ui import charts, look, resources
from ui import jobs as job_layer
from ui.i18n import _

TOKEN_KEY = "my_runs.token"
COOKIE = "explainer_runs"
COOKIE_DAYS = 30
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16)
MAX_RUNS = 300  # per visitor; the oldest go first
MAX_BYTES = 16 * 2**20  # every visitor's list together (about 1 kB per run)
ORIGINS = {"train": N_("Train page"), "seeds": N_("Seeds page"), "sweep": N_("sweep")}
STATUSES = {**STATUS_WORDS, "gone": N_("no longer kept")}
SETTLED = ("done", "diverged", "stopped", "failed", "cancelled", "gone")


@dataclass(frozen=True)
class MyRun:
    """One run in a visitor's list: what it was and how it ended (numbers only, never weights).

    ``config_key`` is :meth:`RunConfig.key` (sorted JSON); ``status`` is one of the job
    statuses, ``"diverged"``, or ``"gone"`` (it ended, and the server no longer holds its result).
    """

    dataset_key: str
    config_key: str
    origin: str
    added: float
    status: str = "queued"
    val_accuracy: float | None = None
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    seconds: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.dataset_key, self.config_key)

    @property
    def config(self) -> RunConfig:
        return RunConfig.from_dict(json.loads(self.config_key))

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


def numbers(result: trainer.TrainResult) -> dict:
    """Status and final numbers of a finished (or stopped) run, as :class:`MyRun` fields."""
    last = next((e for e in reversed(result.evaluations)
                 if np.isfinite(e.val_accuracy) and np.isfinite(e.train_accuracy)), None)
    status = "diverged" if result.diverged else ("stopped" if result.stop_reason else "done")
    return {"status": status, "seconds": float(result.seconds),
            "val_accuracy": None if last is None else float(last.val_accuracy),
            "train_accuracy": None if last is None else float(last.train_accuracy),
            "test_accuracy": result.test_accuracy}


class Registry:
    """Every visitor's runs, by token, bounded in bytes overall and in runs per visitor (thread-safe)."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_runs: int = MAX_RUNS) -> None:
        self.max_runs = max_runs
        self._lists = BoundedCache("my runs", max_bytes)
        self._jobs: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # (token, key) -> Job
        self._lock = threading.Lock()

    def runs(self, token: str) -> list[MyRun]:
        """The visitor's runs, oldest first."""
        return list(self._lists.get(token, ()))

    def add(self, token: str, run: MyRun, job: Job | None = None) -> None:
        """Add ``run`` (or update the entry of the same run, keeping where it came from and when)."""
        with self._lock:
            kept = self.runs(token)
            old = next((entry for entry in kept if entry.key == run.key), None)
            if old is not None:
                if old.settled and not run.settled:
                    return  # trained again and answered from the store: nothing new to say
                run = replace(run, origin=old.origin, added=old.added)
                kept = [run if entry.key == run.key else entry for entry in kept]
            else:
                kept = (kept + [run])[-self.max_runs:]
            if job is not None and job.active:
                self._jobs[(token, run.key)] = job
            self._lists.put(token, tuple(kept))

    def delete(self, token: str, keys: Iterable[tuple[str, str]]) -> None:
        """Forget the runs whose (dataset key, config key) is in ``keys``."""
        gone = set(keys)
        with self._lock:
            self._lists.put(token, tuple(entry for entry in self.runs(token) if entry.key not in gone))

    def settle(self, token: str, manager) -> list[MyRun]:
        """The visitor's runs with every unfinished one brought up to date from its job or the run store."""
        with self._lock:
            kept = self.runs(token)
            changed = False
            for index, entry in enumerate(kept):
                if entry.settled:
                    continue
                updated = _settled(entry, self._jobs.get((token, entry.key)), manager)
                if updated != entry:
                    kept[index], changed = updated, True
            if changed:
                self._lists.put(token, tuple(kept))
            return kept

    @property
    def bytes(self) -> int:
        return self._lists.bytes


def _settled(entry: MyRun, job: Job | None, manager) -> MyRun:
    if job is not None and job.active:
        return replace(entry, status=job.status)
    result = manager.result(job) if job is not None else None
    if result is None:
        result = manager.store.get(entry.dataset_key, entry.config)
    if result is not None:
        return replace(entry, **numbers(result))
    if job is not None and job.status in (jobs.FAILED, jobs.CANCELLED):
        return replace(entry, status=job.status)
    return replace(entry, status="gone")


@st.cache_resource(show_spinner=False, max_entries=1)
def registry() -> Registry:
    """The server's one registry of every visitor's runs."""
    return Registry()


def token(create: bool = True) -> str | None:
    """This visitor's token: the session's, else the cookie's, else a new one (None if ``create`` is False)."""
    kept = st.session_state.get(TOKEN_KEY)
    if kept:
        return kept
    cookie = st.context.cookies.get(COOKIE)
    cookie = cookie if isinstance(cookie, str) else ""  # (no request, as in a callback under AppTest: no cookie)
    if TOKEN_PATTERN.fullmatch(cookie):
        st.session_state[TOKEN_KEY] = cookie
        return cookie
    if not create:
        return None
    st.session_state[TOKEN_KEY] = secrets.token_urlsafe(16)
    return st.session_state[TOKEN_KEY]


def remember(run: Job | SweepRecord | trainer.TrainResult, origin: str) -> None:
    """Add a run this visitor asked for to their My runs (calling it again for the same run is harmless).

    Parameters
    ----------
    run : Job, SweepRecord or TrainResult
        A job from :func:`ui.jobs.request` (queued, running or finished: the list follows it to
        its end), a sweep's record, or a finished run.
    origin : str
        Where it was trained: ``"train"``, ``"seeds"`` or ``"sweep"`` (a key of :data:`ORIGINS`).
    """
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(ORIGINS)}; got {origin!r}")
    now = time.time()
    job = None
    if isinstance(run, Job):
        job = run
        entry = MyRun(run.dataset.key, run.config.key(), origin, now, status=run.status)
        if not run.active:
            entry = _settled(entry, run, job_layer.manager())
    elif isinstance(run, SweepRecord):
        entry = MyRun(resources.dataset_key(), run.config.key(), origin, now, run.status, run.val_accuracy,
                      run.train_accuracy, run.test_accuracy, run.seconds)
    else:
        entry = MyRun(resources.dataset_key(), run.config.key(), origin, now, **numbers(run))
    registry().add(token(), entry, job)


def mine() -> list[MyRun]:
    """This visitor's runs, brought up to date (an empty list before their first run)."""
    current = token(create=False)
    return [] if current is None else registry().settle(current, job_layer.manager())


def forget(keys: Iterable[tuple[str, str]]) -> None:
    """Delete some of this visitor's runs from their list (the runs stay in the server's store)."""
    current = token(create=False)
    if current is not None:
        registry().delete(current, keys)


def keep_across_reloads(name: str = "my-runs") -> None:
    """Set the token's cookie in the visitor's browser, once they have a list (app.py calls this every run,
    the My runs section again after its page may have filed the first run; ``name`` tells the two apart)."""
    current = token(create=False)
    if current is None or st.context.cookies.get(COOKIE) == current:
        return
    seconds = COOKIE_DAYS * 24 * 3600
    look.run_script(  # the token is ours (token_urlsafe): safe to write into the script
        f"document.cookie = '{COOKIE}={current}; path=/; max-age={seconds}; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');", name=name)


# --- the table on the Explore page ------------------------------------------------------------------

TABLE_KEY = "my_runs.table"
MAX_NAME = 48


def frame(runs: list[MyRun]):
    """The visitor's runs as a table: where from, status, accuracies, seconds, and the settings that differ.

    Returns
    -------
    pandas.DataFrame
        One row per run, oldest first; percentages as numbers (NaN when unknown).
    """
    import pandas as pd

    configs = [run.config for run in runs]
    fields = differing_fields(configs)
    rows = []
    for number, (run, config) in enumerate(zip(runs, configs), start=1):
        row = {"#": number, _("from"): _(ORIGINS[run.origin]), _("status"): _(STATUSES.get(run.status, run.status))}
        row.update({_(FIELDS[name].label): field_text(config, name) for name in fields})
        row.update({_("validation %"): _percent(run.val_accuracy), _("test %"): _percent(run.test_accuracy),
                    _("seconds"): float("nan") if run.seconds is None else round(run.seconds, 1)})
        rows.append(row)
    return pd.DataFrame(rows)


def _percent(value: float | None) -> float:
    return float("nan") if value is None else round(100 * value, 2)


def csv_text(runs: list[MyRun]) -> str:
    """Every run with its whole config and its numbers, as CSV (one row per run)."""
    import pandas as pd

    rows = []
    for run in runs:
        row = {"origin": run.origin, "status": run.status, "val_accuracy": run.val_accuracy,
               "train_accuracy": run.train_accuracy, "test_accuracy": run.test_accuracy, "seconds": run.seconds,
               "dataset": run.dataset_key}
        row.update({name: ("-".join(map(str, value)) if name == "hidden" else value)
                    for name, value in run.config.to_dict().items()})
        rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False)


def _name(number: int, run: MyRun, fields: list[str]) -> str:
    text = f"{number}: " + ", ".join(f"{name}={field_text(run.config, name)}" for name in fields if name != "seed")
    return text if len(text) <= MAX_NAME else text[:MAX_NAME - 1] + "…"


def overlay(runs: list[MyRun], numbers: list[int]) -> None:
    """The selected runs' curves on one chart (runs the server no longer holds are named, not drawn)."""
    fields = differing_fields([run.config for run in runs])
    drawn, missing = [], []
    for number, run in zip(numbers, runs):
        result = job_layer.manager().store.get(run.dataset_key, run.config)
        if result is None:
            missing.append(str(number))
        else:
            drawn.append(curves.CurveData.from_result(_name(number, run, fields), result))
    if drawn:
        figure = curves.training_curves(drawn, height=560, translate=_)
        best = max(drawn, key=lambda c: c.evaluations[-1].val_accuracy if c.evaluations else 0)
        charts.show_chart(figure, key="my_runs.overlay",
                          summary=_("Loss, accuracy and learning rate of {count} of your runs on one chart; the "
                                    "highest final validation accuracy is run {name}.", count=len(drawn),
                                    name=best.name))
    if missing:
        st.caption(_("Not drawn (no longer kept on this server, or not finished): runs {numbers}.",
                     numbers=", ".join(missing)))


def section() -> None:
    """My runs: the table (select rows to overlay their curves), delete, and download all as CSV."""
    runs = mine()
    keep_across_reloads("my-runs-section")  # this page may have filed the visitor's first run after app.py ran
    if not runs:
        st.caption(_("Runs you train on the Train page, the Seeds page or in a sweep are listed here, on this "
                     "browser only. Nobody else sees them."))
        return
    event = st.dataframe(frame(runs), hide_index=True, width="stretch", key=TABLE_KEY, on_select="rerun",
                         selection_mode="multi-row",
                         column_config={_("validation %"): st.column_config.NumberColumn(format="%.2f"),
                                        _("test %"): st.column_config.NumberColumn(format="%.2f")})
    chosen = sorted(event.selection.rows) if event is not None else []
    left, right = st.columns(2)
    left.button(_("Delete the selected runs"), key="my_runs.delete", icon=":material/delete:", disabled=not chosen,
                on_click=forget, args=([runs[i].key for i in chosen],),
                help=_("Removes them from this list; the server may keep the runs themselves for others."))
    right.download_button(_("Download all as CSV"), csv_text(runs), file_name="my-runs.csv", mime="text/csv",
                          key="my_runs.csv", icon=":material/download:", on_click="ignore")
    if chosen:
        overlay([runs[i] for i in chosen], [i + 1 for i in chosen])
    else:
        st.caption(_("Select rows (the boxes on the left) to overlay their curves. This list lives on this server "
                     "for this browser only: a link you share never carries it."))
