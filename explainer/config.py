"""The one declared table that describes a training run.

A :class:`RunConfig` is a frozen dataclass of plain values. The same object is
the cache key of a finished run, the state a shared URL carries, the format of
a preset and what gets saved next to a trained model. :data:`FIELDS` documents
every field once (label, allowed values or range, help text); the CLI, the
sidebar and the URL parser all read it instead of repeating it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .i18n import N_

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh")
OUTPUTS = ("softmax", "sigmoid", "linear")
LOSSES = ("cross_entropy", "mse")
INITS = ("he", "xavier", "normal", "uniform", "zeros")
SCHEDULES = ("constant", "exponential", "cosine")
SAMPLINGS = ("shuffle", "sequential", "replacement")
NORMALIZATIONS = ("unit", "standardize", "raw")
VALIDATIONS = ("train_tail", "test_half")
MAX_HIDDEN_LAYERS = 4


@dataclass(frozen=True)
class Notice:
    """A message for a visitor as a template and its values, so the app can translate it (:mod:`ui.i18n`).

    ``str(notice)`` is the plain-English sentence the CLI and the logs print. A value may itself
    be a Notice (an error quoted inside "ignored …: {error}"); the app translates those too.
    """

    template: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**self.values)


class ConfigError(ValueError):
    """A configuration value is out of range or the combination makes no sense.

    Raised as ``ConfigError(N_("{name} is too large"), name=...)``: ``str(error)`` is the English
    sentence, :attr:`notice` the same as a translatable :class:`Notice`.
    """

    def __init__(self, template: str, **values: Any) -> None:
        self.notice = Notice(template, values)
        super().__init__(str(self.notice))


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a training run, and nothing else.

    Two equal configs trained on the same data give bit-identical results, so
    a config is a safe cache key.
    """

    hidden: tuple[int, ...] = (128,)
    activation: str = "relu"
    output: str = "softmax"
    loss: str = "cross_entropy"
    init: str = "he"
    init_scale: float = 0.01
    learning_rate: float = 0.1
    schedule: str = "constant"
    decay_rate: float = 0.96
    decay_steps: int = 100
    l2: float = 0.0
    l2_per_batch: bool = False
    momentum: float = 0.0
    batch_size: int = 128
    epochs: int = 10
    steps: int = 0
    eval_every: int = 0
    sampling: str = "shuffle"
    train_size: int = 0
    validation: str = "train_tail"
    normalization: str = "unit"
    seed: int = 0

    def __post_init__(self) -> None:
        # Accept lists (from JSON or a URL) but store a hashable tuple; store
        # 0 given for a float field as 0.0 so equal configs look equal everywhere.
        object.__setattr__(self, "hidden", tuple(int(w) for w in self.hidden))
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.type == "float" and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, field.name, float(value))
        validate(self)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Widths from input to output, e.g. ``(784, 128, 10)``."""
        return (784, *self.hidden, 10)

    @property
    def architecture(self) -> str:
        """Layer widths as text, e.g. ``'784-256-128-10'``."""
        return "-".join(str(size) for size in self.layer_sizes)

    def key(self) -> str:
        """The config as sorted JSON: equal for equal values even after Streamlit re-imports this module."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @property
    def full_batch(self) -> bool:
        """``batch_size == 0`` means every step sees the whole training set."""
        return self.batch_size == 0

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, ``hidden`` as a list."""
        values = dataclasses.asdict(self)
        values["hidden"] = list(self.hidden)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunConfig:
        """Strict inverse of :meth:`to_dict`: unknown keys or bad values raise ConfigError."""
        if not isinstance(values, dict):
            raise ConfigError(N_("a config is a mapping of field names to values, not {kind}"),
                              kind=type(values).__name__)
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise ConfigError(N_("unknown config fields: {names}"), names=", ".join(sorted(unknown)))
        try:
            return cls(**{name: FIELDS[name].coerce(value) for name, value in values.items()})
        except ConfigError:
            raise
        except (TypeError, ValueError) as error:
            raise ConfigError(N_("not a valid config: {error}"), error=str(error)) from error


@dataclass(frozen=True)
class Field:
    """How one config field is shown, parsed and bounded."""

    name: str
    label: str
    help: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    def coerce(self, value: Any) -> Any:
        """Turn a plain value (maybe a string from a URL) into the field's type."""
        default = getattr(DEFAULT, self.name)
        if self.name == "hidden":
            if isinstance(value, str):
                # "128,64" or "128-64"; "" is no hidden layer. An empty part ("-5", "64,") is an error,
                # so a negative width can never be read as a positive one.
                value = value.replace("-", ",").split(",") if value.strip() else []
                if any(not part.strip() for part in value):
                    raise ConfigError(N_("hidden must be positive widths like 128,64"))
            return tuple(_number(self.name, part, whole=True) for part in value)
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ConfigError(N_("{name} must be true or false, not {value}"), name=self.name,
                                      value=_shown(value))
                return value.lower() in ("true", "1")
            return bool(value)
        if isinstance(default, (int, float)):
            return _number(self.name, value, whole=isinstance(default, int))
        return str(value)

    def check(self, value: Any) -> None:
        """Raise ConfigError when ``value`` is outside the field's choices or range."""
        if self.choices and value not in self.choices:
            raise ConfigError(N_("{name} must be one of {choices}; got {value}"), name=self.name,
                              choices=", ".join(self.choices), value=_shown(value))
        if self.name == "hidden" and len(value) > MAX_HIDDEN_LAYERS:
            raise ConfigError(N_("at most {most} hidden layers; got {count}"), most=MAX_HIDDEN_LAYERS,
                              count=len(value))
        if self.low is None:
            return
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, float) and not math.isfinite(item):
                raise ConfigError(N_("{name} must be a finite number; got {value}"), name=self.name,
                                  value=repr(item))
            if not self.low <= item <= self.high:
                raise ConfigError(N_("{name} must be between {low} and {high}; got {value}"), name=self.name,
                                  low=f"{self.low:g}", high=f"{self.high:g}", value=_shown(item))


def _shown(value: Any) -> str | Notice:
    """A value for an error message, cut short so a hostile URL cannot flood the page."""
    if isinstance(value, int) and abs(value) >= 10**30:
        return Notice(N_("a huge number"))
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(name: str, value: Any, whole: bool) -> int | float:
    """float(value), or an int when ``whole``; ValueError (never OverflowError) for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.integer, np.floating)):
        raise ConfigError(N_("{name} must be a number, not {value}"), name=name, value=type(value).__name__)
    try:
        number = float(value)
    except OverflowError:
        raise ConfigError(N_("{name} is too large"), name=name) from None
    except ValueError:
        raise ConfigError(N_("{name} must be a number, not {value}"), name=name, value=_shown(value)) from None
    if not whole:
        return number
    if not number.is_integer():
        raise ConfigError(N_("{name} must be a whole number, not {value}"), name=name, value=_shown(value))
    return int(number)


_FIELD_LIST = (
    Field("hidden", N_("Hidden layers"), N_("Widths of the hidden layers, input to output. "
          "Empty means softmax regression straight from the 784 pixels."), low=1, high=2048),
    Field("activation", N_("Hidden activation"), N_("The non-linearity after each hidden layer. ReLU learns fastest; "
          "sigmoid and tanh saturate when their inputs are large."), choices=ACTIVATIONS),
    Field("output", N_("Output layer"), N_("softmax gives ten probabilities that sum to 1; sigmoid scores each "
          "digit on its own (first seed); linear leaves raw scores (for MSE, third seed)."), choices=OUTPUTS),
    Field("loss", N_("Loss"), N_("Cross-entropy punishes confident mistakes hard and pairs with softmax or sigmoid; "
          "mean squared error compares the outputs with the one-hot label."), choices=LOSSES),
    Field("init", N_("Weight initialisation"), N_("He and Xavier scale weights by layer width; normal/uniform use a "
          "fixed scale like the seeds; zeros shows the symmetry problem: every hidden unit stays the same."),
          choices=INITS),
    Field("init_scale", N_("Init scale"), N_("Standard deviation of 'normal' (0.01 in the seeds) or width of "
          "'uniform' (0.001 in the first seed). Large values saturate sigmoid units."), low=0.0, high=10.0),
    Field("learning_rate", N_("Learning rate"), N_("Step size of gradient descent. Too small learns slowly; too "
          "large makes the loss explode."), low=1e-6, high=100.0),
    Field("schedule", N_("Learning-rate schedule"), N_("constant keeps the rate; exponential multiplies it by the "
          "decay factor every decay period (lr·β^(step // k), second seed); cosine glides it to zero."),
          choices=SCHEDULES),
    Field("decay_rate", N_("Decay factor β"), N_("Multiplier applied once per decay period (exponential schedule)."),
          low=0.01, high=1.0),
    Field("decay_steps", N_("Decay period k (steps)"), N_("How many steps between two decays (50 in the second seed)."),
          low=1, high=1_000_000),
    Field("l2", N_("L2 strength λ"), N_("Adds λ/2·ΣW² to the loss, so every step also shrinks the weights by λW. "
          "Keeps weights small; too much underfits."), low=0.0, high=10.0),
    Field("l2_per_batch", N_("Scale L2 by batch"), N_("Use λ/m·W as the third seed does, instead of λ·W."), ),
    Field("momentum", N_("Momentum"), N_("Fraction of the previous step kept in the next one; 0 is plain SGD."),
          low=0.0, high=0.99),
    Field("batch_size", N_("Batch size"), N_("Images per gradient step: 1 is the second seed's SGD, 0 means the whole "
          "training set (full-batch gradient descent, last seed)."), low=0, high=60_000),
    Field("epochs", N_("Epochs"), N_("Passes over the training set (ignored when 'steps' is set)."), low=1, high=500),
    Field("steps", N_("Steps"), N_("Stop after exactly this many gradient steps, as the seeds count iterations; "
          "0 trains for whole epochs."), low=0, high=1_000_000),
    Field("eval_every", N_("Evaluate every (steps)"), N_("How often accuracy is measured for the curves; 0 = once "
          "per epoch."), low=0, high=1_000_000),
    Field("sampling", N_("Batch order"), N_("shuffle: a new permutation every epoch; sequential: file order (first "
          "seed); replacement: random images each step (second and fourth seeds)."), choices=SAMPLINGS),
    Field("train_size", N_("Training images"), N_("Use only the first N training images for a quick run; 0 uses "
          "them all."), low=0, high=60_000),
    Field("validation", N_("Validation split"), N_("train_tail: 50k train / 10k validation / 10k test (first seed); "
          "test_half: 60k train / 5k validation / 5k test carved from the test set (third seed)."),
          choices=VALIDATIONS),
    Field("normalization", N_("Input scaling"), N_("unit divides pixels by 255; standardize gives each image mean 0 "
          "and variance 1 (second seed); raw feeds 0..255 as the first and last seeds do."),
          choices=NORMALIZATIONS),
    Field("seed", N_("Random seed"), N_("Fixes the initial weights and the batch order, so runs are reproducible."),
          low=0, high=2**31 - 1),
)
FIELDS: dict[str, Field] = {field.name: field for field in _FIELD_LIST}


def validate(config: RunConfig) -> None:
    """Raise ConfigError naming the first field (or combination) that is not allowed."""
    for field in _FIELD_LIST:
        value = getattr(config, field.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(N_("{name} must be a finite number; got {value}"), name=field.name,
                              value=repr(value))
        field.check(value)
    if config.loss == "cross_entropy" and config.output == "linear":
        raise ConfigError(N_("cross-entropy needs probabilities: use a softmax or sigmoid output, or MSE loss"))


def parse_config(values: dict[str, Any], base: RunConfig | None = None) -> tuple[RunConfig, list[Notice]]:
    """Forgiving parse for untrusted input such as URL query parameters.

    Each bad or unknown value is dropped (the field keeps its value from ``base``)
    and described in the returned list of notices; this never raises.

    Returns
    -------
    config : RunConfig
    notices : list of Notice, one per value that was ignored
        ``str(notice)`` is plain English; the app shows each translated.
    """
    config = base or DEFAULT
    notices: list[Notice] = []
    coerced: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in FIELDS:
            notices.append(Notice(N_("ignored unknown setting {key}"), {"key": repr(name)}))
            continue
        try:
            coerced[name] = FIELDS[name].coerce(raw)
            FIELDS[name].check(coerced[name])
        except (ConfigError, TypeError, ValueError) as error:
            coerced.pop(name, None)
            notices.append(_ignored(name, raw, error))
    try:
        return config.replace(**coerced), notices
    except (ConfigError, TypeError, ValueError):
        pass
    # Fine one by one but not together: apply what fits, retrying until nothing more does,
    # so the order of the URL's parameters cannot decide which of them survive.
    pending = dict(coerced)
    while pending:
        applied = False
        for name, value in list(pending.items()):
            try:
                config = config.replace(**{name: value})
            except (ConfigError, TypeError, ValueError):
                continue
            del pending[name]
            applied = True
        if not applied:
            break
    for name, value in pending.items():
        try:
            config.replace(**{name: value})
        except (ConfigError, TypeError, ValueError) as error:
            notices.append(_ignored(name, value, error))
    return config, notices


def _ignored(name: str, value: Any, error: Exception) -> Notice:
    """'ignored name=value: why', the why translatable when it is one of ours."""
    why = error.notice if isinstance(error, ConfigError) else str(error)
    return Notice(N_("ignored {name}={value}: {error}"), {"name": name, "value": _shown(value), "error": why})


DEFAULT = RunConfig()
