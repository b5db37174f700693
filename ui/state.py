"""The run being explored: sidebar controls, preset filling and the shareable URL.

Every control is generated from :data:`explainer.config.FIELDS`, so the
sidebar, the URL and the presets can never disagree on a name or a range.
Widget values live in ``st.session_state`` under ``cfg.<field>`` keys; the
URL holds the preset name plus every field that differs from it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.state.query_params import EMBED_QUERY_PARAMS_KEYS

from explainer.config import FIELDS, RunConfig, parse_config
from explainer.i18n import N_, render
from explainer.presets import PRESETS
from ui.i18n import LANGUAGE_KEY, _, option_labels
from ui.text import inert

DEFAULT_PRESET = "recommended"
PRESET_KEY = "preset"
# Keys a link may carry besides the config fields: the preset, the language (ui.i18n) and
# Streamlit's own embedding switches (which st.query_params hides from the app anyway).
# The Explore page's sweep (ui.explore): known, and kept in the URL while that page shows it.
PAGE_URL_KEYS = frozenset({"sweep", "sampler", "trials", "seeds"})
OTHER_URL_KEYS = frozenset({PRESET_KEY, LANGUAGE_KEY, *EMBED_QUERY_PARAMS_KEYS, *PAGE_URL_KEYS})
MAX_URL_NOTICES = 8  # a link with hundreds of bad keys gets this many notices and a count of the rest
MAX_WIDTH = 2048
GROUPS = {  # shown as _(group)
    N_("Architecture"): ("activation", "output", "loss", "init", "init_scale"),
    N_("Optimisation"): ("learning_rate", "momentum", "batch_size", "epochs", "steps", "sampling"),
    N_("Learning-rate schedule"): ("schedule", "decay_rate", "decay_steps"),
    N_("Regularisation"): ("l2", "l2_per_batch"),
    N_("Data"): ("normalization", "validation", "train_size", "eval_every", "seed"),
}
# A choice is shown as its identifier (the word the URL and the help texts use) and, unless it is a name
# like ReLU or He, what it means in the visitor's language: "cross_entropy (cross-entropy)", "unit (÷ 255)".
CHOICE_MEANINGS = {
    "leaky_relu": N_("leaky ReLU"), "linear": N_("raw scores"), "cross_entropy": N_("cross-entropy"),
    "mse": N_("mean squared error"), "normal": N_("normal distribution"), "uniform": N_("uniform distribution"),
    "zeros": N_("all zeros"), "constant": N_("no decay"), "exponential": N_("exponential decay"),
    "cosine": N_("cosine → 0"), "shuffle": N_("shuffled"), "sequential": N_("in order"),
    "replacement": N_("random, with replacement"), "unit": N_("pixels ÷ 255"), "standardize": N_("per image"),
    "raw": N_("0..255 as they are"), "train_tail": N_("validation from the training set"),
    "test_half": N_("validation from the test set"),
}


def _key(name: str) -> str:
    return f"cfg.{name}"


def _width_key(layer: int) -> str:
    return f"cfg.width{layer}"


def _load_into_widgets(config: RunConfig) -> None:
    """Put a config's values into the widgets' session-state slots."""
    for name in FIELDS:
        if name != "hidden":
            st.session_state[_key(name)] = getattr(config, name)
    st.session_state["cfg.layers"] = len(config.hidden)
    for layer, width in enumerate(config.hidden):
        st.session_state[_width_key(layer)] = width


def _on_preset_change() -> None:
    _load_into_widgets(PRESETS[st.session_state[PRESET_KEY]].config)


def _first_visit() -> None:
    """Read the URL once per session: preset, then any field overrides, with notices for bad values."""
    params, notices = read_url({key: st.query_params.get_all(key) for key in st.query_params.keys()})
    preset_name = params.pop(PRESET_KEY, None) or DEFAULT_PRESET
    if preset_name not in PRESETS:
        notices.append(_("unknown preset {name}; using {default}", name=inert(preset_name),
                         default=inert(DEFAULT_PRESET)))
        preset_name = DEFAULT_PRESET
    params.pop(LANGUAGE_KEY, None)  # ui.i18n reads the language itself
    for key in PAGE_URL_KEYS:  # the page that owns them reads them
        params.pop(key, None)
    config, field_notices = parse_config(params, base=PRESETS[preset_name].config)
    st.session_state[PRESET_KEY] = preset_name
    # The core's notices quote the link's values: shown as plain text (translated), never as Markdown.
    st.session_state["url_notices"] = notices + [inert(render(notice, _), limit=160)
                                                 for notice in field_notices]
    _load_into_widgets(config)


def read_url(query: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """The last value of each known key of a link, and a notice for each repeated or unknown key.

    Parameters
    ----------
    query : dict of str to list of str
        Every key of the link with all its values in order (``st.query_params.get_all``).

    Returns
    -------
    params : dict of str to str
        The known keys (config fields, the preset, the language) and their last value.
    notices : list of str
        Markdown that shows the link's keys as plain text, cut short.
    """
    params: dict[str, str] = {}
    notices: list[str] = []
    for key, values in query.items():
        if key not in FIELDS and key not in OTHER_URL_KEYS:
            notices.append(_("ignored unknown setting {key}", key=inert(key)))
            continue
        if len(values) > 1:
            notices.append(_("{key} is given {count} times; using the last value", key=inert(key),
                             count=len(values)))
        params[key] = values[-1] if values else ""
    return params, notices


def set_config(config: RunConfig, preset: str | None = None) -> None:
    """Make ``config`` the run being explored (used by one-click experiments and the Seeds page).

    Call before the sidebar is drawn in a rerun, e.g. from a button callback.
    """
    if preset is not None:
        st.session_state[PRESET_KEY] = preset
    _load_into_widgets(config)


def choice_text(value: str) -> str:
    """How a select box shows one of a field's choices (see :data:`CHOICE_MEANINGS`)."""
    meaning = CHOICE_MEANINGS.get(value)
    return value if meaning is None else _("{choice} ({meaning})", choice=value, meaning=_(meaning))


def _widget(name: str) -> None:
    """One sidebar control for config field ``name``, labelled and explained in the visitor's language."""
    field = FIELDS[name]
    key = _key(name)
    default = getattr(RunConfig(), name)
    label, help_text = _(field.label), _(field.help)
    if field.choices:
        st.selectbox(label, field.choices, key=key, help=help_text, format_func=option_labels(field.choices,
                                                                                            choice_text))
    elif isinstance(default, bool):
        st.checkbox(label, key=key, help=help_text)
    elif isinstance(default, int):
        st.number_input(label, min_value=int(field.low), max_value=int(field.high), step=1, key=key,
                        help=help_text)
    else:
        st.number_input(label, min_value=float(field.low), max_value=float(field.high), key=key,
                        help=help_text, format="%g", step=_float_step(name))


def _float_step(name: str) -> float:
    return {"learning_rate": 0.01, "init_scale": 0.01, "decay_rate": 0.01, "l2": 0.0001,
            "momentum": 0.05}.get(name, 0.01)


def _hidden_controls() -> tuple[int, ...]:
    field = FIELDS["hidden"]  # (not inside _(): the extractor would take the key for a message)
    st.slider(_(field.label), 0, 4, key="cfg.layers", help=_(field.help))
    widths = []
    columns = st.columns(2)
    for layer in range(st.session_state["cfg.layers"]):
        key = _width_key(layer)
        st.session_state.setdefault(key, 64)
        with columns[layer % 2]:
            widths.append(st.number_input(_("Width of hidden layer {number}", number=layer + 1), 1, MAX_WIDTH,
                                          step=8, key=key))
    return tuple(int(width) for width in widths)


def sidebar() -> RunConfig:
    """Draw the shared controls and return the config they describe (always valid)."""
    if PRESET_KEY not in st.session_state:
        _first_visit()
    with st.sidebar:
        st.selectbox(_("Preset"), list(PRESETS), key=PRESET_KEY, on_change=_on_preset_change,
                     format_func=option_labels(PRESETS, lambda name: _(PRESETS[name].title)),
                     help=_("Fills every control below with a seed tutorial's network (or our recommended one). "
                            "You can change any control afterwards."))
        with st.expander(_("Network and training"), expanded=False):
            hidden = _hidden_controls()
            for group, names in GROUPS.items():
                st.markdown(f"**{_(group)}**")
                for name in names:
                    _widget(name)
    values: dict[str, Any] = {name: st.session_state[_key(name)] for name in FIELDS if name != "hidden"}
    values["hidden"] = hidden
    config, problems = parse_config(values, base=PRESETS[st.session_state[PRESET_KEY]].config)
    for problem in problems:
        st.sidebar.warning(render(problem, _))
    _write_url(config)
    return config


def _write_url(config: RunConfig) -> None:
    """Keep the URL in step: the preset, the fields that differ from it, and the language if the link had one."""
    preset = st.session_state[PRESET_KEY]
    base = PRESETS[preset].config.to_dict()
    wanted = {PRESET_KEY: [preset]}
    for name, value in config.to_dict().items():
        if value != base[name]:
            wanted[name] = [",".join(map(str, value)) if name == "hidden" else str(value)]
    language = st.query_params.get(LANGUAGE_KEY)
    if language is not None:
        wanted[LANGUAGE_KEY] = [language]
    for key in PAGE_URL_KEYS & set(st.query_params.keys()):
        wanted[key] = st.query_params.get_all(key)[-1:]
    if {key: st.query_params.get_all(key) for key in st.query_params.keys()} != wanted:
        st.query_params.from_dict({key: values[0] for key, values in wanted.items()})


def show_url_notices() -> None:
    """Tell the visitor which parts of the link were ignored (once per session).

    The notices are Markdown in which everything taken from the link is inert
    (see :mod:`ui.text`); a flood of them is cut to :data:`MAX_URL_NOTICES`.
    """
    notices = st.session_state.pop("url_notices", [])
    if not notices:
        return
    shown = notices[:MAX_URL_NOTICES]
    if len(notices) > len(shown):
        shown.append(_("and {count} more", count=len(notices) - len(shown)))
    st.warning(_("Some settings in the link were not valid and were replaced by defaults:") + "\n"
               + "\n".join(f"- {notice}" for notice in shown))


def preset_name() -> str:
    """The preset currently selected in the sidebar."""
    return st.session_state[PRESET_KEY]


def current() -> RunConfig:
    """The config the sidebar describes in this rerun (set by app.py before the page runs)."""
    return st.session_state["config"]


def remember_result(result) -> None:
    """Make a finished run the one the Evaluate and Draw pages use.

    A run the server's store holds is remembered by reference only (its weights stay in the
    bounded store, not in every visitor's session); a stopped run is kept as it is.
    """
    from ui import jobs  # the job layer imports this module's neighbours; import it when needed

    st.session_state["last_result"] = jobs.reference(result)


def last_result():
    """The run this visitor chose last (a TrainResult), or None before any training or once the store lost it."""
    from ui import jobs

    return jobs.resolve(st.session_state.get("last_result"))
