"""How this server is allowed to use its machine, read once from the environment.

Two profiles set the defaults: ``local`` (``streamlit run app.py`` on your own
laptop: generous limits) and ``public`` (a shared demo on a small host: every
job at most about two CPU-minutes, fewer jobs per visitor). Each value can be
overridden on its own:

=================================  =====================  =================  =====================================
variable                           local default          public default     what it bounds
=================================  =====================  =================  =====================================
``EXPLAINER_PROFILE``              ``local``              ``public``         which column of defaults applies
``EXPLAINER_WORKERS``              usable cores           usable cores       training processes (one BLAS thread)
``EXPLAINER_MAX_JOB_SECONDS``      1800                   120                estimated CPU seconds of one run
``EXPLAINER_MAX_JOBS_PER_VISITOR`` 4                      4                  queued + running runs of one visitor
``EXPLAINER_MAX_QUEUED``           200                    60                 runs waiting on the whole server
``EXPLAINER_MEMORY_MB``            256                    256                all in-memory caches of the server
``EXPLAINER_RUNS_DIR``             cache dir ``/runs``    cache dir          finished runs kept on disk
``EXPLAINER_RUNS_DISK_MB``         512                    512                the runs kept on disk
``EXPLAINER_MAX_SWEEP_RUNS``       500                    64                 runs in one sweep
``EXPLAINER_MAX_SWEEP_SECONDS``    14400                  600                estimated CPU seconds of one sweep
``EXPLAINER_DASK``                 (none)                 (none)             a Dask scheduler address: train there
=================================  =====================  =================  =====================================

A value that is not a positive number is ignored with a log line (the default stays).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROFILES = ("local", "public")
CACHE_NAME = "numpy-mnist-explainer"

log = logging.getLogger("explainer.settings")


@dataclass(frozen=True)
class Settings:
    """The server's limits (see the module docstring for the variables behind each field)."""

    profile: str = "local"
    workers: int = 2
    max_job_seconds: float = 1800.0
    max_jobs_per_visitor: int = 4
    max_queued: int = 200
    memory_bytes: int = 256 * 2**20
    runs_dir: Path = Path(".")
    runs_disk_bytes: int = 512 * 2**20
    max_sweep_runs: int = 500
    max_sweep_seconds: float = 14400.0
    dask_address: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (default ``os.environ``)."""
        env = os.environ if environ is None else environ
        profile = env.get("EXPLAINER_PROFILE", "local").strip().lower()
        if profile not in PROFILES:
            log.warning("EXPLAINER_PROFILE=%r is not one of %s; using 'local'", profile[:40], PROFILES)
            profile = "local"
        public = profile == "public"

        def number(name: str, default: float, kind: type = int) -> float:
            raw = env.get(name)
            if raw is None or not raw.strip():
                return default
            try:
                value = kind(float(raw))
            except (ValueError, OverflowError):
                value = 0
            if not 0 < value < math.inf:
                log.warning("%s=%r is not a positive number; using %s", name, raw[:40], default)
                return default
            return value

        return cls(
            profile=profile,
            workers=number("EXPLAINER_WORKERS", available_cpus()),
            max_job_seconds=number("EXPLAINER_MAX_JOB_SECONDS", 120.0 if public else 1800.0, float),
            max_jobs_per_visitor=number("EXPLAINER_MAX_JOBS_PER_VISITOR", 4),
            max_queued=number("EXPLAINER_MAX_QUEUED", 60 if public else 200),
            memory_bytes=number("EXPLAINER_MEMORY_MB", 256) * 2**20,
            runs_dir=Path(env.get("EXPLAINER_RUNS_DIR") or default_cache_dir() / "runs").expanduser(),
            runs_disk_bytes=number("EXPLAINER_RUNS_DISK_MB", 512) * 2**20,
            max_sweep_runs=number("EXPLAINER_MAX_SWEEP_RUNS", 64 if public else 500),
            max_sweep_seconds=number("EXPLAINER_MAX_SWEEP_SECONDS", 600.0 if public else 14400.0, float),
            dask_address=(env.get("EXPLAINER_DASK") or "").strip() or None,
        )


def available_cpus(cgroup: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """Cores this process may really use: the CPU affinity, and a container's CPU quota when it sets one.

    A hosted container often sees every core of its host in ``os.cpu_count()`` while its quota
    allows two; one worker process per visible core would then only fight over those two.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = cgroup.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.floor(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def default_cache_dir() -> Path:
    """The per-user cache folder (``MNIST_CACHE_DIR`` when set, as the MNIST download uses)."""
    if os.environ.get("MNIST_CACHE_DIR"):
        return Path(os.environ["MNIST_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / CACHE_NAME


# Shares of the memory budget, by cache. They add up to 1.
MEMORY_SHARES = {"runs": 0.3, "splits": 0.15, "outputs": 0.2, "shapes": 0.15, "figures": 0.2}
