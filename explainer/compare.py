"""Pairs of runs that differ in exactly one setting, and the one-click experiments built on them.

Two configs with the same seed share their initial weights (when the
architecture and initialisation agree) and their batch order (when the batch
size and sampling agree), so the difference in their curves is down to the
one setting that differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import FIELDS, RunConfig
from .i18n import N_, Translate, same

DECAY = "schedule"
COMPARABLE = ("schedule", "learning_rate", "momentum", "init", "init_scale", "activation", "batch_size", "epochs",
              "l2", "loss", "normalization")


def decay_pair(config: RunConfig) -> tuple[RunConfig, RunConfig]:
    """(with exponential decay, without decay) from one config.

    The decay run keeps the config's own decay factor and period; if the
    config says 'constant', exponential decay with those values is switched on.
    """
    decayed = config if config.schedule != "constant" else config.replace(schedule="exponential")
    return decayed, config.replace(schedule="constant")


def comparison_pair(config: RunConfig, field: str, value_b: Any = None) -> tuple[RunConfig, RunConfig]:
    """(run A, run B): A is ``config``, B differs only in ``field`` (set to ``value_b``).

    For ``field == 'schedule'`` the pair is always decay vs no decay.
    Changing the loss to cross-entropy on a linear output also switches B's
    output to softmax (cross-entropy needs probabilities); that is the only
    coupled change.
    """
    if field not in COMPARABLE:
        raise ValueError(f"cannot compare on {field!r}; choose from {', '.join(COMPARABLE)}")
    if field == DECAY:
        return decay_pair(config)
    changes: dict[str, Any] = {field: FIELDS[field].coerce(value_b)}
    if field == "loss" and value_b == "cross_entropy" and config.output == "linear":
        changes["output"] = "softmax"
    return config, config.replace(**changes)


def describe_difference(a: RunConfig, b: RunConfig, translate: Translate = same) -> tuple[str, str]:
    """Short labels for the two runs, e.g. ('schedule = exponential', 'schedule = constant').

    The labels name the fields and values as the config writes them; ``translate``
    only turns the words of two identical runs into the reader's language.
    """
    differing = [name for name in FIELDS if getattr(a, name) != getattr(b, name)]
    if not differing:
        return "A", translate(N_("B (identical)"))
    return (", ".join(f"{name} = {getattr(a, name)}" for name in differing),
            ", ".join(f"{name} = {getattr(b, name)}" for name in differing))


CHARTS: dict[str, str] = {
    "curves": N_("Loss and accuracy"),
    "gradients": N_("Gradients per layer over training"),
    "units": N_("Dead and saturated units over training"),
    "templates": N_("First-layer templates"),
    "loss_line": N_("The loss along the way"),
}
"""The Train page's charts an experiment can point to, by name, with their titles."""


@dataclass(frozen=True)
class Experiment:
    """A one-click comparison with two sentences on what to notice.

    ``chart`` names the chart of the Train page that shows the lesson (a key
    of :data:`CHARTS`) and ``pointer`` says in one sentence what to look for there.
    """

    name: str
    title: str  # English, marked for translation: the app shows _(experiment.title)
    notice: str  # likewise
    config: RunConfig
    field: str
    value_b: Any
    chart: str = "curves"
    pointer: str = ""

    @property
    def chart_title(self) -> str:
        """The title of the chart that shows this experiment's lesson (untranslated)."""
        return CHARTS[self.chart]


_QUICK = RunConfig(hidden=(64,), epochs=4, train_size=10_000, eval_every=40)

EXPERIMENTS: dict[str, Experiment] = {experiment.name: experiment for experiment in (
    Experiment("zero-init", N_("All-zero initialisation vs He"),
               N_("With every weight at zero, every hidden unit computes the same thing and receives the same "
                  "gradient, so they stay identical forever and the network is no better than a linear model. "
                  "He initialisation breaks the symmetry and learns far faster."),
               _QUICK.replace(init="zeros"), "init", "he", "units",
               N_("In “Dead and saturated units”, run A keeps 1 distinct unit of 64 from the first step to the last.")),
    Experiment("large-init-sigmoid", N_("Large initialisation with sigmoid"),
               N_("Weights drawn with standard deviation 1 push sigmoid units into their flat tails, where the "
                  "gradient a(1-a) is nearly zero. Learning crawls compared with the seeds' small 0.01 scale."),
               _QUICK.replace(activation="sigmoid", init="normal", init_scale=1.0), "init", "xavier", "gradients",
               N_("In “Gradients per layer”, run A's W1 updates stay below the healthy band, tiny next to its "
                  "huge weights; “Dead and saturated units” shows why: most of A's units are saturated.")),
    Experiment("relu-vs-sigmoid", N_("ReLU vs sigmoid"),
               N_("ReLU passes gradients through unchanged wherever a unit is active, sigmoid shrinks them by at "
                  "least 4×. Same weights, same batches: watch ReLU pull ahead in the first epoch."),
               _QUICK, "activation", "sigmoid", "gradients",
               N_("In “Gradients per layer”, the sigmoid run's gradient per weight shrinks from W2 to W1 far more "
                  "than the ReLU run's: each sigmoid layer multiplies it by at most 1/4.")),
    Experiment("batch-1-vs-128", N_("SGD batch 1 vs mini-batch 128"),
               N_("A batch of one gives a noisy gradient at every image, so its loss curve is jagged and it needs "
                  "a small learning rate. Mini-batches average the noise and use the CPU far better."),
               _QUICK.replace(batch_size=1, learning_rate=0.01, steps=3000, eval_every=100, train_size=3000),
               "batch_size", 128, "curves",
               N_("In the loss curves, batch 1 is a noisy band while batch 128 is a thin line.")),
    Experiment("minibatch-vs-full", N_("Mini-batch vs full-batch gradient descent"),
               N_("Full-batch gradient descent (last seed) takes one precise step per epoch, mini-batches take "
                  "hundreds of rougher ones. Per pass over the data, mini-batches win by far."),
               _QUICK.replace(train_size=5000, epochs=20, eval_every=0), "batch_size", 0, "loss_line",
               N_("In “The loss along the way”, the full-batch run ends higher on the same straight line: it took "
                  "far fewer steps downhill.")),
    Experiment("l2", N_("L2 on vs off"),
               N_("λ = 0.001 adds λW to every weight gradient, so weights decay unless the data needs them. "
                  "Compare the weight histograms at the end: L2 keeps them narrower."),
               _QUICK.replace(l2=0.001), "l2", 0.0, "gradients",
               N_("In “Gradients per layer”, the bottom row: the weights' norm grows more slowly with L2, "
                  "because every step also shrinks them by λW.")),
    Experiment("mse-vs-ce", N_("MSE vs cross-entropy"),
               N_("Squared error on softmax outputs gives small gradients when the network is confidently wrong; "
                  "cross-entropy gives the largest gradients exactly there. Cross-entropy learns faster."),
               _QUICK.replace(loss="mse"), "loss", "cross_entropy", "gradients",
               N_("In “Gradients per layer”, the MSE run's gradients start smaller than the cross-entropy run's "
                  "in every layer.")),
    Experiment("normalisation", N_("[0,1] scaling vs per-image standardisation"),
               N_("Standardising each image (second seed) centres its pixels around zero with unit spread; "
                  "dividing by 255 keeps them positive. Both train well at this learning rate; raw 0..255 would not."),
               _QUICK, "normalization", "standardize", "gradients",
               N_("In “Gradients per layer”, the standardised run's W1 gradient starts several times larger: "
                  "its inputs are bigger and centred on zero.")),
    Experiment("decay", N_("Exponential decay vs none"),
               N_("With decay the step size shrinks as lr·β^(step // k): the loss settles lower and less noisily. "
                  "Without it, a rate that is good early keeps the loss bouncing late."),
               _QUICK.replace(learning_rate=0.5, schedule="exponential", decay_rate=0.8, decay_steps=50),
               "schedule", "constant", "gradients",
               N_("In “Gradients per layer”, the decaying run's update/weight ratio falls step by step with the "
                  "learning rate while the constant run's stays high.")),
)}
