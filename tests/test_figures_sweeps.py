"""Figures of a sweep: measured cells with status, spread, sparklines and badges; lines, facets, tables."""

import numpy as np
import pytest

from explainer import sweep_analysis as analysis
from explainer.config import RunConfig
from explainer.figures import sweeps as figures
from explainer.sweeps import Axis, SweepRecord, SweepSpec
from tests.i18n_support import leftover_english, marked

BASE = RunConfig(hidden=(32,), epochs=2)
LR = Axis("learning_rate", (0.001, 0.01, 0.1), log=True)
BATCH = Axis("batch_size", (32, 128))
ACT = Axis("activation", ("relu", "sigmoid"))


def runs(axes, status=lambda point, seed: "done", accuracy=lambda point, seed: 0.9, seeds=2, **extra):
    spec = SweepSpec(BASE, tuple(axes), seeds=seeds)
    found = []
    for point in spec.grid():
        for seed in range(seeds):
            state = status(point, seed)
            finished = state in ("done", "diverged", "stopped")
            val = accuracy(point, seed) if finished else None
            curve = np.array([[0, 0.1, 0.1], [1, val or 0.1, val or 0.1], [2, val or 0.1, val or 0.1]]) if finished \
                else np.empty((0, 3))
            found.append(SweepRecord(point, seed, spec.config_at(point, seed), state, val_accuracy=val,
                                     train_accuracy=val, loss=np.linspace(2, 0.3, 32) if finished else np.empty(0),
                                     curve=curve, **extra))
    return found


def annotations(fig):
    return [a.text for a in fig.layout.annotations]


def test_the_heatmap_has_one_measured_cell_per_point_and_nothing_in_between():
    records = runs((LR, BATCH), accuracy=lambda p, s: 0.8 + p["learning_rate"] + 0.001 * s)
    cells = analysis.cells(records, ("learning_rate", "batch_size"))
    fig = figures.sweep_heatmap(cells, LR, BATCH)
    (heat,) = [t for t in fig.data if t.type == "heatmap"]
    z = np.array(heat.z, dtype=float)
    assert z.shape == (2, 3)  # batch sizes up, learning rates across
    assert z[0, 2] == pytest.approx(100 * np.mean([0.9, 0.901]))
    assert list(fig.layout.xaxis.ticktext) == ["0.001", "0.01", "0.1"]
    assert "(log scale)" in fig.layout.xaxis.title.text and "(log scale)" not in fig.layout.yaxis.title.text
    assert "<b>90.1%</b><br>± 0.1" in annotations(fig)
    (cells_trace,) = [t for t in fig.data if t.name == "cell"]
    assert sorted(cells_trace.customdata) == list(range(6))  # every cell is clickable


def test_cells_without_a_number_show_their_status_on_grey_and_running_cells_their_live_loss():
    def status(point, seed):
        return {0.001: "queued", 0.01: "running"}.get(point["learning_rate"], "done")
    records = runs((LR, BATCH), status=status)
    cells = analysis.cells(records, ("learning_rate", "batch_size"))
    live = {k: np.linspace(3, 1, 10) for k, cell in enumerate(cells) if cell.status == "running"}
    fig = figures.sweep_heatmap(cells, LR, BATCH, live_loss=live)
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isnan(z[:, :2]).all() and np.isfinite(z[:, 2]).all()
    texts = annotations(fig)
    assert texts.count("queued") == 2 and texts.count("running") == 2
    assert len(fig.layout.shapes) == 4  # the grey pending cells
    spark = [t for t in fig.data if t.name == "loss"][0]
    assert sum(1 for value in spark.x if value is None) == 2  # the 2 finished cells
    (running,) = [t for t in fig.data if t.name == "live loss"]  # dark on the grey of the 2 running cells
    assert sum(1 for value in running.x if value is None) == 2


def test_sparklines_stay_inside_their_cells():
    records = runs((LR, BATCH))
    cells = analysis.cells(records, ("learning_rate", "batch_size"))
    fig = figures.sweep_heatmap(cells, LR, BATCH)
    spark = [t for t in fig.data if t.name == "loss"][0]
    segments, current = [], []
    for x, y in zip(spark.x, spark.y):
        if x is None:
            segments.append(np.array(current))
            current = []
        else:
            current.append((x, y))
    assert len(segments) == 6
    for segment in segments:
        i, j = round(segment[:, 0].mean()), round(segment[:, 1].max() + 0.4)
        assert np.all(np.abs(segment[:, 0] - i) <= 0.4 + 1e-9)
        assert np.all((segment[:, 1] >= j - 0.46 - 1e-9) & (segment[:, 1] <= j - 0.28 + 1e-9))  # bottom of its cell
        assert segment[0, 1] > segment[-1, 1]  # the loss falls, so the line does


def test_a_cell_with_a_failure_cause_carries_its_badge_and_hover_explains_it():
    records = runs((LR, BATCH), status=lambda p, s: "diverged" if p["learning_rate"] == 0.1 else "done",
                   accuracy=lambda p, s: 0.1 if p["learning_rate"] == 0.1 else 0.95)
    cells = analysis.cells(records, ("learning_rate", "batch_size"))
    fig = figures.sweep_heatmap(cells, LR, BATCH)
    texts = annotations(fig)
    assert texts.count("diverged") == 2 and "10.0%" not in texts  # counted as chance, but nothing was measured
    z = np.array(fig.data[0].z, dtype=float)
    assert np.allclose(z[:, 2], 10.0)  # coloured as chance
    hover = [t for t in fig.data if t.name == "cell"][0].text
    assert any("⚠ diverged" in text and "Learning rate = 0.1" in text for text in hover)


def test_a_cell_where_one_seed_of_two_diverged_shows_its_mean_and_the_badge():
    records = runs((LR, BATCH), status=lambda p, s: "diverged" if p["learning_rate"] == 0.1 and s == 1 else "done",
                   accuracy=lambda p, s: 0.1 if p["learning_rate"] == 0.1 and s == 1 else 0.9)
    cells = analysis.cells(records, ("learning_rate", "batch_size"))
    texts = annotations(figures.sweep_heatmap(cells, LR, BATCH))
    assert "<b>50.0%</b><br>± 56.6" in texts and texts.count("⚠ diverged") == 2


def test_words_in_the_heatmap_are_translated():
    records = runs((LR, BATCH), status=lambda p, s: "queued")
    cells = analysis.cells(records, ("learning_rate", "batch_size"))
    fig = figures.sweep_heatmap(cells, LR, BATCH, translate=lambda text: text.upper())
    assert "QUEUED" in annotations(fig)
    assert fig.layout.xaxis.title.text == "LEARNING RATE (LOG SCALE)"


def test_one_setting_is_a_line_with_every_seed_and_error_bars_on_a_log_axis():
    records = runs((LR,), seeds=3, accuracy=lambda p, s: 0.9 + 0.01 * s)
    cells = analysis.cells(records, ("learning_rate",))
    fig = figures.seed_line(cells, LR)
    seeds = [t for t in fig.data if t.name == "each seed"][0]
    mean = [t for t in fig.data if t.name == "mean over seeds"][0]
    assert len(seeds.y) == 9 and list(mean.x) == [0.001, 0.01, 0.1]
    assert mean.error_y.array[0] == pytest.approx(100 * np.std([0.9, 0.91, 0.92], ddof=1))
    assert fig.layout.xaxis.type == "log"
    choice = figures.seed_line(analysis.cells(runs((ACT,)), ("activation",)), ACT)
    assert choice.layout.xaxis.type == "category"


def test_three_settings_are_small_multiples_sharing_one_colour_scale():
    records = runs((LR, BATCH, ACT), seeds=1, accuracy=lambda p, s: 0.9 if p["activation"] == "relu" else 0.8)
    cells = analysis.cells(records, ("learning_rate", "batch_size", "activation"))
    fig = figures.small_multiples(cells, (LR, BATCH, ACT))
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 2 and {t.coloraxis for t in heatmaps} == {"coloraxis"}
    assert [a.text for a in fig.layout.annotations[:2]] == ["Hidden activation = relu", "Hidden activation = sigmoid"]
    targets = [t for t in fig.data if t.name == "cell"]
    assert sorted(np.concatenate([t.customdata for t in targets])) == list(range(12))
    sigmoid = targets[1]
    assert all(cells[k].point["activation"] == "sigmoid" for k in sigmoid.customdata)


def test_random_points_are_a_scatter_of_measured_points_on_log_axes():
    lr = Axis("learning_rate", low=1e-4, high=1.0, log=True)
    width = Axis("width", low=8, high=256)
    spec = SweepSpec(BASE, (lr, width), sampler="random", trials=3)
    points = [{"learning_rate": 0.003, "width": 17}, {"learning_rate": 0.2, "width": 200},
              {"learning_rate": 0.05, "width": 40}]
    records = [SweepRecord(p, 0, spec.config_at(p), "done" if i < 2 else "queued", val_accuracy=0.9 if i < 2 else None)
               for i, p in enumerate(points)]
    fig = figures.sweep_scatter(analysis.cells(records, spec.names), lr, width)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    done = [t for t in fig.data if t.name == "points"][0]
    assert list(done.x) == [0.003, 0.2] and list(done.customdata) == [0, 1]
    assert len([t for t in fig.data if t.name == "not finished"][0].x) == 1


def test_learning_curves_are_faceted_by_one_setting_and_coloured_by_another():
    records = runs((LR, BATCH))
    fig = figures.learning_curves(records, LR, BATCH)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:3] == ["Learning rate = 0.001", "Learning rate = 0.01", "Learning rate = 0.1"]
    assert len(fig.data) == len(records)
    assert [t.name for t in fig.data if t.showlegend] == ["Batch size = 32", "Batch size = 128"]
    assert fig.data[0].y[-1] == pytest.approx(90)


def test_parallel_coordinates_put_log_settings_on_a_log_scale_and_accuracy_last():
    records = runs((LR, ACT), accuracy=lambda p, s: 0.9)
    fig = figures.parallel_coordinates(records, (LR, ACT))
    lr, act, accuracy = fig.data[0].dimensions
    assert list(lr.ticktext) == ["0.001", "0.01", "0.1"]
    assert np.allclose(lr.tickvals, [-3, -2, -1])
    assert list(act.ticktext) == ["relu", "sigmoid"]
    assert accuracy.label.startswith("validation accuracy") and len(accuracy.values) == len(records)


def test_the_runs_table_keeps_only_the_fields_that_differ():
    records = runs((LR, BATCH))
    frame = figures.runs_frame(records)
    assert list(frame.columns[:3]) == ["learning_rate", "batch_size", "seed"]
    assert "hidden" not in frame.columns and "epochs" not in frame.columns
    assert len(frame) == len(records)
    assert frame["val_accuracy"].iloc[0] == pytest.approx(90)
    single = figures.runs_frame(records[:1])
    assert list(single.columns) == ["status", "val_accuracy", "train_accuracy", "test_accuracy", "seconds", "causes"]


def test_width_differences_show_as_layer_sizes():
    configs = [BASE, BASE.replace(hidden=(64, 64))]
    assert figures.differing_fields(configs) == ["hidden"]
    assert figures.field_text(configs[1], "hidden") == "64-64"
    assert figures.field_text(BASE.replace(hidden=()), "hidden") == "—"


def test_importance_bars_put_the_largest_on_top():
    fig = figures.importance_bars({"learning_rate": 0.8, "batch_size": 0.2})
    assert list(fig.data[0].y) == ["Batch size", "Learning rate"]
    assert list(fig.data[0].text) == ["20%", "80%"]


def test_empty_inputs_give_a_message_not_an_error():
    for fig in (figures.sweep_heatmap([], LR, BATCH), figures.seed_line([], LR),
                figures.learning_curves([], LR), figures.parallel_coordinates([], (LR,)),
                figures.importance_bars({})):
        assert fig.layout.annotations and not fig.data


def test_every_sweep_figure_puts_its_words_through_translate():
    def status(point, seed):
        return {0.001: "queued", 0.01: "diverged"}.get(point["learning_rate"], "done")
    records = runs((LR, BATCH, ACT), status=status, seeds=2)
    cells = analysis.cells(records, ("learning_rate", "batch_size", "activation"))
    two = analysis.cells(records, ("learning_rate", "batch_size"))
    one = analysis.cells(records, ("learning_rate",))
    lr, width = Axis("learning_rate", low=1e-4, high=1.0, log=True), Axis("width", low=8, high=256)
    spec = SweepSpec(BASE, (lr, width), sampler="random", trials=2)
    scattered = [SweepRecord(p, 0, spec.config_at(p), state, val_accuracy=val) for p, state, val in (
        ({"learning_rate": 0.003, "width": 17}, "done", 0.9), ({"learning_rate": 0.2, "width": 200}, "queued", None))]
    built = {
        "heatmap": figures.sweep_heatmap(two, LR, BATCH, translate=marked),
        "small multiples": figures.small_multiples(cells, (LR, BATCH, ACT), translate=marked),
        "seed line": figures.seed_line(one, LR, translate=marked),
        "scatter": figures.sweep_scatter(analysis.cells(scattered, spec.names), lr, width, translate=marked),
        "learning curves": figures.learning_curves(records, LR, BATCH, translate=marked),
        "parallel coordinates": figures.parallel_coordinates(records, (LR, ACT), translate=marked),
        "importance": figures.importance_bars({"learning_rate": 0.7, "batch_size": 0.3}, translate=marked),
        "empty": figures.seed_line([], LR, translate=marked),
    }
    for name, fig in built.items():
        assert leftover_english(fig) == [], name
