"""Text alternatives for the inside charts: one sentence each, and the numbers as a table.

Each function takes the same :class:`explainer.figures.diagnostics.InsideRun`
list as the figure it goes with, so what a screen reader hears is what the
chart draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from explainer.figures.diagnostics import InsideRun, Line
from ui.i18n import _


def _measured(runs: Sequence[InsideRun]) -> list[InsideRun]:
    return [run for run in runs if run.diagnostics is not None and run.diagnostics.records]


def gradients_summary(runs: Sequence[InsideRun]) -> str:
    parts = []
    for run in _measured(runs):
        last = run.diagnostics.records[-1]
        layers = ", ".join(_("W{layer}: gradient {grad:.2g}, update/weight {ratio:.2g}", layer=index + 1,
                             grad=layer.grad_norm, ratio=layer.update_ratio) for index, layer in enumerate(last.layers))
        parts.append(_("{name} at the end: {layers}", name=run.name, layers=layers))
    return _("Gradient and update sizes of each weight matrix over training.") + " " + "; ".join(parts) + "."


def units_summary(runs: Sequence[InsideRun]) -> str:
    parts = []
    for run in _measured(runs):
        last = run.diagnostics.records[-1]
        hidden = last.layers[:-1]
        dead = max((layer.dead_fraction for layer in hidden), default=0.0)
        saturated = max((layer.saturated_fraction for layer in hidden), default=0.0)
        width = run.diagnostics.units[0] if len(run.diagnostics.units) > 1 else 0
        parts.append(_("{name} at the end: {dead:.0%} dead, {saturated:.0%} saturated, {distinct} distinct units "
                       "of {width} in layer 1", name=run.name, dead=dead, saturated=saturated,
                       distinct=last.distinct_units, width=width))
    return _("Dead and saturated hidden units over training.") + " " + "; ".join(parts) + "."


def layers_table(runs: Sequence[InsideRun]) -> pd.DataFrame:
    """Every measurement of every layer of every run."""
    rows = []
    for run in _measured(runs):
        for record in run.diagnostics.records:
            for index, layer in enumerate(record.layers):
                rows.append({_("run"): run.name, _("step"): record.step, _("layer"): f"W{index + 1}",
                             _("gradient"): f"{layer.grad_norm:.3g}", _("update/weight"): f"{layer.update_ratio:.3g}",
                             _("weight norm"): f"{layer.weight_norm:.3g}", _("dead"): f"{layer.dead_fraction:.0%}",
                             _("saturated"): f"{layer.saturated_fraction:.0%}",
                             _("distinct units"): record.distinct_units})
    return pd.DataFrame(rows)


def loss_line_summary(lines: Sequence[Line]) -> str:
    parts = []
    for line in lines:
        if len(line.loss) == 0:
            continue
        start = float(np.interp(0.0, line.t, line.loss))
        end = float(np.interp(1.0, line.t, line.loss))
        lowest = int(np.nanargmin(line.loss))
        parts.append(_("{name}: {start:.3g} at the start, {end:.3g} at the end, lowest {low:.3g} at t = {t:.2f}",
                       name=line.name, start=start, end=end, low=float(line.loss[lowest]), t=float(line.t[lowest])))
    return _("The loss along the straight line from the starting weights (t = 0) to the trained ones (t = 1).") + \
        " " + "; ".join(parts) + "."


def loss_line_table(lines: Sequence[Line]) -> pd.DataFrame:
    rows = [{_("run"): line.name, "t": round(float(t), 3), _("loss"): f"{loss:.4g}"}
            for line in lines for t, loss in zip(line.t, line.loss)]
    return pd.DataFrame(rows)


def templates_summary(name: str, step: int, units: int, dead: int) -> str:
    return _("{name}: the incoming weights of the first {units} units of layer 1 after {step:,} steps, each as a "
             "28×28 image; {dead} of them dead.", name=name, units=units, step=step, dead=dead)
