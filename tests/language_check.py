"""Does a page speak the visitor's language? What a rendered page shows, and the English left in it.

Shared by the AppTest checks (``tests/test_translations.py``) and the browser
check (``tests/browser/test_language_browser.py``):

* :func:`visible_texts` reads what an AppTest run shows: titles, headers,
  markdown, captions, alerts, widget labels, options and help texts, metric
  labels and values, table headers and cells, image captions and alt texts,
  progress texts, chart titles, axes, legends and annotations;
* :func:`english_runs` finds the English sentences in a text that should be
  Chinese: after removing what may stay as it is (formulas, code, numbers,
  shapes, identifiers and :data:`ALLOWED` names), any run of three or more
  English words is one;
* :func:`chinese_characters` finds Chinese characters in a text that should be English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from streamlit.testing.v1.element_tree import Block

# Proper names, code words and units that may stay as they are in a Chinese text. They are taken out before
# words are counted, like formulas, code, numbers, shapes and identifiers (cross_entropy, W1, explainer.data).
ALLOWED = (
    "MNIST", "NumPy", "ReLU", "ReLUs", "leaky", "relu", "softmax", "sigmoid", "tanh", "He", "Xavier",
    "Optuna", "TPE", "Parzen", "PED-ANOVA", "Dask", "PyTorch", "TensorFlow", "Streamlit", "Plotly",
    "SGD", "MSE", "CE", "CPU", "CSV", "csv", "npz", "JSON", "URL", "README", "one-hot",
    "Goodfellow", "Vinyals", "Saxe", "Deep Learning from Scratch", "TwoLayerNet",
    "English", "Language", "Glossary", "MB", "px", "lr", "nan", "NaN", "inf",
)
_ALLOWED = re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(name) for name in sorted(ALLOWED, key=len,
                                                                                       reverse=True))
                      + r")(?![A-Za-z])")
_REMOVED = [
    re.compile(r"\$\$.*?\$\$|\$[^$]+\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S),  # formulas
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r"https?://\S+|www\.\S+"),  # links
    re.compile(r"<[^>]+>|&[a-z]+;|&#\d+;"),  # HTML tags and entities
    re.compile(r":material/[a-z_]+:|:[a-z]+(?:-[a-z]+)*\["),  # Streamlit icons and directives (":blue-badge[")
    re.compile(r"\\[A-Za-z]+"),  # LaTeX commands outside $…$ (a formula printed as text)
    re.compile(r"(?<![A-Za-z])d[A-Za-z]\w*/d[A-Za-z]\w*"),  # derivatives: dL/dz
    re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+"),  # dotted names: explainer.persistence
    re.compile(r"[A-Za-z0-9]*_[A-Za-z0-9_]*"),  # identifiers: cross_entropy, numerical_gradient
    re.compile(r"[A-Za-z]*\d[A-Za-z0-9]*"),  # numbers, shapes' sides and names with digits: 784, W1, dz2, 1e-3
]
# Words are joined into a run by spaces and ASCII punctuation but = and ^ (formulas); anything else
# (a Chinese character, full-width punctuation, an arrow, a Greek letter, a minus sign) ends the run.
_SEPARATORS = r"\s!-/:;<>?@\[-\]_`{-~·"  # ASCII punctuation but digits, letters, '=' and '^'

_RUN = re.compile(rf"[A-Za-z][A-Za-z’]*(?:[{_SEPARATORS}]+[A-Za-z][A-Za-z’]*)*")
MIN_WORDS = 3


def english_runs(text: str) -> list[str]:
    """The runs of three or more English words (2+ letters each) left in ``text`` once formulas, code, numbers,
    shapes, identifiers and the :data:`ALLOWED` names are taken out."""
    for pattern in _REMOVED:
        text = pattern.sub(" ", text)
    text = _ALLOWED.sub(" ", text)
    runs = (match.group() for match in _RUN.finditer(text))
    return [run for run in runs if sum(len(word) >= 2 for word in re.findall(r"[A-Za-z’]+", run)) >= MIN_WORDS]


def chinese_characters(text: str) -> str:
    """The CJK characters (and full-width punctuation) in ``text``, in order."""
    return "".join(re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]", text))


# --- what an AppTest run shows ------------------------------------------------------------------

_TEXT_FIELDS = ("body", "label", "help", "caption", "alt", "text", "placeholder", "delta")
_SKIPPED = ("html", "latex", "code", "json")  # scripts and CSS; formulas; code


def _proto_strings(message, kind: str) -> Iterator[str]:
    """The visible strings of an element's protobuf message (recursing into option messages)."""
    for field, value in message.ListFields():
        name = field.name
        if field.type == field.TYPE_MESSAGE:
            if name in ("options", "imgs"):  # a segmented control's options, an image list's captions
                for item in ([value] if hasattr(value, "ListFields") else value):
                    yield from _proto_strings(item, kind)
            continue
        if field.type != field.TYPE_STRING:
            continue
        if name in _TEXT_FIELDS or name in ("content", "options"):
            yield from ([value] if isinstance(value, str) else value)


def _frame_strings(frame, skip_columns=("English",)) -> Iterator[str]:
    """Headers and text cells of a table, except columns of bilingual data (the glossary's English terms)."""
    names = [str(name) for name in frame.columns]
    yield from (name for name in names if name not in skip_columns)
    if frame.index.name and frame.index.name not in skip_columns:
        yield str(frame.index.name)
        if frame.index.dtype == object:
            yield from (str(value) for value in frame.index)
    for name, column in zip(names, frame.columns):
        if name in skip_columns:
            continue
        series = frame[column]
        if series.dtype == object:
            yield from (value for value in series if isinstance(value, str))


def _figure_strings(spec: str) -> Iterator[str]:
    """Titles, axis titles, legend entries, annotations and category labels of a Plotly figure's JSON."""
    figure = json.loads(spec)
    layout = figure.get("layout", {})

    def title(holder) -> Iterator[str]:
        value = holder.get("title") if isinstance(holder, dict) else None
        if isinstance(value, dict):
            value = value.get("text")
        if isinstance(value, str):
            yield value

    yield from title(layout)
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis", "coloraxis", "legend", "polar")) and isinstance(axis, dict):
            yield from title(axis)
            yield from (str(tick) for tick in axis.get("ticktext", []) or [])
    for annotation in layout.get("annotations", []) or []:
        if isinstance(annotation.get("text"), str):
            yield annotation["text"]
    for trace in figure.get("data", []):
        if trace.get("showlegend") is not False and isinstance(trace.get("name"), str):
            yield trace["name"]
        yield from title(trace.get("colorbar", {}) or {})
        for dimension in trace.get("dimensions", []) or []:  # parallel coordinates
            if isinstance(dimension.get("label"), str):
                yield dimension["label"]


def _nodes(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def visible_texts(at) -> list[tuple[str, str]]:
    """(element kind, text) for everything a visitor reads in the last run of AppTest ``at``, sidebar included."""
    found: list[tuple[str, str]] = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        if isinstance(node, Block):  # expanders, tabs, popovers: their label
            label = getattr(node, "label", None)
            if isinstance(label, str) and label.strip():
                found.append((kind, label))
            continue
        proto = getattr(node, "proto", None)
        if proto is None or kind in _SKIPPED or not hasattr(proto, "ListFields"):
            continue
        if kind in ("dataframe", "table", "arrow_data_frame"):
            found += [(kind, text) for text in _frame_strings(node.value)]
            columns = getattr(proto, "columns", "")
            if columns:
                found += [(kind + " header", config["label"]) for config in json.loads(columns).values()
                          if isinstance(config, dict) and config.get("label")]
            continue
        if kind == "plotly_chart":
            found += [("chart", text) for text in (proto.alt, *_figure_strings(proto.spec)) if text]
            continue
        found += [(kind, text) for text in _proto_strings(proto, kind) if text and text.strip()]
    return found
