"""Overview: what MNIST looks like, the network the sidebar describes, and a map of the app."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainer.figures.digits import average_digits, class_counts, digit_grid
from explainer.figures.network import network_diagram, parameter_count
from ui import resources, state
from ui.frame import ensure_frame

ensure_frame()

EXAMPLES_PER_DIGIT = 3
AVERAGE_OVER = 10_000  # images averaged per figure; enough for a smooth mean, light on memory
ACTIVATION_WORDS = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
APP_MAP = (
    ("pages/shapes.py", "Shapes", ":material/calculate:",
     "forward and backward: one training step on four real digits, operation by operation: every formula, "
     "every matrix shape and the actual numbers, in the batch-first or the feature-first convention, plus a "
     "live gradient check."),
    ("pages/train.py", "Train", ":material/show_chart:",
     "train the network on MNIST in your browser session and watch loss and accuracy curves, "
     "with and without a decaying learning rate."),
    ("pages/evaluate.py", "Evaluate", ":material/grid_on:",
     "how good the trained network is on test digits it never saw: confusion matrix, per-digit "
     "precision and recall, and its most confident mistakes."),
    ("pages/draw.py", "Draw a digit", ":material/draw:",
     "write your own digit and see the network's probabilities and hidden activations for it."),
    ("pages/seeds.py", "Seed tutorials", ":material/eco:",
     "the five from-scratch NumPy tutorials this app grew from, each loadable as a preset, "
     "with what they claim and what we measured."),
)


@st.cache_data(show_spinner=False, max_entries=4)
def _data_figures(description: str):
    """(example grid, class counts, class averages) for the dataset described by ``description``."""
    data = resources.mnist()
    images, labels = data.train_images, data.train_labels
    # EXAMPLES_PER_DIGIT rows, one column per digit: row r holds the r-th image of each digit.
    picks = [np.flatnonzero(labels == digit)[:EXAMPLES_PER_DIGIT] for digit in range(10)]
    order = [picks[digit][row] for row in range(EXAMPLES_PER_DIGIT) for digit in range(10)
             if row < len(picks[digit])]
    grid = digit_grid(images[order], labels[order], columns=10)
    counts = class_counts({"train": labels, "test": data.test_labels})
    n = min(AVERAGE_OVER, len(labels))
    averages = average_digits(images[:n], labels[:n])
    return grid, counts, averages


@st.cache_data(show_spinner=False, max_entries=32)
def _network_figure(layer_sizes: tuple[int, ...], activation: str, output: str):
    return network_diagram(layer_sizes, activation, output)


def _parameter_sum(layer_sizes: tuple[int, ...]) -> str:
    """'784·128 + 128 + 128·10 + 10 = 101,770': weights plus biases, layer by layer."""
    terms = [f"{n_in}·{n_out} + {n_out}" for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]
    return f"{' + '.join(terms)} = **{parameter_count(layer_sizes):,}**"


def _network_sentence(config) -> str:
    hidden = config.hidden
    if not hidden:
        body = "No hidden layer: the 784 pixels feed the 10 outputs directly (softmax regression)."
    else:
        units = f"{ACTIVATION_WORDS[config.activation]} units"
        if len(hidden) == 1:
            layers = f"One hidden layer of {hidden[0]} {units}"
        else:
            widths = ", ".join(str(w) for w in hidden[:-1]) + f" and {hidden[-1]}"
            layers = f"{len(hidden)} hidden layers of {widths} {units}"
        body = f"{layers} between the 784 pixels and the 10 digit scores."
    output = {"softmax": "a softmax turns the 10 scores into probabilities that sum to 1",
              "sigmoid": "a sigmoid squashes each of the 10 scores into (0, 1) on its own",
              "linear": "the 10 scores are used as they are"}[config.output]
    loss = {"cross_entropy": "cross-entropy", "mse": "mean squared error"}[config.loss]
    return f"{body} At the end {output}, and training minimises {loss}."


config = state.current()
data = resources.mnist()

st.title("How a NumPy network learns to read digits")
st.markdown(
    "Everything in this app is computed by a small fully connected network written from scratch in NumPy: "
    "no TensorFlow, no PyTorch, just matrix products, an activation function and the chain rule. "
    "It learns from **real MNIST** handwritten digits. Change the network in the sidebar and every page follows.")

st.header("1 · The data: MNIST")
st.caption(f"In use: {data.description}.")
left, right = st.columns([3, 2], gap="large")
grid, counts, averages = _data_figures(data.description)
with left:
    st.markdown(f"**{EXAMPLES_PER_DIGIT} real training images of each digit.** Each is 28×28 = 784 pixels, "
                "0 (black) to 255 (white ink). The network never sees a picture: it sees those 784 numbers "
                "in one long row.")
    st.plotly_chart(grid, key="overview.grid", width="stretch", config={"displayModeBar": False})
with right:
    st.markdown("**How many images of each digit.** The ten classes are roughly balanced, so a model "
                "that always guessed one digit would be right only about 10% of the time.")
    st.plotly_chart(counts, key="overview.counts", width="stretch", config={"displayModeBar": False})
n_averaged = min(AVERAGE_OVER, len(data.train_labels))
st.markdown(f"**The average image of each digit** (over the first {n_averaged:,} training images). "
            "Blurry, because people write the same digit in many ways: a single template per digit "
            "is not enough, which is why the network needs hidden layers.")
st.plotly_chart(averages, key="overview.averages", width="stretch", config={"displayModeBar": False})

st.header("2 · The network")
sizes = config.layer_sizes
st.markdown(f"**{' → '.join(str(n) for n in sizes)}**. {_network_sentence(config)} "
            "Each grey fan of lines is one weight matrix: every unit on the left is connected to every "
            "unit on the right.")
st.plotly_chart(_network_figure(sizes, config.activation, config.output), key="overview.network",
                width="stretch", config={"displayModeBar": False})
st.markdown(f"**Parameters** (one weight per line plus one bias per unit, Σ n_in·n_out + n_out): "
            f"{_parameter_sum(sizes)}.")

st.header("3 · Where to go next")
st.markdown(
    "Start with **Shapes** to follow one training step by hand, then **Train** the network and watch it "
    "learn, **Evaluate** what it got right and wrong, **Draw** your own digit to test it, and compare the "
    "original **Seed** tutorials. The sidebar's preset menu loads any of those tutorials' networks.")
for path, label, icon, what in APP_MAP:
    link, text = st.columns([1, 3], vertical_alignment="center")
    with link:
        st.page_link(path, label=label, icon=icon)
    with text:
        st.markdown(what[0].upper() + what[1:])
