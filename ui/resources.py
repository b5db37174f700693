"""Things every visitor shares, loaded once per server: MNIST, prepared splits, finished runs, the ready model.

Streamlit's ``cache_resource`` keeps one copy per server process. Everything
cached here is read-only (arrays are marked so), which is what makes sharing
between sessions safe.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import streamlit as st

from explainer import trainer
from explainer.config import RunConfig
from explainer.data import Mnist, load_mnist, load_sample
from explainer.memory import BoundedCache
from explainer.persistence import ModelFileError, load_npz
from explainer.prepare import Splits, prepare
from explainer.presets import PRESETS
from explainer.settings import MEMORY_SHARES, Settings

PRETRAINED = Path(__file__).resolve().parent.parent / "explainer" / "pretrained" / "recommended.npz"


@st.cache_resource(show_spinner=False, max_entries=1)
def settings() -> Settings:
    """This server's limits, read once from the environment (see :mod:`explainer.settings`)."""
    return Settings.from_env()


@st.cache_resource(show_spinner=False, max_entries=len(MEMORY_SHARES))
def server_cache(name: str) -> BoundedCache:
    """The server-wide cache ``name`` (one of ``explainer.settings.MEMORY_SHARES``), bounded in bytes.

    Its bound is that cache's share of ``settings().memory_bytes``, so all of them together stay
    within the one memory budget.
    """
    return BoundedCache(name, int(settings().memory_bytes * MEMORY_SHARES[name]))


@st.cache_resource(show_spinner=False)
def _mnist_holder() -> dict[str, Mnist]:
    """A per-server slot for the dataset, so 'load the full set' upgrades everyone at once."""
    return {}


def mnist() -> Mnist:
    """The dataset in use: a named folder or the cache, else the bundled sample (no download here)."""
    holder = _mnist_holder()
    if "data" not in holder:
        with st.spinner("Reading MNIST…"):
            holder["data"] = load_mnist(download=False)
    return holder["data"]


def download_full_mnist(progress) -> Mnist:
    """Fetch the full MNIST from the mirrors (``progress(message, fraction)``) and use it from now on."""
    data = load_mnist(progress=progress)
    if data.is_full:
        _mnist_holder()["data"] = data
    return data


def use_sample() -> None:
    """Switch the server to the bundled sample (for tests and slow machines)."""
    _mnist_holder()["data"] = load_sample()


@st.cache_resource(show_spinner=False, max_entries=8)
def _splits(source: str, location: str, normalization: str, validation: str, train_size: int) -> Splits:
    data = mnist()
    config = RunConfig(normalization=normalization, validation=validation, train_size=train_size)
    splits = prepare(data.train_images, data.train_labels, data.test_images, data.test_labels, config)
    for array in vars(splits).values():
        array.flags.writeable = False
    return splits


def splits_for(config: RunConfig) -> Splits:
    """Training/validation/test arrays for ``config`` on the current dataset (cached)."""
    data = mnist()
    return _splits(data.source, data.location, config.normalization, config.validation,
                   min(config.train_size, len(data.train_labels)))


class RunStore:
    """Finished runs, keyed by (dataset, config), shared by every visitor. Diverged runs are never stored."""

    def __init__(self) -> None:
        self._runs: dict[tuple[str, str], trainer.TrainResult] = {}
        self._lock = threading.Lock()

    def get(self, config: RunConfig) -> trainer.TrainResult | None:
        """The finished run for ``config`` on the current dataset, if any."""
        with self._lock:
            return self._runs.get((dataset_key(), config.key()))

    def put(self, result: trainer.TrainResult) -> None:
        """Keep a run that completed normally (not diverged, not stopped)."""
        if result.diverged or result.stop_reason:
            return
        with self._lock:
            self._runs[(dataset_key(), result.config.key())] = result


def dataset_key() -> str:
    """Which dataset results belong to: 'sample' or the folder the full set came from."""
    data = mnist()
    return f"{data.source}:{data.location}:{len(data.train_labels)}"


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The server-wide store of finished runs."""
    return RunStore()


@st.cache_resource(show_spinner=False)
def ready_model() -> tuple[RunConfig, dict[str, np.ndarray], str]:
    """(config, params, where from) of the recommended preset, for visitors who have not trained yet.

    Shipped in the repo (trained on the full MNIST by ``scripts/build_pretrained.py``); if that file is
    missing or unreadable, the recommended preset is trained here once per server.
    """
    try:
        config, params = load_npz(PRETRAINED)
        return config, params, "the shipped recommended model (trained on the full MNIST)"
    except (OSError, ModelFileError):
        config = PRESETS["recommended"].config
        result = trainer.run(config, splits_for(config))
        return config, result.params, f"the recommended preset, trained on this server's {mnist().description}"
