"""Words about shapes: for each traced operation, its shape equation and why the output has that shape.

Pure text built from :class:`explainer.trace.Operation` objects, for the Shapes page
(and anyone reading a trace in a notebook). ``ff`` selects the feature-first
reading (x is 784×m) instead of batch-first (X is m×784).
"""

from __future__ import annotations

from .trace import Operation, Tensor, shape_text


def _named(tensor: Tensor, transposed: bool = False) -> str:
    """e.g. 'W1ᵀ (128×784)'."""
    shape = tensor.shape[::-1] if transposed else tensor.shape
    return f"{tensor.name}{'ᵀ' if transposed else ''} ({shape_text(shape)})"


def shape_story(op: Operation, ff: bool) -> tuple[str, str]:
    """(shape equation, why the output has its shape) for one traced operation."""
    ins, out = op.inputs, op.output
    kind = op.title.split(": ")[-1]
    rows_or_cols = "column" if ff else "row"
    if kind == "weighted sum":
        a, W, b = ins
        n_in, n_out = W.shape[::-1] if ff else W.shape
        m = a.shape[1] if ff else a.shape[0]
        if ff:
            return (f"{_named(W)} · {_named(a)} + {_named(b)} → {_named(out)}",
                    f"In a matrix product the inner sizes must agree ({n_in} = {n_in}: one weight per input) and "
                    f"cancel: ({n_out}×{n_in})·({n_in}×{m}) = {n_out}×{m}, one column of {n_out} sums per image. "
                    f"The bias column ({n_out}×1) is added to each of the {m} columns (broadcasting).")
        return (f"{_named(a)} · {_named(W)} + {_named(b)} → {_named(out)}",
                f"In a matrix product the inner sizes must agree ({n_in} = {n_in}: one weight per input) and "
                f"cancel: ({m}×{n_in})·({n_in}×{n_out}) = {m}×{n_out}, one row of {n_out} sums per image. "
                f"The bias ({n_out}) is added to each of the {m} rows (broadcasting).")
    if kind == "activation":
        why = "The function is applied to every number on its own, so the shape does not change."
        if "softmax" in op.formula:
            why = (f"Softmax mixes the 10 scores of one image (one {rows_or_cols}) so they sum to 1, "
                   "but it still returns one number per score: the shape does not change.")
        return f"{_named(ins[0])} → {_named(out)}", why
    if op.phase == "loss":
        a, y = ins
        return (f"{_named(a)} and {_named(y)} → L (scalar)",
                f"y is the one-hot label, shaped like the output: a single 1 in each image's {rows_or_cols}. "
                "The loss averages over the batch, so the whole step is judged by one number.")
    if op.title == "Output gradient":
        a, y = ins
        return (f"{_named(a)} and {_named(y)} → {_named(out)}",
                "A gradient always has the shape of the thing it differentiates: one dL/dz per output score "
                "per image. The 1/m of the mean is already inside.")
    if kind == "weight gradient":
        a, dz = ins
        m = a.shape[1] if ff else a.shape[0]
        equation = f"{_named(dz)} · {_named(a, True)} → {_named(out)}" if ff else f"{_named(a, True)} · {_named(dz)} → {_named(out)}"
        return (equation,
                f"dW must have the shape of W so that it can be subtracted from it. Transposing {a.name} puts the "
                f"batch size {m} in the middle of the product, so the {m} images' contributions are summed.")
    if kind == "bias gradient":
        axis = "columns" if ff else "rows"
        return (f"{_named(ins[0])} summed over the batch → {_named(out)}",
                f"Adding up the {axis} (one per image) removes the batch dimension and leaves one number "
                "per unit: the shape of b.")
    if kind == "gradient to the layer below":
        W, dz = ins
        equation = f"{_named(W, True)} · {_named(dz)} → {_named(out)}" if ff else f"{_named(dz)} · {_named(W, True)} → {_named(out)}"
        return (equation,
                f"The same weights, transposed, send each unit's error back to the units that fed it. The "
                f"result has the shape of the layer below's activations, {out.name.removeprefix('d')}.")
    if kind == "through the activation":
        da, z = ins
        return (f"{_named(da)} ⊙ f′({_named(z)}) → {_named(out)}",
                "⊙ multiplies entry by entry, so both factors and the result share one shape.")
    if op.phase == "update":
        p, dp = ins
        return (f"{_named(p)} − η · {_named(dp)} → {_named(out)}",
                "Every gradient has exactly the shape of its parameter, so the update works entry by entry.")
    return " , ".join(_named(t) for t in ins) + f" → {_named(out)}", ""
