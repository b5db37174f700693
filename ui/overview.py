"""The Overview page's parts: MNIST at a glance and the network the sidebar describes, each chart with words.

Every chart goes through :func:`ui.charts.show_chart`: a summary sentence for
a screen reader and, where the chart holds numbers, a table of them.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainer.config import RunConfig
from explainer.figures.digits import average_digits, class_counts, digit_grid
from explainer.figures.network import network_diagram, parameter_count
from explainer.i18n import render
from ui import charts, resources
from ui.i18n import _, language

EXAMPLES_PER_DIGIT = 3
AVERAGE_OVER = 10_000  # images averaged per figure; enough for a smooth mean, light on memory
ACTIVATION_WORDS = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}


@st.cache_data(show_spinner=False, max_entries=4)
def _data_figures(description: str, train_name: str, test_name: str, lang: str):
    """(example grid, class counts, class averages, counts per split) for the dataset ``description`` names.

    ``lang`` keys the cache: the figures' words are in that language (the visitor's).
    """
    data = resources.mnist()
    images, labels = data.train_images, data.train_labels
    # EXAMPLES_PER_DIGIT rows, one column per digit: row r holds the r-th image of each digit.
    picks = [np.flatnonzero(labels == digit)[:EXAMPLES_PER_DIGIT] for digit in range(10)]
    order = [picks[digit][row] for row in range(EXAMPLES_PER_DIGIT) for digit in range(10)
             if row < len(picks[digit])]
    grid = digit_grid(images[order], labels[order], columns=10, translate=_)
    splits = {train_name: labels, test_name: data.test_labels}
    counts = {name: np.bincount(values, minlength=10)[:10] for name, values in splits.items()}
    n = min(AVERAGE_OVER, len(labels))
    return (grid, class_counts(splits, translate=_), average_digits(images[:n], labels[:n], translate=_),
            counts)


@st.cache_data(show_spinner=False, max_entries=32)
def _network_figure(layer_sizes: tuple[int, ...], activation: str, output: str, lang: str):
    return network_diagram(layer_sizes, activation, output, translate=_)  # lang: the cache keeps one per language


def show_data() -> None:
    """Real digits, how many there are of each, and the average of each, with text alternatives."""
    data = resources.mnist()
    st.caption(_("In use: {data}.", data=render(data.summary_notice, _)))
    grid, counts_figure, averages, counts = _data_figures(data.description, _("train"), _("test"), language())
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(_("**{n} real training images of each digit.** Each is 28×28 = 784 pixels, 0 (black) to 255 "
                      "(white ink). The network never sees a picture: it sees those 784 numbers in one long row.",
                      n=EXAMPLES_PER_DIGIT))
        charts.show_chart(grid, key="overview.grid", summary=_(
            "{n} handwritten examples of each digit from 0 to 9, white ink on black.", n=EXAMPLES_PER_DIGIT))
    with right:
        st.markdown(_("**How many images of each digit.** The ten classes are roughly balanced, so a model that "
                      "always guessed one digit would be right only about 10% of the time."))
        charts.show_chart(counts_figure, key="overview.counts", summary=charts.counts_summary(counts),
                          table=charts.counts_table(counts))
    n_averaged = min(AVERAGE_OVER, len(data.train_labels))
    st.markdown(_("**The average image of each digit** (over the first {n:,} training images). Blurry, because "
                  "people write the same digit in many ways: a single template per digit is not enough, which is "
                  "why the network needs hidden layers.", n=n_averaged))
    charts.show_chart(averages, key="overview.averages", summary=_(
        "The average image of each digit from 0 to 9: blurred but recognisable shapes, brightest where most "
        "writers put ink."))


def _network_sentence(config: RunConfig) -> str:
    hidden = config.hidden
    if not hidden:
        body = _("No hidden layer: the 784 pixels feed the 10 outputs directly (softmax regression).")
    else:
        activation = ACTIVATION_WORDS[config.activation]
        if len(hidden) == 1:
            body = _("One hidden layer of {width} {activation} units between the 784 pixels and the 10 digit "
                     "scores.", width=hidden[0], activation=activation)
        else:
            body = _("{count} hidden layers of {widths} and {last} {activation} units between the 784 pixels and "
                     "the 10 digit scores.", count=len(hidden), widths=", ".join(map(str, hidden[:-1])),
                     last=hidden[-1], activation=activation)
    output = {"softmax": _("At the end a softmax turns the 10 scores into probabilities that sum to 1"),
              "sigmoid": _("At the end a sigmoid squashes each of the 10 scores into (0, 1) on its own"),
              "linear": _("At the end the 10 scores are used as they are")}[config.output]
    loss = {"cross_entropy": _("cross-entropy"), "mse": _("mean squared error")}[config.loss]
    return body + " " + _("{output}, and training minimises {loss}.", output=output, loss=loss)


def _layer_table(config: RunConfig) -> dict[str, list]:
    sizes = config.layer_sizes
    names = [_("input")] + [_("hidden {n}", n=i) for i in range(1, len(sizes) - 1)] + [_("output")]
    kinds = ["—"] + [ACTIVATION_WORDS[config.activation]] * (len(sizes) - 2) + [config.output]
    return {_("layer"): names, _("units"): list(sizes), _("activation"): kinds,
            _("weights in"): [0] + [a * b for a, b in zip(sizes[:-1], sizes[1:])],
            _("biases"): [0] + list(sizes[1:])}


def show_network(config: RunConfig) -> None:
    """The layer sizes in words, the node-link diagram with its table of layers, and the parameter count."""
    sizes = config.layer_sizes
    arrows = " → ".join(map(str, sizes))
    st.markdown(f"**{arrows}**. " + _network_sentence(config) + " " + _(
        "Each grey fan of lines is one weight matrix: every unit on the left is connected to every unit on the "
        "right."))
    charts.show_chart(_network_figure(sizes, config.activation, config.output, language()), key="overview.network",
                      summary=_("Diagram of the network {arrows}: {count:,} parameters, every unit joined to every "
                                "unit of the next layer.", arrows=arrows, count=parameter_count(sizes)),
                      table=_layer_table(config))
    terms = " + ".join(f"{n_in}·{n_out} + {n_out}" for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    st.markdown(_("**Parameters** (one weight per line plus one bias per unit, Σ n_in·n_out + n_out): {sum}.",
                  sum=f"{terms} = **{parameter_count(sizes):,}**"))
