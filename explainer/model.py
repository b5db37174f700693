"""A fully connected network as plain arrays: initialise, forward, backward.

Parameters live in a dict keyed by the names the maths uses: ``W1`` has shape
(784, n1) and ``b1`` shape (n1,), ..., ``WL`` has shape (n_{L-1}, 10). Arrays
are batch-first: a batch ``X`` is (m, 784) and layer l computes
``z_l = a_{l-1} @ W_l + b_l``, ``a_l = f(z_l)``.

Nothing here keeps state between calls: :func:`forward` returns every
intermediate array and :func:`backward` takes them back, so one set of
parameters can be shared by many readers at once.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .config import RunConfig
from .losses import data_loss, output_activation, output_delta

Params = dict[str, np.ndarray]
Grads = dict[str, np.ndarray]
Forward = dict[str, np.ndarray]


def layer_count(params: Params) -> int:
    """Number of weight layers L (hidden layers + 1)."""
    return sum(1 for name in params if name.startswith("W"))


def init_params(config: RunConfig, rng: np.random.Generator, dtype: type = np.float32) -> Params:
    """Draw the initial weights for ``config.layer_sizes``.

    Schemes: ``he`` N(0, 2/n_in); ``xavier`` (Glorot) N(0, 2/(n_in+n_out));
    ``normal`` init_scale·N(0,1) with zero biases (third to fifth seeds);
    ``uniform`` init_scale·U[0,1) weights and init_scale·N(0,1) biases (first
    seed); ``zeros`` everything 0, which leaves every hidden unit identical.
    Draws happen in float64 and are then cast, so a float64 copy for gradient
    checking starts from exactly the same numbers.
    """
    params: Params = {}
    sizes = config.layer_sizes
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        bias = np.zeros(n_out)
        if config.init == "he":
            weight = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        elif config.init == "xavier":
            weight = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        elif config.init == "normal":
            weight = rng.standard_normal((n_in, n_out)) * config.init_scale
        elif config.init == "uniform":
            weight = rng.random((n_in, n_out)) * config.init_scale
            bias = rng.standard_normal(n_out) * config.init_scale
        else:
            weight = np.zeros((n_in, n_out))
        params[f"W{layer}"] = weight.astype(dtype)
        params[f"b{layer}"] = bias.astype(dtype)
    return params


def forward(params: Params, X: np.ndarray, config: RunConfig) -> Forward:
    """Run a batch through the network.

    Parameters
    ----------
    X : (m, 784) array, one image per row.

    Returns
    -------
    dict with ``a0`` = X, then ``z1, a1, ..., zL, aL``; ``z_l`` and ``a_l`` have
    shape (m, n_l) and ``aL`` (m, 10) holds the output probabilities or scores.
    """
    hidden = ACTIVATIONS[config.activation].forward
    last = layer_count(params)
    values: Forward = {"a0": X}
    a = X
    for layer in range(1, last + 1):
        z = a @ params[f"W{layer}"]
        z += params[f"b{layer}"]
        a = hidden(z) if layer < last else output_activation(config.output, z)
        values[f"z{layer}"] = z
        values[f"a{layer}"] = a
    return values


def l2_factor(config: RunConfig, m: int) -> float:
    """λ, or λ/m when the config scales weight decay by the batch (third seed)."""
    return config.l2 / m if config.l2_per_batch else config.l2


def loss(params: Params, values: Forward, labels: np.ndarray, config: RunConfig) -> float:
    """Data loss plus the L2 penalty λ/2·ΣW² (biases are not decayed)."""
    last = layer_count(params)
    total = data_loss(config.output, config.loss, values[f"z{last}"], values[f"a{last}"], labels)
    if config.l2:
        factor = l2_factor(config, labels.shape[0])
        total += 0.5 * factor * sum(float(np.vdot(params[f"W{l}"], params[f"W{l}"])) for l in range(1, last + 1))
    return total


def backward(params: Params, values: Forward, labels: np.ndarray, config: RunConfig,
             out: Grads | None = None, record: dict[str, np.ndarray] | None = None) -> Grads:
    """Backpropagate the loss of :func:`forward`'s batch.

    Returns ``dW1, db1, ..., dWL, dbL`` with the shapes of the parameters.
    ``out`` may hold preallocated weight-gradient arrays to write into (the
    trainer reuses them every step to avoid allocating large arrays).
    ``record``, when given, receives the intermediate ``dz_l`` (m, n_l) and
    ``da_l`` (m, n_l) arrays so the shape walkthrough can show them.
    """
    last = layer_count(params)
    hidden = ACTIVATIONS[config.activation].derivative
    decay = l2_factor(config, labels.shape[0])
    grads: Grads = {}
    dz = output_delta(config.output, config.loss, values[f"z{last}"], values[f"a{last}"], labels)
    for layer in range(last, 0, -1):
        if record is not None:
            record[f"dz{layer}"] = dz
        W = params[f"W{layer}"]
        a_prev = values[f"a{layer - 1}"]
        # dL/dW_l = a_{l-1}^T dz_l ; dL/db_l = Σ_batch dz_l
        dW = np.matmul(a_prev.T, dz, out=None if out is None else out[f"dW{layer}"])
        if decay:
            dW += decay * W  # d(λ/2·ΣW²)/dW = λW
        grads[f"dW{layer}"] = dW
        grads[f"db{layer}"] = dz.sum(axis=0)
        if layer > 1:
            # dL/da_{l-1} = dz_l W_l^T ; dL/dz_{l-1} = dL/da_{l-1} ⊙ f'(z_{l-1})
            da = dz @ W.T
            if record is not None:
                record[f"da{layer - 1}"] = da.copy()
            da *= hidden(values[f"z{layer - 1}"], values[f"a{layer - 1}"])
            dz = da
    return grads


CHUNK_ROWS = 1024  # rows per chunk: a chunk of pixels (3.2 MB) is still in cache for the backward product


def chunked_loss_and_grads(params: Params, X: np.ndarray, labels: np.ndarray, config: RunConfig,
                           out: Grads | None = None, chunk_rows: int = CHUNK_ROWS) -> tuple[float, Grads]:
    """Loss and gradients of a large batch, reading each row of ``X`` once.

    The loss is a mean over the m images, so it and its gradients are sums of
    per-chunk parts: each chunk of rows runs forward, loss and backward while
    it is still in the CPU cache, and ``dW1 += X_chunkᵀ · dz1_chunk`` (and
    likewise every other gradient) accumulates. The L2 penalty and its
    gradient λW are added once at the end. Equal to :func:`loss` and
    :func:`backward` on the whole batch up to float32 rounding (the sums run
    in a different order); full-batch gradient descent (fifth seed) reads its
    50,000 images once per step instead of twice.

    Parameters
    ----------
    X : (m, 784) images; labels : (m,) digits.
    out : optional preallocated ``dW_l`` arrays to accumulate into, as in :func:`backward`.
    chunk_rows : rows per chunk.

    Returns
    -------
    (loss, grads) : the batch loss (data loss + L2) and ``dW1, db1, ..., dWL, dbL``.
    """
    m, last = labels.shape[0], layer_count(params)
    hidden = ACTIVATIONS[config.activation].derivative
    grads: Grads = {}
    for layer in range(1, last + 1):
        W = params[f"W{layer}"]
        grads[f"dW{layer}"] = out[f"dW{layer}"] if out is not None else np.empty_like(W)
        grads[f"dW{layer}"].fill(0)
        grads[f"db{layer}"] = np.zeros(W.shape[1], dtype=W.dtype)
    # Each chunk's product is formed as dzᵀ·a (n_l × n_{l-1}, wide output), which OpenBLAS runs faster
    # than aᵀ·dz for MNIST's skinny layers, and added transposed.
    partial = {name: np.empty(grads[name].shape[::-1], dtype=grads[name].dtype)
               for name in grads if name.startswith("dW")}
    total = 0.0
    for start in range(0, m, chunk_rows):
        xc, yc = X[start:start + chunk_rows], labels[start:start + chunk_rows]
        share = yc.shape[0] / m
        values = forward(params, xc, config)
        total += share * data_loss(config.output, config.loss, values[f"z{last}"], values[f"a{last}"], yc)
        dz = output_delta(config.output, config.loss, values[f"z{last}"], values[f"a{last}"], yc)
        dz *= share  # the chunk's mean has 1/m_chunk; the batch's mean needs 1/m = (1/m_chunk)·(m_chunk/m)
        for layer in range(last, 0, -1):
            # dL/dW_l += a_{l-1}ᵀ dz_l over this chunk's rows ; dL/db_l += Σ_chunk dz_l
            np.matmul(dz.T, values[f"a{layer - 1}"], out=partial[f"dW{layer}"])
            grads[f"dW{layer}"] += partial[f"dW{layer}"].T
            grads[f"db{layer}"] += dz.sum(axis=0)
            if layer > 1:
                # dL/da_{l-1} = dz_l W_lᵀ ; dL/dz_{l-1} = dL/da_{l-1} ⊙ f'(z_{l-1})
                da = dz @ params[f"W{layer}"].T
                da *= hidden(values[f"z{layer - 1}"], values[f"a{layer - 1}"])
                dz = da
    decay = l2_factor(config, m)
    if decay:
        for layer in range(1, last + 1):
            W = params[f"W{layer}"]
            grads[f"dW{layer}"] += decay * W  # d(λ/2·ΣW²)/dW = λW
            total += 0.5 * decay * float(np.vdot(W, W))
    return total, grads


def predict_proba(params: Params, X: np.ndarray, config: RunConfig, chunk: int = 10_000) -> np.ndarray:
    """Output layer values (m, 10) for many images, in chunks to bound memory."""
    parts = [forward(params, X[start:start + chunk], config)[f"a{layer_count(params)}"]
             for start in range(0, X.shape[0], chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, 10), dtype=X.dtype)


def predict(params: Params, X: np.ndarray, config: RunConfig) -> np.ndarray:
    """Predicted digit (m,) for a batch of images (m, 784)."""
    return predict_proba(params, X, config).argmax(axis=1)
