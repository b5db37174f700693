"""Seed tutorials: the five networks this app grew from, side by side, each one click from training."""

import streamlit as st

from explainer import trainer
from explainer.presets import PRESETS
from ui import state, training
from ui.frame import ensure_frame

ensure_frame()

SWITCH_KEY = "seeds.switch"
SAMPLING = {"shuffle": "shuffled", "sequential": "in order", "replacement": "random"}
ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}
LOSSES = {"cross_entropy": "CE", "mse": "MSE"}
COLUMNS = {
    "Preset": st.column_config.TextColumn(width=70),
    "Claimed": st.column_config.TextColumn(width=70, help="The tutorial's own test accuracy."),
    "Measured": st.column_config.TextColumn(width=75, help="What the preset reaches here on the full MNIST test set."),
    "Layers": st.column_config.TextColumn(width=115, help="Units per layer, input to output."),
    "Functions": st.column_config.TextColumn(width=150, help="Hidden activation → output activation, loss "
                                                             "(CE = cross-entropy, MSE = mean squared error)."),
    "Batch": st.column_config.TextColumn(width=105, help="Images per step and how they are drawn."),
    "η": st.column_config.TextColumn(width=50, help="Learning rate (step size)."),
    "Momentum": st.column_config.TextColumn(width=75),
    "L2": st.column_config.TextColumn(width=55, help="Weight decay λ."),
    "Schedule": st.column_config.TextColumn(width=115, help="How the learning rate changes over training."),
    "Steps": st.column_config.TextColumn(width=105, help="Gradient steps in all (and epochs, where the tutorial "
                                                         "counts in epochs)."),
}


def _train_preset(name: str) -> None:
    """Button callback: load the preset into the sidebar and ask the Train page to start."""
    state.set_config(PRESETS[name].config, preset=name)
    training.request_training()
    st.session_state[SWITCH_KEY] = True


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _row(preset) -> dict[str, str]:
    """What the tutorial built, in the short words of the table (see COLUMNS for what each means)."""
    c = preset.config
    n_train = 50_000 if c.validation == "train_tail" else 60_000  # full MNIST, as the tutorials ran it
    _, _, total = trainer.plan(c, n_train)
    schedule = {"constant": "constant", "cosine": "cosine → 0",
                "exponential": f"×{c.decay_rate:g} / {c.decay_steps} steps"}[c.schedule]
    return {
        "Preset": preset.title.split(":")[0],
        "Claimed": _percent(preset.claimed),
        "Measured": _percent(preset.measured),
        "Layers": c.architecture,
        "Functions": f"{ACTIVATIONS.get(c.activation, c.activation)} → {c.output}, {LOSSES.get(c.loss, c.loss)}",
        "Batch": f"full ({n_train:,})" if c.full_batch else f"{c.batch_size}, {SAMPLING[c.sampling]}",
        "η": f"{c.learning_rate:g}",
        "Momentum": f"{c.momentum:g}" if c.momentum else "—",
        "L2": f"{c.l2:g}" if c.l2 else "—",
        "Schedule": schedule,
        "Steps": f"{total:,}" if c.steps else f"{total:,} ({c.epochs} ep.)",
    }


if st.session_state.pop(SWITCH_KEY, False):
    st.switch_page("pages/train.py")

st.title("Seed tutorials")
st.markdown(
    "This app started from five NumPy tutorials (the *seeds*). Each one is rebuilt here as a preset that keeps "
    "its architecture, activations, loss, initialisation, batch size, learning rate, schedule and iteration count "
    "as written. **Claimed** is the tutorial's own test accuracy; **measured** is what the preset reaches here on "
    "the full MNIST test set (— where a figure is not given or not yet measured).")
st.dataframe([_row(preset) for preset in PRESETS.values()], hide_index=True, width="stretch", column_config=COLUMNS)

st.subheader("Train a preset")
st.markdown(
    "**Train this preset** loads it into the sidebar and opens the Train page, which trains it straight away next "
    "to its twin with the learning-rate schedule flipped: seed 2, which decays its rate, is run A against a "
    "constant-rate run B; every other preset is run B (as written) against an exponentially decaying run A "
    "(×0.96 every 100 steps). The run that matches the preset is the one Evaluate and Draw use.")
st.caption("On the full MNIST the small presets train in seconds; seed 3 (9,380 steps through 784-256-128-10) "
           "and seed 4 (10,000 steps) take a minute or two. Every run can be stopped at any time.")
for name, preset in PRESETS.items():
    with st.container(border=True):
        st.markdown(f"**{preset.title}**" + (f" &nbsp;·&nbsp; `{preset.seed_file}`" if preset.seed_file else ""))
        st.caption(preset.description)
        if preset.config.full_batch:
            st.warning("Full-batch gradient descent: each of the 2,400 steps passes all 50,000 images through the "
                       "network, so the two runs take a few minutes on the full data.", icon=":material/hourglass_top:")
        st.button("Train this preset", key=f"seeds.train.{name}", icon=":material/play_arrow:", on_click=_train_preset, args=(name,))
