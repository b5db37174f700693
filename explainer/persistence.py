"""Save and load trained weights: ``.npz`` with the config inside, or the second seed's CSV files.

An ``.npz`` holds ``W1, b1, ...`` (batch-first shapes, float32) and a
``config`` entry with the run's config as JSON text, and optionally the run's
diagnostics as flat ``diag_*`` arrays (:func:`explainer.diagnostics.to_arrays`).
Loading never unpickles
(``allow_pickle=False``) and checks every array's name, shape, dtype and
finiteness against that config, so a file from elsewhere cannot smuggle in
objects or mismatched shapes.

The CSV layout is the second seed's: ``W_1.csv, b_1.csv, ...`` feature-first,
``W_l`` with shape (n_l, n_{l-1}) and ``b_l`` (n_l, 1).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .config import ConfigError, RunConfig
from .diagnostics import ARRAY_PREFIX, Diagnostics, from_arrays, to_arrays
from .model import Params

MAX_FILE_BYTES = 64 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file is unreadable or does not match its config."""


def expected_shapes(config: RunConfig) -> dict[str, tuple[int, ...]]:
    """Batch-first parameter shapes for ``config``: W_l (n_{l-1}, n_l), b_l (n_l,)."""
    sizes = config.layer_sizes
    shapes: dict[str, tuple[int, ...]] = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{layer}"] = (n_in, n_out)
        shapes[f"b{layer}"] = (n_out,)
    return shapes


def save_npz(target: str | os.PathLike | BinaryIO, params: Params, config: RunConfig,
             diagnostics: Diagnostics | None = None) -> None:
    """Write weights and config (and the run's diagnostics, if given) to ``target`` (a path or a binary file)."""
    arrays = {name: np.asarray(value, dtype=np.float32) for name, value in params.items()}
    if diagnostics is not None:
        arrays.update(to_arrays(diagnostics))
    np.savez_compressed(target, config=np.array(json.dumps(config.to_dict())), **arrays)


def npz_bytes(params: Params, config: RunConfig, diagnostics: Diagnostics | None = None) -> bytes:
    """The ``.npz`` file as bytes, for a download button."""
    buffer = io.BytesIO()
    save_npz(buffer, params, config, diagnostics)
    return buffer.getvalue()


def load_npz(source: str | os.PathLike | bytes | BinaryIO, name: str = "model file") -> tuple[RunConfig, Params]:
    """Read and validate a model saved by :func:`save_npz` (its diagnostics, if any, are checked and left out).

    Raises
    ------
    ModelFileError
        naming what is wrong: not an npz, too big, no or bad config, missing or
        extra arrays, a wrong shape or dtype, non-finite values, broken diagnostics.
    """
    config, params, _diagnostics = load_run_npz(source, name)
    return config, params


def load_run_npz(source: str | os.PathLike | bytes | BinaryIO,
                 name: str = "model file") -> tuple[RunConfig, Params, Diagnostics | None]:
    """Like :func:`load_npz`, and also the run's diagnostics (None when the file has none)."""
    if isinstance(source, (str, os.PathLike)):
        name = Path(source).name
        if Path(source).stat().st_size > MAX_FILE_BYTES:
            raise ModelFileError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB; not a model of this app")
        source = Path(source).read_bytes()
    if isinstance(source, bytes):
        if len(source) > MAX_FILE_BYTES:
            raise ModelFileError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB; not a model of this app")
        source = io.BytesIO(source)
    try:
        loaded = np.load(source, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{name} holds a single array, not an .npz model file")
        with loaded as archive:
            contents = {key: archive[key] for key in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{name} is not a readable .npz file ({error})") from error
    if "config" not in contents:
        raise ModelFileError(f"{name} has no 'config' entry: it was not saved by this app")
    try:
        config = RunConfig.from_dict(json.loads(str(contents.pop("config"))))
    except (json.JSONDecodeError, ConfigError, TypeError) as error:
        raise ModelFileError(f"{name} has an invalid config: {error}") from error
    extra = {key: contents.pop(key) for key in list(contents) if key.startswith(ARRAY_PREFIX)}
    diagnostics = None
    if extra:
        try:
            diagnostics = from_arrays(extra)
        except ValueError as error:
            raise ModelFileError(f"{name} has broken diagnostics: {error}") from error
        if diagnostics.units != config.layer_sizes[1:]:
            raise ModelFileError(f"{name}: its diagnostics describe layers {diagnostics.units}, "
                                 f"the config has {config.layer_sizes[1:]}")
    return config, _checked(contents, config, name), diagnostics


def _checked(arrays: dict[str, np.ndarray], config: RunConfig, name: str) -> Params:
    """Validate names, shapes, dtypes and values against the config; return read-only params."""
    shapes = expected_shapes(config)
    missing, extra = set(shapes) - set(arrays), set(arrays) - set(shapes)
    if missing or extra:
        raise ModelFileError(f"{name}: arrays {sorted(arrays)} do not match the config's {sorted(shapes)}")
    params: Params = {}
    for key, shape in shapes.items():
        value = arrays[key]
        if not isinstance(value, np.ndarray):
            raise ModelFileError(f"{name}: {key} is not a saved numpy array")
        if value.shape != shape:
            raise ModelFileError(f"{name}: {key} has shape {value.shape}, the config needs {shape}")
        if value.dtype != np.float32:
            raise ModelFileError(f"{name}: {key} has dtype {value.dtype}, expected float32")
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{name}: {key} contains NaN or infinite values")
        value = value.copy()
        value.flags.writeable = False
        params[key] = value
    return params


def save_csv(directory: str | os.PathLike, params: Params) -> list[Path]:
    """Write ``W_1.csv, b_1.csv, ...`` feature-first, as the second seed saves its model."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key, value in params.items():
        path = folder / f"{key[0]}_{key[1:]}.csv"
        # Feature-first: the seed's W_l is our W_l transposed, b_l a column.
        np.savetxt(path, value.T if value.ndim == 2 else value.reshape(-1, 1), delimiter=",", fmt="%.9g")
        written.append(path)
    return written


def load_csv(directory: str | os.PathLike, config: RunConfig) -> Params:
    """Read the second seed's CSV files for ``config`` back into batch-first params."""
    folder = Path(directory)
    arrays = {}
    for key, shape in expected_shapes(config).items():
        path = folder / f"{key[0]}_{key[1:]}.csv"
        if not path.exists():
            raise ModelFileError(f"{path.name} is missing from {folder}")
        try:
            table = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError as error:
            raise ModelFileError(f"{path.name} is not a numeric CSV table ({error})") from error
        arrays[key] = (table.T if len(shape) == 2 else table.reshape(-1)).astype(np.float32)
    return _checked(arrays, config, folder.name)
