"""The shape equations the Shapes page prints name the real arrays with their real shapes."""

from __future__ import annotations

import pytest

from explainer.config import RunConfig
from explainer.shape_story import shape_story
from explainer.trace import shape_text, trace_step
from tests.i18n_support import marked


@pytest.mark.parametrize("layout", ["batch-first", "feature-first"])
def test_every_operation_gets_an_equation_with_its_true_shapes_and_a_reason(layout, small_batch):
    X, y = small_batch
    for op in trace_step(RunConfig(hidden=(16, 12), l2=0.01), X[:4], y[:4], layout=layout):
        equation, why = shape_story(op, layout == "feature-first")
        assert f"({shape_text(op.output.shape)})" in equation or op.phase == "loss"
        for tensor in op.inputs:
            assert tensor.name in equation
        assert why


def test_matrix_product_explains_its_inner_size_in_both_conventions(small_batch):
    X, y = small_batch
    config = RunConfig(hidden=(60,))
    batch_first = shape_story(trace_step(config, X[:4], y[:4])[0], ff=False)
    feature_first = shape_story(trace_step(config, X[:4], y[:4], layout="feature-first")[0], ff=True)
    assert batch_first[0] == "X (4×784) · W1 (784×60) + b1 (60) → z1 (4×60)"
    assert feature_first[0] == "W1 (60×784) · x (784×4) + b1 (60×1) → z1 (60×4)"
    assert "(4×784)·(784×60) = 4×60" in batch_first[1]
    assert "(60×784)·(784×4) = 60×4" in feature_first[1]


@pytest.mark.parametrize("layout", ["batch-first", "feature-first"])
def test_every_word_of_the_story_goes_through_translate_and_the_english_is_unchanged(layout, small_batch):
    X, y = small_batch
    for op in trace_step(RunConfig(hidden=(16, 12), l2=0.01), X[:4], y[:4], layout=layout):
        english = shape_story(op, layout == "feature-first")
        equation, why = shape_story(op, layout == "feature-first", translate=marked)
        assert why.startswith("«") and why.endswith("»") and why.strip("«»") == english[1]
        # An equation is names, shapes and symbols; where it has words, they are translated.
        assert equation == english[0] or (equation.startswith("«") and equation.strip("«»") == english[0])
        if op.phase == "loss":
            assert equation.strip("«»") == english[0] and "L (scalar)" in english[0]
