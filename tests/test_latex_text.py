"""The Shapes table's formulas as plain text: each macro the trace uses becomes readable Unicode."""

import pytest

from ui.latex_text import latex_to_text


@pytest.mark.parametrize("formula, text", [
    (r"z_1 = X W_1 + b_1", "z₁ = X W₁ + b₁"),
    (r"dW_2 = a_1^T dz_2 + \lambda W_2", "dW₂ = a₁ᵀ dz₂ + λ W₂"),
    (r"W_1 \leftarrow W_1 - \eta\, dW_1", "W₁ ← W₁ - η dW₁"),
    (r"L = \frac{1}{2m}\sum_{i,k} (a_{ik} - y_{ik})^2", "L = 1/(2m) Σ_(i,k) (aᵢₖ - yᵢₖ)²"),
    (r"\frac{\lambda}{2}\sum_l \lVert W_l \rVert^2", "λ/2 Σₗ ‖Wₗ‖²"),
    (r"a_1 = f(z_1),\quad f(z) = \sigma(z) = \frac{1}{1 + e^{-z}}", "a₁ = f(z₁), f(z) = σ(z) = 1/(1 + e⁻ᶻ)"),
    (r"f' = \mathbb{1}[z > 0] + 0.01\,\mathbb{1}[z \le 0]", "f' = 𝟙[z > 0] + 0.01 𝟙[z ≤ 0]"),
    (r"dz = a \odot \big(da - \textstyle\sum_k da_k a_k\big)", "dz = a ⊙ (da - Σₖ daₖ aₖ)"),
    (r"db_1 = \sum_{\text{batch}} dz_1", "db₁ = Σ_batch dz₁"),
    (r"f(z) = \max(0, z)", "f(z) = max(0, z)"),
])
def test_latex_becomes_readable_text(formula, text):
    assert latex_to_text(formula) == text
