"""What a sweep is: a base config, one to three varied settings, a sampler, seeds per point, a budget.

A :class:`SweepSpec` is plain data like :class:`explainer.config.RunConfig`:
it round-trips through a URL query (so a teacher can send a sweep) and through
the command line's ``--grid``/``--range`` options. Each varied setting is an
:class:`Axis`: grid values typed or spaced linearly or logarithmically, or a
range that the random and TPE samplers draw from. Besides every numeric and
choice field of the config, two axes act on the hidden layers: ``width``
(every hidden layer that wide) and ``depth`` (that many hidden layers of the
base's first width).

A finished run of a sweep is summed up in a :class:`SweepRecord`: small
enough to keep hundreds per visitor, with the weights left in the run store.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import FIELDS, ConfigError, Notice, RunConfig
from .i18n import N_

SAMPLERS = ("grid", "random", "tpe")
VIRTUAL = {"width": N_("Hidden width (every hidden layer)"), "depth": N_("Hidden layers (depth)")}
NOT_SWEPT = ("hidden", "seed", "eval_every", "validation", "l2_per_batch")
SWEEPABLE = tuple(name for name in FIELDS if name not in NOT_SWEPT) + tuple(VIRTUAL)
MAX_AXES = 3
MAX_VALUES = 12  # per grid axis
MAX_SEEDS = 5
MAX_TRIALS = 200
STATUSES = ("queued", "running", "done", "diverged", "stopped", "failed", "cancelled")


class SweepError(ValueError):
    """A sweep definition that cannot be run, with a message for the learner.

    Raised as ``SweepError(N_("{name}: a value is repeated"), name=...)``, like
    :class:`~explainer.config.ConfigError`: ``str(error)`` is the English sentence
    (the CLI prints it), :attr:`notice` the same as a translatable
    :class:`~explainer.config.Notice` (``template`` and ``values``; a value may be
    a Notice itself, e.g. the config error of an invalid point).
    """

    def __init__(self, template: str, **values: Any) -> None:
        self.notice = Notice(template, values)
        self.template, self.values = template, values
        super().__init__(str(self.notice))


def axis_kind(name: str) -> str:
    """'choice', 'int' or 'float' for a sweepable setting."""
    if name in VIRTUAL:
        return "int"
    if FIELDS[name].choices:
        return "choice"
    default = getattr(RunConfig(), name)
    if isinstance(default, bool):
        return "choice"
    return "int" if isinstance(default, int) else "float"


def axis_bounds(name: str) -> tuple[float, float]:
    """The smallest and largest value a numeric setting may take."""
    if name == "width":
        return 1, FIELDS["hidden"].high
    if name == "depth":
        return 0, 4
    return FIELDS[name].low, FIELDS[name].high


def axis_choices(name: str) -> tuple:
    """The values a choice setting may take."""
    if FIELDS[name].choices:
        return FIELDS[name].choices
    return (False, True)


@dataclass(frozen=True)
class Axis:
    """One varied setting: grid ``values``, or a ``low``–``high`` range for random/TPE (``log``: log-spaced)."""

    name: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        if self.name not in SWEEPABLE:
            raise SweepError(N_("{name} cannot be varied; choose from {choices}"), name=repr(self.name),
                             choices=", ".join(SWEEPABLE))
        kind = axis_kind(self.name)
        object.__setattr__(self, "values", tuple(_typed(self.name, kind, value) for value in self.values))
        if self.values:
            if len(self.values) > MAX_VALUES:
                raise SweepError(N_("{name}: at most {most} values"), name=self.name, most=MAX_VALUES)
            if len(set(self.values)) != len(self.values):
                raise SweepError(N_("{name}: a value is repeated"), name=self.name)
        elif kind == "choice":
            object.__setattr__(self, "values", axis_choices(self.name))
        elif self.low is None or self.high is None:
            raise SweepError(N_("{name}: give values or a range"), name=self.name)
        else:
            low, high = axis_bounds(self.name)
            if not (low <= self.low < self.high <= high):
                raise SweepError(N_("{name}: the range must lie within {low:g}..{high:g} with low < high"),
                                 name=self.name, low=low, high=high)
            if self.log and self.low <= 0:
                raise SweepError(N_("{name}: a logarithmic range must start above 0"), name=self.name)

    @property
    def kind(self) -> str:
        return axis_kind(self.name)

    @property
    def is_range(self) -> bool:
        return not self.values

    def apply(self, config: RunConfig, value: Any) -> RunConfig:
        """``config`` with this setting at ``value`` (validated: may raise ConfigError)."""
        if self.name == "width":
            depth = max(len(config.hidden), 1)
            return config.replace(hidden=(int(value),) * depth)
        if self.name == "depth":
            width = config.hidden[0] if config.hidden else 64
            return config.replace(hidden=(width,) * int(value))
        return config.replace(**{self.name: value})

    def value_of(self, config: RunConfig) -> Any:
        """This setting's value in ``config``."""
        if self.name == "width":
            return config.hidden[0] if config.hidden else 0
        if self.name == "depth":
            return len(config.hidden)
        return getattr(config, self.name)

    def to_text(self) -> str:
        """The axis as the URL and the CLI write it: ``lr:0.01,0.1`` or ``lr:0.0001..1*log``."""
        if self.values and not (self.kind == "choice" and self.values == axis_choices(self.name)):
            return f"{self.name}:" + ",".join(_shown(value) for value in self.values) + ("*log" if self.log else "")
        if self.values:
            return f"{self.name}:*"
        return f"{self.name}:{_shown(self.low)}..{_shown(self.high)}" + ("*log" if self.log else "")


def spaced(name: str, low: float, high: float, count: int, log: bool) -> Axis:
    """A grid axis of ``count`` values from ``low`` to ``high``, evenly or logarithmically spaced.

    Whole-number settings are rounded (duplicates dropped); values print with 3 significant digits.
    """
    if count < 2 or count > MAX_VALUES:
        raise SweepError(N_("{name}: between 2 and {most} values"), name=name, most=MAX_VALUES)
    if log and low <= 0:
        raise SweepError(N_("{name}: a logarithmic spacing must start above 0"), name=name)
    points = np.geomspace(low, high, count) if log else np.linspace(low, high, count)
    if axis_kind(name) == "int":
        values = tuple(dict.fromkeys(int(round(p)) for p in points))
    else:
        values = tuple(float(f"{p:.3g}") for p in points)
    return Axis(name, values, log=log)


def parse_axis(text: str) -> Axis:
    """Read an axis written by :meth:`Axis.to_text` (also ``name:low..high/count`` for spaced grid values)."""
    name, _, spec = text.partition(":")
    name, spec = name.strip(), spec.strip()
    if not name or not spec:
        raise SweepError(N_("an axis is written field:values, e.g. learning_rate:0.01,0.1; got {text}"),
                         text=repr(text[:40]))
    if name not in SWEEPABLE:
        raise SweepError(N_("{name} cannot be varied; choose from {choices}"), name=repr(name[:40]),
                         choices=", ".join(SWEEPABLE))
    log = spec.endswith("*log")
    spec = spec.removesuffix("*log")
    if spec == "*":
        return Axis(name)
    if ".." in spec:
        span, _, count = spec.partition("/")
        low_text, _, high_text = span.partition("..")
        low, high = _number(name, low_text), _number(name, high_text)
        if count:
            return spaced(name, low, high, int(_number(name, count)), log)
        return Axis(name, low=low, high=high, log=log)
    return Axis(name, tuple(part.strip() for part in spec.split(",") if part.strip()), log=log)


@dataclass(frozen=True)
class SweepSpec:
    """A whole sweep. ``trials`` is the number of points for the random and TPE samplers."""

    base: RunConfig
    axes: tuple[Axis, ...]
    sampler: str = "grid"
    trials: int = 0
    seeds: int = 1

    def __post_init__(self) -> None:
        if not 1 <= len(self.axes) <= MAX_AXES:
            raise SweepError(N_("vary between 1 and {most} settings"), most=MAX_AXES)
        names = [axis.name for axis in self.axes]
        if len(set(names)) != len(names):
            raise SweepError(N_("each setting may be varied only once"))
        if "width" in names and "depth" in names:
            raise SweepError(N_("vary width or depth, not both"))
        if self.sampler not in SAMPLERS:
            raise SweepError(N_("the sampler is one of {choices}"), choices=", ".join(SAMPLERS))
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise SweepError(N_("between 1 and {most} seeds per point"), most=MAX_SEEDS)
        if self.sampler == "grid":
            if any(axis.is_range for axis in self.axes):
                raise SweepError(N_("a grid needs values for every setting, not a range"))
        elif not 1 <= self.trials <= MAX_TRIALS:
            raise SweepError(N_("random and TPE sweeps need between 1 and {most} trials"), most=MAX_TRIALS)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(axis.name for axis in self.axes)

    def grid(self) -> list[dict[str, Any]]:
        """Every point of a grid sweep, first axis slowest."""
        return [dict(zip(self.names, values)) for values in itertools.product(*(axis.values for axis in self.axes))]

    @property
    def points_planned(self) -> int:
        return len(self.grid()) if self.sampler == "grid" else self.trials

    @property
    def runs_planned(self) -> int:
        return self.points_planned * self.seeds

    def config_at(self, point: dict[str, Any], replicate: int = 0) -> RunConfig:
        """The run for ``point`` and the ``replicate``-th seed (the base's seed + replicate)."""
        config = self.base
        for axis in self.axes:
            config = axis.apply(config, point[axis.name])
        return config.replace(seed=(self.base.seed + replicate) % (2**31 - 1))

    def to_query(self) -> dict[str, str]:
        """The sweep as URL query parameters (the base config travels separately, as the sidebar's)."""
        query = {"sweep": ";".join(axis.to_text() for axis in self.axes), "sampler": self.sampler,
                 "seeds": str(self.seeds)}
        if self.sampler != "grid":
            query["trials"] = str(self.trials)
        return query

    @classmethod
    def from_query(cls, query: dict[str, str], base: RunConfig) -> SweepSpec:
        """Inverse of :meth:`to_query`; raises :class:`SweepError` naming what is wrong."""
        text = query.get("sweep", "")
        if len(text) > 2000:
            raise SweepError(N_("the sweep in this link is too long"))
        axes = tuple(parse_axis(part) for part in text.split(";") if part.strip())
        try:
            return cls(base, axes, query.get("sampler", "grid"), int(_number("trials", query.get("trials", "0"))),
                       int(_number("seeds", query.get("seeds", "1"))))
        except SweepError:
            raise
        except (TypeError, ValueError) as error:
            raise SweepError(N_("this sweep cannot be read: {error}"), error=str(error)) from error


@dataclass(frozen=True)
class SweepRecord:
    """One run of a sweep, summed up.

    Attributes
    ----------
    point : the varied settings' values, e.g. ``{"learning_rate": 0.1, "batch_size": 32}``.
    replicate : which seed of the point (0-based); ``config.seed`` is the actual seed.
    status : one of :data:`STATUSES`.
    val_accuracy, train_accuracy, test_accuracy : final accuracies in [0, 1] (None until known).
    seconds : wall-clock training time in the worker.
    loss : (k,) the batch loss thinned to a few dozen points, for sparklines.
    curve : (e, 3) the evaluations as (epoch, train accuracy, validation accuracy).
    message : the trainer's or the worker's explanation when it diverged, stopped or failed, as a
        :class:`~explainer.config.Notice` (``str()`` is the English; :func:`explainer.i18n.render` translates it).
    dead_fraction, saturated_fraction : the last measurement's worst hidden layer (0 where they do
        not apply), for the failure causes.
    """

    point: dict[str, Any]
    replicate: int
    config: RunConfig
    status: str = "queued"
    job_id: int = 0
    val_accuracy: float | None = None
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    seconds: float | None = None
    loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    curve: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    message: Notice | str | None = None
    dead_fraction: float = 0.0
    saturated_fraction: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in ("done", "diverged", "stopped", "failed", "cancelled")


def _typed(name: str, kind: str, value: Any) -> Any:
    if kind == "choice":
        choices = axis_choices(name)
        if isinstance(value, str) and value.lower() in ("true", "false") and False in choices:
            value = value.lower() == "true"
        if value not in choices:
            raise SweepError(N_("{name} must be one of {choices}; got {value}"), name=name,
                             choices=", ".join(map(str, choices)), value=repr(str(value)[:40]))
        return value
    number = _number(name, value)
    low, high = axis_bounds(name)
    if not low <= number <= high:
        raise SweepError(N_("{name} must be between {low:g} and {high:g}; got {value}"), name=name, low=low,
                         high=high, value=_shown(number))
    if kind == "int":
        if not float(number).is_integer():
            raise SweepError(N_("{name} takes whole numbers; got {value}"), name=name, value=_shown(number))
        return int(number)
    return float(number)


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise SweepError(N_("{name}: {value} is not a number"), name=name, value=repr(str(value)[:40])) from None
    if not math.isfinite(number):
        raise SweepError(N_("{name}: {value} is not a finite number"), name=name, value=repr(str(value)[:40]))
    return number


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_configs(spec: SweepSpec) -> None:
    """Raise SweepError when a grid point makes an invalid config (e.g. cross-entropy on a linear output)."""
    if spec.sampler != "grid":
        return
    for point in spec.grid():
        try:
            spec.config_at(point)
        except ConfigError as error:
            shown = ", ".join(f"{k}={_shown(v)}" for k, v in point.items())
            raise SweepError(N_("the point {point} is not a valid network: {error}"), point=shown,
                             error=getattr(error, "notice", str(error))) from error
