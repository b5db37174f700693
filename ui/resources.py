"""Things every visitor shares, loaded once per server: settings, MNIST, byte-bounded caches, the ready model.

Streamlit's ``cache_resource`` keeps one copy per server process. Everything
cached here is read-only (arrays are marked so), which is what makes sharing
between sessions safe. Values whose size varies (test splits, test-set
outputs, Shapes traces, figures, finished runs) live in the byte-bounded
caches of :func:`server_cache`, all within the one memory budget of the
settings; the server never prepares a training set (the workers do).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from explainer.config import Notice, RunConfig
from explainer.data import Mnist, load_mnist, load_sample
from explainer.i18n import N_
from explainer.memory import BoundedCache
from explainer.persistence import ModelFileError, load_npz
from explainer.prepare import split_sizes, test_rows
from explainer.presets import PRESETS
from explainer.settings import MEMORY_SHARES, Settings
from ui.i18n import _

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


@st.cache_resource(show_spinner=False, max_entries=1)
def _mnist_holder() -> dict[str, Mnist]:
    """A per-server slot for the dataset, so 'load the full set' upgrades everyone at once."""
    return {}


def mnist() -> Mnist:
    """The dataset in use: a named folder or the cache, else the bundled sample (no download here)."""
    holder = _mnist_holder()
    if "data" not in holder:
        with st.spinner(_("Reading MNIST…")):
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


def test_split(config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """(X_test (n, 784) float32, y_test (n,) int64) of ``config``'s split of the current dataset.

    The server never prepares training sets (workers do); the test rows it needs for Evaluate are
    kept in the byte-bounded 'splits' cache, read-only.
    """
    data = mnist()

    def build() -> tuple[np.ndarray, np.ndarray]:
        X, y = test_rows(data.test_images, data.test_labels, config)
        X.flags.writeable = y.flags.writeable = False
        return X, y

    return server_cache("splits").get_or_compute((data.key, config.normalization, config.validation), build)


def split_sizes_for(config: RunConfig) -> tuple[int, int, int]:
    """(train, validation, test) image counts of ``config`` on the current dataset."""
    data = mnist()
    return split_sizes(len(data.train_labels), len(data.test_labels), config)


def dataset_key() -> str:
    """Which dataset results belong to (:attr:`explainer.data.Mnist.key`: the same for the same content)."""
    return mnist().key


@st.cache_resource(show_spinner=False, max_entries=1)
def ready_model() -> tuple[RunConfig, dict[str, np.ndarray], Notice]:
    """(config, params, where from) of the recommended preset, for visitors who have not trained yet.

    Shared by every visitor, so "where from" is a :class:`~explainer.config.Notice` each page translates.

    Shipped in the repo (trained on the full MNIST by ``scripts/build_pretrained.py``); if that file is
    missing or unreadable, the recommended preset is trained here once per server.
    """
    try:
        config, params = load_npz(PRETRAINED)
        return config, params, Notice(N_("the shipped recommended model (trained on the full MNIST)"))
    except (OSError, ModelFileError):
        from ui import jobs  # the job layer needs these resources; import it only for this rare case

        config = PRESETS["recommended"].config
        job = jobs.manager().request(config, jobs.dataset(), (len(mnist().train_labels), len(mnist().test_labels)),
                                     "server")
        jobs.manager().wait([job], timeout=600)
        result = jobs.manager().result(job)
        return config, result.params, Notice(N_("the recommended preset, trained on this server's {data}"),
                                             {"data": mnist().summary_notice})
