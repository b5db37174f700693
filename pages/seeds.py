"""Seed tutorials: the five networks this app grew from, side by side, each one click from training."""

import streamlit as st

from explainer import trainer
from explainer.presets import PRESETS
from ui import state, training
from ui.frame import ensure_frame

ensure_frame()

SWITCH_KEY = "seeds.switch"
SAMPLING = {"shuffle": "shuffled", "sequential": "file order", "replacement": "random draws"}


def _train_preset(name: str) -> None:
    """Button callback: load the preset into the sidebar and ask the Train page to start."""
    state.set_config(PRESETS[name].config, preset=name)
    training.request_training()
    st.session_state[SWITCH_KEY] = True


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _row(preset) -> dict[str, str]:
    """What the tutorial built, in the words of the table."""
    c = preset.config
    n_train = 50_000 if c.validation == "train_tail" else 60_000  # full MNIST, as the tutorials ran it
    _, _, total = trainer.plan(c, n_train)
    schedule = {"constant": "constant", "cosine": "cosine to 0",
                "exponential": f"×{c.decay_rate:g} every {c.decay_steps} steps"}[c.schedule]
    extras = "".join([f", momentum {c.momentum:g}" if c.momentum else "", f", L2 {c.l2:g}" if c.l2 else ""])
    return {
        "Preset": preset.title.split(":")[0],
        "Claimed": _percent(preset.claimed),
        "Measured": _percent(preset.measured),
        "Layers": "-".join(map(str, c.layer_sizes)),
        "Activations": f"{c.activation} → {c.output}",
        "Loss": c.loss.replace("_", "-"),
        "Batch": (f"full ({n_train:,})" if c.full_batch else f"{c.batch_size}, {SAMPLING[c.sampling]}"),
        "Learning rate": f"{c.learning_rate:g}{extras}",
        "Schedule": schedule,
        "Iterations": f"{total:,} steps" if c.steps else f"{c.epochs} epoch{'s' * (c.epochs > 1)} = {total:,} steps",
    }


if st.session_state.pop(SWITCH_KEY, False):
    st.switch_page("pages/train.py")

st.title("Seed tutorials")
st.markdown(
    "This app started from five NumPy tutorials (the *seeds*). Each one is rebuilt here as a preset that keeps "
    "its architecture, activations, loss, initialisation, batch size, learning rate, schedule and iteration count "
    "as written. **Claimed** is the tutorial's own test accuracy; **measured** is what the preset reaches here on "
    "the full MNIST test set (— where a figure is not given or not yet measured).")
st.dataframe([_row(preset) for preset in PRESETS.values()], hide_index=True, width="stretch")

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
                       "network, so the two runs take a few minutes on the full data.", icon="⏳")
        st.button("Train this preset", key=f"seeds.train.{name}", icon="▶️", on_click=_train_preset, args=(name,))
