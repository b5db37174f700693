"""The Seeds page's machinery: the table of tutorials, and each preset trained here as a shared job.

Every preset is one job per server: the first visitor who trains it waits for
it, everyone after gets the stored run at once (it is kept on disk too). A
card whose job is queued or training redraws itself every second in a
fragment; the rest of the page stays still.
"""

from __future__ import annotations

import streamlit as st

from explainer import jobs, trainer
from explainer.i18n import render
from explainer.jobs import Job, JobRefused
from explainer.presets import PRESETS, Preset
from ui import jobs as job_layer
from ui import my_runs, state, training
from ui.errors import guarded
from ui.i18n import _

JOBS_KEY = "seeds.jobs"
SWITCH_KEY = "seeds.switch"
LIVE_SECONDS = 1.0
SAMPLING = {"shuffle": "shuffled", "sequential": "in order", "replacement": "random"}
ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}
LOSSES = {"cross_entropy": "CE", "mse": "MSE"}


def columns() -> dict:
    """The table's column settings (header help texts in the visitor's language)."""
    text = st.column_config.TextColumn
    return {
        "Preset": text(_("Preset"), width=70),
        "Claimed": text(_("Claimed"), width=70, help=_("The tutorial's own test accuracy.")),
        "Measured": text(_("Measured"), width=75,
                         help=_("What the preset reaches on the full MNIST test set (measured for the README).")),
        "Here": text(_("Here"), width=75, help=_("Validation accuracy of the preset trained on this server's data, "
                                                 "once someone has trained it here.")),
        "Layers": text(_("Layers"), width=115, help=_("Units per layer, input to output.")),
        "Functions": text(_("Functions"), width=150, help=_("Hidden activation → output activation, loss "
                                                            "(CE = cross-entropy, MSE = mean squared error).")),
        "Batch": text(_("Batch"), width=105, help=_("Images per step and how they are drawn.")),
        "η": text("η", width=50, help=_("Learning rate (step size).")),
        "Momentum": text(_("Momentum"), width=75),
        "L2": text("L2", width=55, help=_("Weight decay λ.")),
        "Schedule": text(_("Schedule"), width=115, help=_("How the learning rate changes over training.")),
        "Steps": text(_("Steps"), width=105, help=_("Gradient steps in all (and epochs, where the tutorial counts "
                                                    "in epochs).")),
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def row(preset: Preset) -> dict[str, str]:
    """What the tutorial built, in the short words of the table (see :func:`columns`)."""
    c = preset.config
    n_train = 50_000 if c.validation == "train_tail" else 60_000  # full MNIST, as the tutorials ran it
    total = trainer.plan(c, n_train)[2]
    schedule = {"constant": _("constant"), "cosine": _("cosine → 0"),
                "exponential": f"×{c.decay_rate:g} / {c.decay_steps} " + _("steps")}[c.schedule]
    here = job_layer.finished_run(c)
    return {
        "Preset": _(preset.title).replace("：", ":").split(":")[0],  # "Seed 1", in either language
        "Claimed": _percent(preset.claimed),
        "Measured": _percent(preset.measured),
        "Here": _percent(here.final.val_accuracy) if here is not None and here.evaluations else "—",
        "Layers": c.architecture,
        "Functions": f"{ACTIVATIONS.get(c.activation, c.activation)} → {c.output}, {LOSSES.get(c.loss, c.loss)}",
        "Batch": _("full ({n:,})", n=n_train) if c.full_batch else f"{c.batch_size}, {_(SAMPLING[c.sampling])}",
        "η": f"{c.learning_rate:g}",
        "Momentum": f"{c.momentum:g}" if c.momentum else "—",
        "L2": f"{c.l2:g}" if c.l2 else "—",
        "Schedule": schedule,
        "Steps": f"{total:,}" if c.steps else _("{total:,} ({epochs} ep.)", total=total, epochs=c.epochs),
    }


def _jobs() -> dict[str, Job | JobRefused]:
    return st.session_state.setdefault(JOBS_KEY, {})


def _train_here(name: str) -> None:
    """Button callback: ask for the preset's run (joined or answered from the store when it exists)."""
    try:
        _jobs()[name] = job_layer.request(PRESETS[name].config)
        my_runs.remember(_jobs()[name], "seeds")
    except JobRefused as refusal:
        _jobs()[name] = refusal


def _stop(name: str) -> None:
    job = _jobs().get(name)
    if isinstance(job, Job):
        job_layer.manager().leave(job, job_layer.me())


def _use(name: str) -> None:
    result = job_layer.finished_run(PRESETS[name].config) or _result_of(_jobs().get(name))
    if result is not None:
        state.set_config(result.config, preset=name)
        state.remember_result(result)


def _compare(name: str) -> None:
    """Button callback: load the preset into the sidebar and ask the Train page to train the decay pair."""
    state.set_config(PRESETS[name].config, preset=name)
    training.request_training()
    st.session_state[SWITCH_KEY] = True


def switch_if_asked() -> None:
    """Open the Train page when a 'compare' button asked for it (call at the top of the page)."""
    if st.session_state.pop(SWITCH_KEY, False):
        st.switch_page("pages/train.py")


def _result_of(job) -> trainer.TrainResult | None:
    return job_layer.manager().result(job) if isinstance(job, Job) and not job.active else None


def _status(name: str) -> None:
    """What became of this visitor's run of preset ``name``: progress, result or why it was refused."""
    job = _jobs().get(name)
    if isinstance(job, JobRefused):
        st.error(_(job.template, **job.values) + " " + "; ".join(_(t, **v) for t, v in job.tips))
        return
    if not isinstance(job, Job):
        return
    view = job_layer.manager().view(job)
    if view.active:
        if view.status == jobs.QUEUED:
            text = _("Waiting, number {position} in line, starts in about {wait:.0f} s.", position=view.position,
                     wait=max(view.wait_seconds, 1))
        else:
            text = _("Step {step:,} of {total:,}", step=view.steps_done, total=view.total_steps)
            if view.evaluations:
                text += " · " + _("validation accuracy {accuracy:.2%}", accuracy=view.evaluations[-1].val_accuracy)
        st.progress(view.fraction, text=text)
        st.button(_("Stop"), key=f"seeds.stop.{name}", icon=":material/stop:", on_click=_stop, args=(name,))
        return
    result = _result_of(job)
    if result is None:
        if view.error is not None:
            st.error(_(view.error[0], **view.error[1]))
        return
    if result.diverged:
        st.error(_("Diverged: {reason}", reason=render(result.stop_notice, _)))
        return
    last = result.final
    words = _("Validation accuracy here: **{accuracy:.2%}** after {steps:,} steps, {seconds:.1f} s of training.",
              accuracy=last.val_accuracy, steps=len(result.step_loss), seconds=result.seconds)
    if result.stop_reason:
        words += " " + _("(stopped early)")
    elif view.from_cache:
        words += " " + _("Trained earlier on this server: answered from its store at once.")
    st.success(words)
    st.button(_("Use it on Evaluate and Draw"), key=f"seeds.use.{name}", icon=":material/check:", on_click=_use,
              args=(name,))


@st.fragment(run_every=LIVE_SECONDS)
def _live_status(name: str) -> None:
    """:func:`_status` redrawn every second while the run goes; the whole page once it has ended."""
    job = _jobs().get(name)
    if not (isinstance(job, Job) and job.active):
        st.rerun()  # the whole page: the table's 'Here' column and the card's result
    with guarded(_("the live view")):
        _status(name)


def preset_card(name: str, preset: Preset) -> None:
    """One tutorial: title, what it built, its buttons, and its run on this server."""
    with st.container(border=True):
        st.markdown(f"**{_(preset.title)}**" + (f" &nbsp;·&nbsp; `{preset.seed_file}`" if preset.seed_file else ""))
        st.caption(_(preset.description))
        if preset.config.full_batch:
            st.warning(_("Full-batch gradient descent: each of the 2,400 steps passes all 50,000 images through the "
                         "network, so a run takes a minute or two on the full data."), icon=":material/hourglass_top:")
        left, right = st.columns(2)
        left.button(_("Train this preset"), key=f"seeds.train.{name}", icon=":material/play_arrow:",
                    on_click=_train_here, args=(name,),
                    help=_("Trains the preset as written, here. If anyone trained it on this server before, the "
                           "result comes at once."))
        right.button(_("Decay vs none on the Train page"), key=f"seeds.compare.{name}", icon=":material/compare_arrows:",
                     on_click=_compare, args=(name,),
                     help=_("Opens the Train page and trains the preset next to its twin with the learning-rate "
                            "schedule flipped."))
        job = _jobs().get(name)
        (_live_status if isinstance(job, Job) and job.active else _status)(name)
