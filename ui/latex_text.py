"""LaTeX formulas as plain Unicode text, for places that cannot render maths (table cells).

Covers the small subset the shape trace uses: ``\\frac``, Greek letters,
``\\sum``, ``\\odot``, norms, sub- and superscripts, spacing and sizing macros.
``\\frac{1}{2m}`` becomes ``1/(2m)``, ``W_1`` becomes ``W₁`` and ``X^T`` becomes
``Xᵀ``; anything unknown keeps its name without the backslash.
"""

from __future__ import annotations

import re

SYMBOLS = {
    "sum": "Σ", "odot": "⊙", "leftarrow": "←", "rightarrow": "→", "lVert": "‖", "rVert": "‖", "eta": "η",
    "lambda": "λ", "sigma": "σ", "beta": "β", "alpha": "α", "theta": "θ", "partial": "∂", "le": "≤", "ge": "≥",
    "cdot": "·", "times": "×", "in": "∈", "infty": "∞", "lfloor": "⌊", "rfloor": "⌋",
    "max": "max", "min": "min", "log": "log", "exp": "exp", "tanh": "tanh",
}
DROPPED = r"\\(?:!|big[lr]?|Big[lr]?|bigg[lr]?|left|right|textstyle|displaystyle)(?![A-Za-z])"
SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
SUPERSCRIPTS = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzT",
                        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ"))


def latex_to_text(formula: str) -> str:
    """Readable plain text for a LaTeX formula, e.g. ``'L = 1/(2m) Σ_i,k (aᵢₖ - yᵢₖ)²'``."""
    text = re.sub(DROPPED, "", formula)
    text = re.sub(r"\\(?:quad(?![A-Za-z])|[,;])", " ", text)
    text = re.sub(r"\\(?:text|mathrm|operatorname)\{([^{}]*)\}", r"\1", text)
    text = text.replace(r"\mathbb{1}", "𝟙")
    text = re.sub(r"\\lVert\s*", "‖", text)
    text = re.sub(r"\s*\\rVert", "‖", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: SYMBOLS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"_(\w)", lambda m: _script(m.group(1), SUBSCRIPTS, "_"), text)
    text = re.sub(r"\^(\w)", lambda m: _script(m.group(1), SUPERSCRIPTS, "^"), text)
    while True:  # innermost groups first, until nothing changes
        previous = text
        text = re.sub(r"_\{([^{}]*)\}", lambda m: _script(m.group(1), SUBSCRIPTS, "_"), text)
        text = re.sub(r"\^\{([^{}]*)\}", lambda m: _script(m.group(1), SUPERSCRIPTS, "^"), text)
        text = re.sub(r"frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: f"{_group(m.group(1))}/{_group(m.group(2))} ", text)
        if text == previous:
            break
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s{2,}", " ", text).strip()


def _script(content: str, table: dict[str, str], mark: str) -> str:
    """A sub- or superscript in Unicode when every character has a form, else ``mark`` + the content."""
    content = content.strip()
    if content and all(char in table for char in content):
        return "".join(table[char] for char in content)
    return mark + _group(content)


def _group(content: str) -> str:
    """``content`` alone if it is one token, else in parentheses: ``1`` but ``(2m)``."""
    content = content.strip()
    if re.fullmatch(r"[\w.]+|\(.*\)", content) and not re.fullmatch(r"\d+[A-Za-z]\w*", content):
        return content
    return f"({content})"
