"""Checking that a figure builder puts every word it draws through its ``translate`` argument.

A test passes :func:`marked` as the translator, which wraps each message in
«…» after filling in its values, then asks :func:`leftover_english` for the
English words of the figure that no «…» covers: titles, axis and colour-bar
titles, annotations, legend names, hover texts and text marks. Names the maths
uses (W1, dL/dz), numbers and the proper names of functions (ReLU, softmax…)
are not words to translate.
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go

PROPER_NAMES = {"ReLU", "relu", "leaky_relu", "softmax", "sigmoid", "tanh", "MNIST"}
_MARKED = re.compile(r"«[^«»]*»")
_MARKUP = re.compile(r"<[^>]*>|%\{[^}]*\}")
_WORD = re.compile(r"[A-Za-z]{3,}")


def marked(message: str, **values: Any) -> str:
    """A translator that shows what it translated: «message with its values filled in»."""
    return "«" + (message.format(**values) if values else message) + "»"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


def _layout_texts(node: Any) -> list[str]:
    """Every ``text`` and ``label`` in the layout (titles, subtitles, annotations, colour bars)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "label"):
                found += _strings(value)
            elif key == "title" and isinstance(value, str):
                found.append(value)
            else:
                found += _layout_texts(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            found += _layout_texts(item)
    return found


def visible_texts(fig: go.Figure | dict) -> list[str]:
    """The strings a reader can see in ``fig``: layout texts, hover texts, text marks and shown legend names."""
    figure = fig if isinstance(fig, dict) else fig.to_plotly_json()
    layout = figure.get("layout", {})
    texts = _layout_texts(layout)
    legend = layout.get("showlegend", True) is not False
    for trace in figure.get("data", []):
        for key in ("hovertemplate", "hovertext", "text"):
            texts += _strings(trace.get(key))
        texts += _layout_texts({key: trace.get(key) for key in ("colorbar", "marker", "dimensions") if key in trace})
        if legend and trace.get("showlegend", True) is not False:
            texts += _strings(trace.get("name"))
    return texts


def leftover_english(fig: go.Figure | dict, names: tuple[str, ...] = ()) -> list[str]:
    """English words of ``fig`` outside every «…» (``names``: the caller's own labels, allowed too)."""
    leftover = []
    for text in visible_texts(fig):
        previous = None
        while previous != text:  # nested «…» from the inside out
            previous, text = text, _MARKED.sub(" ", text)
        words = _WORD.findall(_MARKUP.sub(" ", text))
        leftover += [word for word in words if word not in PROPER_NAMES and word not in names]
    return leftover
