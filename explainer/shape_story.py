"""Words about shapes: for each traced operation, its shape equation and why the output has that shape.

Pure text built from :class:`explainer.trace.Operation` objects, for the Shapes page
(and anyone reading a trace in a notebook). ``ff`` selects the feature-first
reading (x is 784×m) instead of batch-first (X is m×784). The words go through
``translate`` (the app passes its per-visitor ``_``; the default keeps English);
the shapes and symbols are the same in every language.
"""

from __future__ import annotations

from .i18n import N_, Translate, same
from .trace import Operation, Tensor, shape_text


def _named(tensor: Tensor, transposed: bool = False, translate: Translate = same) -> str:
    """e.g. 'W1ᵀ (128×784)'."""
    shape = tensor.shape[::-1] if transposed else tensor.shape
    return f"{tensor.name}{'ᵀ' if transposed else ''} ({shape_text(shape, translate)})"


def shape_story(op: Operation, ff: bool, translate: Translate = same) -> tuple[str, str]:
    """(shape equation, why the output has its shape) for one traced operation, in ``translate``'s language."""
    ins, out, kind = op.inputs, op.output, op.kind

    def named(tensor: Tensor, transposed: bool = False) -> str:
        return _named(tensor, transposed, translate)

    if kind == "weighted sum":
        a, W, b = ins
        n_in, n_out = W.shape[::-1] if ff else W.shape
        m = a.shape[1] if ff else a.shape[0]
        sizes = {"n_in": n_in, "n_out": n_out, "m": m}
        if ff:
            return (f"{named(W)} · {named(a)} + {named(b)} → {named(out)}",
                    translate(N_("In a matrix product the inner sizes must agree ({n_in} = {n_in}: one weight per "
                                 "input) and cancel: ({n_out}×{n_in})·({n_in}×{m}) = {n_out}×{m}, one column of "
                                 "{n_out} sums per image. The bias column ({n_out}×1) is added to each of the {m} "
                                 "columns (broadcasting)."), **sizes))
        return (f"{named(a)} · {named(W)} + {named(b)} → {named(out)}",
                translate(N_("In a matrix product the inner sizes must agree ({n_in} = {n_in}: one weight per input) "
                             "and cancel: ({m}×{n_in})·({n_in}×{n_out}) = {m}×{n_out}, one row of {n_out} sums per "
                             "image. The bias ({n_out}) is added to each of the {m} rows (broadcasting)."), **sizes))
    if kind == "activation":
        why = N_("The function is applied to every number on its own, so the shape does not change.")
        if "softmax" in op.formula:
            why = (N_("Softmax mixes the 10 scores of one image (one column) so they sum to 1, but it still returns "
                      "one number per score: the shape does not change.") if ff else
                   N_("Softmax mixes the 10 scores of one image (one row) so they sum to 1, but it still returns "
                      "one number per score: the shape does not change."))
        return f"{named(ins[0])} → {named(out)}", translate(why)
    if kind == "loss":
        a, y = ins
        why = (N_("y is the one-hot label, shaped like the output: a single 1 in each image's column. The loss "
                  "averages over the batch, so the whole step is judged by one number.") if ff else
               N_("y is the one-hot label, shaped like the output: a single 1 in each image's row. The loss "
                  "averages over the batch, so the whole step is judged by one number."))
        return translate(N_("{a} and {y} → L (scalar)"), a=named(a), y=named(y)), translate(why)
    if kind == "output gradient":
        a, y = ins
        return (translate(N_("{a} and {y} → {out}"), a=named(a), y=named(y), out=named(out)),
                translate(N_("A gradient always has the shape of the thing it differentiates: one dL/dz per output "
                             "score per image. The 1/m of the mean is already inside.")))
    if kind == "weight gradient":
        a, dz = ins
        m = a.shape[1] if ff else a.shape[0]
        equation = (f"{named(dz)} · {named(a, True)} → {named(out)}" if ff
                    else f"{named(a, True)} · {named(dz)} → {named(out)}")
        return (equation,
                translate(N_("dW must have the shape of W so that it can be subtracted from it. Transposing {name} "
                             "puts the batch size {m} in the middle of the product, so the {m} images' "
                             "contributions are summed."), name=a.name, m=m))
    if kind == "bias gradient":
        why = (N_("Adding up the columns (one per image) removes the batch dimension and leaves one number per "
                  "unit: the shape of b.") if ff else
               N_("Adding up the rows (one per image) removes the batch dimension and leaves one number per unit: "
                  "the shape of b."))
        return (translate(N_("{array} summed over the batch → {out}"), array=named(ins[0]), out=named(out)),
                translate(why))
    if kind == "gradient to the layer below":
        W, dz = ins
        equation = (f"{named(W, True)} · {named(dz)} → {named(out)}" if ff
                    else f"{named(dz)} · {named(W, True)} → {named(out)}")
        return (equation,
                translate(N_("The same weights, transposed, send each unit's error back to the units that fed it. "
                             "The result has the shape of the layer below's activations, {name}."),
                          name=out.name.removeprefix("d")))
    if kind == "through the activation":
        da, z = ins
        return (f"{named(da)} ⊙ f′({named(z)}) → {named(out)}",
                translate(N_("⊙ multiplies entry by entry, so both factors and the result share one shape.")))
    if kind == "update":
        p, dp = ins
        return (f"{named(p)} − η · {named(dp)} → {named(out)}",
                translate(N_("Every gradient has exactly the shape of its parameter, so the update works entry by "
                             "entry.")))
    return " , ".join(named(t) for t in ins) + f" → {named(out)}", ""
