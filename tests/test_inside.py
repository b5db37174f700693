"""The look inside two runs (ui/inside.py): its four charts under AppTest, and the figures they are built from."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainer import compare
from explainer.config import RunConfig
from explainer.figures import diagnostics as figures
from explainer.trainer import run
from tests.i18n_support import leftover_english, marked

ZEROS = RunConfig(hidden=(16,), init="zeros", batch_size=50, epochs=3, train_size=500, eval_every=5)


@pytest.fixture(scope="module")
def pair(sample_splits):
    """Runs A (all-zero init) and B (He init) of a small zero-init experiment on real digits."""
    data = sample_splits(ZEROS)
    return run(ZEROS, data), run(ZEROS.replace(init="he"), data)


def inside_app(runs, focus=None):
    def script(runs, focus):
        from ui.inside import inside_section

        inside_section(runs, focus)

    at = AppTest.from_function(script, args=(runs, focus), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def chart(at, key):
    """The plotly spec of the chart whose widget key is ``key``."""
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id)


def chart_keys(at):
    return [element.proto.id for element in at.get("plotly_chart")]


def annotations(spec):
    return [a.get("text", "") for a in spec["layout"].get("annotations", [])]


# --- the section ----------------------------------------------------------------------------


def test_the_four_charts_with_their_sentences_for_a_and_b(pair):
    a, b = pair
    at = inside_app([("A", "init = zeros", a), ("B", "init = he", b)])
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings == [f"#### {compare.CHARTS[name]}" for name in ("gradients", "units", "templates", "loss_line")]
    keys = " ".join(chart_keys(at))
    for key in ("inside.gradients", "inside.units", "inside.templates.A", "inside.templates.B", "inside.loss_line"):
        assert key in keys
    captions = " ".join(c.value for c in at.caption)
    assert "vanishing gradients" in captions and "dead" in captions and "Goodfellow" in captions
    units = chart(at, "inside.units")
    assert "<b>1 distinct unit of 16</b>" in annotations(units)
    assert "<b>16 distinct units of 16</b>" in annotations(units)


def test_the_scrubber_moves_both_runs_through_their_snapshots(pair):
    a, b = pair
    at = inside_app([("A", "init = zeros", a), ("B", "init = he", b)])
    slider = at.slider(key="inside.templates.snapshot")
    shots = len(b.diagnostics.snapshot_steps)
    assert slider.max == shots and slider.value == shots
    last = int(b.diagnostics.snapshot_steps[-1])
    assert any(f"Run B after {last:,} steps" in c.value for c in at.caption)
    final_picture = chart(at, "inside.templates.B")["data"][0]["z"]
    slider.set_value(1).run()
    assert not at.exception
    assert any("Run B after 0 steps" in c.value for c in at.caption)
    assert any("Run A after 0 steps: the first 16 units of 16; 16 of them dead." in c.value for c in at.caption)
    assert chart(at, "inside.templates.B")["data"][0]["z"] != final_picture


def test_an_experiment_points_at_the_chart_that_shows_its_lesson(pair):
    a, b = pair
    experiment = compare.EXPERIMENTS["zero-init"]
    at = inside_app([("A", "init = zeros", a), ("B", "init = he", b)], experiment)
    assert [i.value for i in at.info] == [experiment.pointer]
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings[1] == f"#### {compare.CHARTS['units']}"  # the info sits under the units heading


def test_runs_without_diagnostics_are_said_to_be_unmeasured(pair):
    a, b = pair
    old = [("A", "init = zeros", None), ("B", "init = he", None)]
    at = inside_app(old)
    assert any("Run A and B was trained before these measurements existed" in c.value for c in at.caption)
    assert not at.get("plotly_chart")
    at = inside_app([("A", "init = zeros", None), ("B", "init = he", b)])
    assert "inside.templates.B" in " ".join(chart_keys(at))
    assert "not measured for this run" in annotations(chart(at, "inside.gradients"))


def test_every_experiment_names_a_chart_and_a_sentence_pointing_to_it():
    for experiment in compare.EXPERIMENTS.values():
        assert experiment.chart in compare.CHARTS
        assert experiment.pointer and compare.CHARTS[experiment.chart].split()[0] in experiment.pointer + " Loss"
        assert experiment.chart_title == compare.CHARTS[experiment.chart]


# --- the figures ----------------------------------------------------------------------------


def test_gradients_figure_draws_every_layer_of_every_run_and_zeros_on_a_floor(pair):
    a, b = pair
    runs = [figures.InsideRun("A", a.diagnostics), figures.InsideRun("B", b.diagnostics)]
    fig = figures.gradients_figure(runs)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == 2 * 3 * 2  # runs × rows × layers
    for row in (("x", "x2"), ("x3", "x4")):  # gradients, then update ratios: A (all-zero) on the left
        floor = min(min(t.y) for t in lines if t.xaxis in row)
        assert all(np.all(np.asarray(t.y) == floor) for t in lines if t.xaxis == row[0])  # zeros on the floor
        assert all(np.all(np.asarray(t.y) > floor) for t in lines if t.xaxis == row[1])
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis5.type != "log"
    assert "healthy band" in [a.text for a in fig.layout.annotations]
    ratio_steps = [t.x for t in lines if t.name == "B W1" and t.xaxis == "x4"][0]
    assert 0 not in ratio_steps  # no update before the first step


def test_units_figure_counts_dead_relu_units_and_saturated_sigmoid_units(sample_splits, pair):
    a, _ = pair
    sigmoid = ZEROS.replace(activation="sigmoid", init="normal", init_scale=1.0)
    saturated = run(sigmoid, sample_splits(sigmoid)).diagnostics
    fig = figures.units_figure([figures.InsideRun("A", a.diagnostics, "relu"),
                                figures.InsideRun("B", saturated, "sigmoid")])
    top = {t.name: np.asarray(t.y) for t in fig.data if t.mode == "lines+markers" and "hidden" in t.name}
    assert np.all(top["A hidden 1"] == 100.0)  # all-zero ReLU: z = 0, so every unit is dead
    assert np.all(top["B hidden 1"] > 30.0)
    assert "sigmoid activations that are saturated (%)" in " ".join(a.text for a in fig.layout.annotations)
    leaky = figures.units_figure([figures.InsideRun("A", a.diagnostics, "leaky_relu")])
    assert "leaky_relu units neither die nor saturate" in [a.text for a in leaky.layout.annotations]


def test_templates_figure_marks_dead_units_and_follows_the_snapshot(pair):
    a, b = pair
    dead = figures.templates_figure(a.diagnostics, 0)
    captions, hover = dead.data[1].text, dead.data[1].hovertext
    assert len(captions) == 16 and all(c.startswith("✕") for c in captions) and all("dead" in h for h in hover)
    alive = figures.templates_figure(b.diagnostics, 99)  # clipped to the last snapshot
    assert not any("✕" in c for c in alive.data[1].text)
    first = figures.templates_figure(b.diagnostics, 0)
    assert not np.array_equal(np.asarray(first.data[0].z, dtype=float), np.asarray(alive.data[0].z, dtype=float))
    assert figures.templates_figure(None, 0).layout.annotations[0].text == figures.NOT_MEASURED


def test_loss_line_figure_marks_the_start_and_the_end_and_names_runs_without_a_line(pair):
    a, b = pair
    lines = figures.lines_of([figures.InsideRun("A", a.diagnostics), figures.InsideRun("B", b.diagnostics),
                              figures.InsideRun("C", None)])
    fig = figures.loss_line_figure(lines)
    ends = [t for t in fig.data if t.mode == "markers"]
    assert [list(t.x) for t in ends] == [[0.0, 1.0], [0.0, 1.0]]
    line_b = b.diagnostics.line_loss
    assert list(ends[1].y) == [line_b[b.diagnostics.line_t == 0][0], line_b[b.diagnostics.line_t == 1][0]]
    assert "no line for C" in fig.layout.title.subtitle.text
    empty = figures.loss_line_figure(figures.lines_of([figures.InsideRun("A", None)]))
    assert empty.layout.annotations[0].text == "no loss line for these runs"


def test_every_inside_figure_puts_its_words_through_translate(pair):
    a, b = pair
    runs = [figures.InsideRun("A", a.diagnostics), figures.InsideRun("B", b.diagnostics, "sigmoid"),
            figures.InsideRun("C", None, "leaky_relu")]
    built = {
        "gradients": figures.gradients_figure(runs, translate=marked),
        "units": figures.units_figure(runs, translate=marked),
        "templates": figures.templates_figure(a.diagnostics, 0, translate=marked),
        "not measured": figures.templates_figure(None, 0, translate=marked),
        "loss line": figures.loss_line_figure(figures.lines_of(runs), translate=marked),
        "no loss line": figures.loss_line_figure(figures.lines_of(runs[2:]), translate=marked),
    }
    for name, fig in built.items():
        assert leftover_english(fig, names=("A", "B", "C")) == [], name


def test_a_diverged_run_next_to_a_good_one_draws_without_errors(sample_splits, pair):
    _, good = pair
    exploding = RunConfig(hidden=(16,), learning_rate=100.0, normalization="raw", batch_size=32, epochs=3,
                          train_size=640, eval_every=1)
    bad = run(exploding, sample_splits(exploding))
    assert bad.diverged
    at = inside_app([("A", "learning rate = 100", bad), ("B", "learning rate = 0.1", good)])
    assert "no line for A: learning rate = 100" in chart(at, "inside.loss_line")["layout"]["title"]["subtitle"]["text"]
    gradients = chart(at, "inside.gradients")
    assert all(trace.get("y") is not None for trace in gradients["data"])
