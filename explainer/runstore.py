"""Finished runs, kept in memory (bounded in bytes) and on disk (bounded in bytes), shared by every visitor.

A run is found by (dataset key, config): two equal configs trained on the
same data give bit-identical results, so whoever asks second gets the first
one's run. The memory tier is a :class:`explainer.memory.BoundedCache`; the
disk tier is a folder of ``.npz`` files, one per run, each holding the config,
the weights before and after training, the curves and the measurements, read
back with ``allow_pickle=False``. When the folder passes its bound the least
recently used files go. A file that cannot be read is skipped with a log line
and removed, so a restart, an eviction or a broken file never costs more than
training again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np

from . import trainer
from .config import ConfigError, Notice, RunConfig
from .memory import BoundedCache
from .persistence import expected_shapes

FORMAT = 1
EVALUATION_COLUMNS = tuple(f.name for f in dataclasses.fields(trainer.Evaluation) if f.type in ("int", "float"))
log = logging.getLogger("explainer.runstore")


class RunFileError(ValueError):
    """A stored run file is unreadable or inconsistent."""


def run_arrays(result: trainer.TrainResult, dataset_key: str) -> dict[str, np.ndarray]:
    """Everything about a finished run as plain arrays (the ``.npz`` layout)."""
    meta = {"format": FORMAT, "dataset": dataset_key, "config": result.config.to_dict(),
            "seconds": result.seconds, "total_steps": result.total_steps, "stop_reason": result.stop_reason,
            "diverged": result.diverged, "test_accuracy": result.test_accuracy,
            "evaluation_columns": EVALUATION_COLUMNS}
    if result.stop_message is not None:  # the same sentence as a template and values, for the app to translate
        meta["stop_message"] = {"template": result.stop_message.template, "values": result.stop_message.values}
    arrays = {"meta": np.array(json.dumps(meta)),
              "step_loss": np.asarray(result.step_loss, dtype=np.float64),
              "step_lr": np.asarray(result.step_lr, dtype=np.float64),
              "evaluations": np.array([[getattr(e, name) for name in EVALUATION_COLUMNS]
                                       for e in result.evaluations], dtype=np.float64).reshape(-1, len(EVALUATION_COLUMNS))}
    arrays.update({f"final.{name}": value for name, value in result.params.items()})
    arrays.update({f"initial.{name}": value for name, value in result.initial_params.items()})
    diagnostics = getattr(result, "diagnostics", None)
    if diagnostics is not None:
        from . import diagnostics as diag

        arrays.update({f"diag.{name}": value for name, value in diag.to_arrays(diagnostics).items()})
    return arrays


def result_from_arrays(arrays: dict[str, np.ndarray]) -> tuple[str, trainer.TrainResult]:
    """Inverse of :func:`run_arrays`: (dataset key, result), checked against the stored config."""
    try:
        meta = json.loads(str(arrays["meta"]))
        config = RunConfig.from_dict(meta["config"])
        columns = tuple(meta["evaluation_columns"])
        rows = arrays["evaluations"]
        if rows.ndim != 2 or rows.shape[1] != len(columns) or not set(columns) <= set(EVALUATION_COLUMNS):
            raise RunFileError("evaluations do not match their columns")
        evaluations = tuple(trainer.Evaluation(**{name: (int(v) if name == "step" else float(v))
                                                  for name, v in zip(columns, row)}) for row in rows)
        params, initial = {}, {}
        for name, shape in expected_shapes(config).items():
            for target, prefix in ((params, "final."), (initial, "initial.")):
                value = arrays[prefix + name]
                if value.shape != shape or value.dtype != np.float32:
                    raise RunFileError(f"{prefix}{name} has shape {value.shape} and dtype {value.dtype}")
                value.flags.writeable = False
                target[name] = value
        extras = {}
        diag_arrays = {key[5:]: value for key, value in arrays.items() if key.startswith("diag.")}
        if diag_arrays and "diagnostics" in {f.name for f in dataclasses.fields(trainer.TrainResult)}:
            from . import diagnostics as diag

            extras["diagnostics"] = diag.from_arrays(diag_arrays)
        stop = meta.get("stop_message")
        if stop is not None:
            extras["stop_message"] = Notice(str(stop["template"]), dict(stop["values"]))
        result = trainer.TrainResult(config, params, initial, arrays["step_loss"], arrays["step_lr"], evaluations,
                                     float(meta["seconds"]), int(meta["total_steps"]), meta["stop_reason"],
                                     bool(meta["diverged"]), test_accuracy=meta.get("test_accuracy"), **extras)
        return str(meta["dataset"]), result
    except RunFileError:
        raise
    except (KeyError, TypeError, ValueError, ConfigError, json.JSONDecodeError) as error:
        raise RunFileError(f"{type(error).__name__}: {error}") from error


def read_run(path: Path) -> tuple[str, trainer.TrainResult]:
    """(dataset key, result) from a run file; :class:`RunFileError` for anything wrong with it."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise RunFileError(f"not a readable .npz ({type(error).__name__})") from error
    return result_from_arrays(arrays)


def write_run(path: Path, result: trainer.TrainResult, dataset_key: str) -> None:
    """Write a run file atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **run_arrays(result, dataset_key))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class RunStore:
    """Completed runs by (dataset key, config): memory first, then disk.

    Parameters
    ----------
    memory : BoundedCache
        The in-memory tier (its byte bound is the server's 'runs' share).
    directory : Path or None
        Where run files live; None keeps runs in memory only.
    disk_bytes : int
        Upper bound on the size of the run files together.
    """

    def __init__(self, memory: BoundedCache, directory: Path | None = None, disk_bytes: int = 512 * 2**20) -> None:
        self.memory = memory
        self.directory = Path(directory) if directory is not None else None
        self.disk_bytes = int(disk_bytes)
        self._lock = threading.Lock()
        if self.directory is not None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                log.warning("runs are kept in memory only: cannot create the runs folder (%s)", error)
                self.directory = None

    def path(self, dataset_key: str, config: RunConfig) -> Path | None:
        """The file a run would be stored in (None without a folder)."""
        if self.directory is None:
            return None
        digest = hashlib.sha256(f"{dataset_key}\n{config.key()}".encode()).hexdigest()[:24]
        return self.directory / f"run-{digest}.npz"

    def get(self, dataset_key: str, config: RunConfig) -> trainer.TrainResult | None:
        """The completed run of ``config`` on that dataset, if kept anywhere."""
        key = (dataset_key, config.key())
        result = self.memory.get(key)
        if result is not None:
            return result
        path = self.path(dataset_key, config)
        if path is None or not path.is_file():
            return None
        try:
            stored_dataset, result = read_run(path)
            if stored_dataset != dataset_key or result.config.key() != config.key():
                raise RunFileError("it belongs to another run")
        except RunFileError as error:
            log.warning("skipped the stored run %s: %s", path.name, error)
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # recently used: trimmed last
        except OSError:
            pass
        self.memory.put(key, result)
        return result

    def put(self, dataset_key: str, result: trainer.TrainResult) -> bool:
        """Keep a run that went to its end: completed ones in memory and on disk, diverged ones in memory.

        Stopped runs are never kept: asking for the same config again trains it fully. Returns
        whether :meth:`get` can find the run now (False when it is too big for both tiers).
        """
        if result.stop_reason and not result.diverged:
            return False
        kept = self.memory.put((dataset_key, result.config.key()), result)
        path = self.path(dataset_key, result.config)
        if path is None or result.diverged:
            return kept
        try:
            write_run(path, result, dataset_key)
        except OSError as error:
            log.warning("could not keep run %s on disk: %s", path.name, error)
            return kept
        self.trim()
        return kept or path.is_file()

    def trim(self) -> int:
        """Delete the least recently used run files until they fit ``disk_bytes``; how many were deleted."""
        if self.directory is None:
            return 0
        with self._lock:
            files = []
            for path in self.directory.glob("run-*.npz"):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                files.append((stat.st_mtime, stat.st_size, path))
            total = sum(size for _, size, _ in files)
            deleted = 0
            for _, size, path in sorted(files):
                if total <= self.disk_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
                deleted += 1
            return deleted

    def disk_usage(self) -> int:
        """Bytes of run files on disk now."""
        if self.directory is None:
            return 0
        return sum(path.stat().st_size for path in self.directory.glob("run-*.npz") if path.is_file())
