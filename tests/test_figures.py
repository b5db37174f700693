"""The figure builders turn real core results into sensible Plotly figures.

Everything is built from a tiny real run on the bundled sample (one epoch of
1,000 images), its traced step and its confusion matrix. Each test states
what a learner would see: two runs in two colours, counts written in the
confusion cells, the true shape in a truncated heatmap's title, and a
"no data yet" message instead of an exception when there is nothing to draw.
"""

import ast
import csv
import io
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from explainer import metrics, model, trainer
from explainer.config import RunConfig
from explainer.figures import curves, digits, evaluation, network, prediction, style, tensors, weights
from explainer.figures.curves import CurveData
from explainer.prepare import prepare
from explainer.trace import Operation, Tensor, shape_text, trace_step
from tests.i18n_support import leftover_english, marked

FIGURES_DIR = Path(__file__).resolve().parent.parent / "explainer" / "figures"
CONFIG = RunConfig(hidden=(16,), epochs=1, train_size=1000)


@pytest.fixture(scope="module")
def data(sample):
    return prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels, CONFIG)


@pytest.fixture(scope="module")
def runs(data):
    """Two real runs that differ only in the schedule: (config, result) pairs."""
    decayed = CONFIG.replace(schedule="exponential", decay_steps=2, decay_rate=0.5)
    return [(config, trainer.run(config, data)) for config in (CONFIG, decayed)]


@pytest.fixture(scope="module")
def curve_data(runs):
    per_epoch = trainer.plan(CONFIG, 1000)[1]
    return [CurveData.from_result(name, result, per_epoch)
            for name, (_, result) in zip(("A: constant", "B: exponential decay"), runs)]


@pytest.fixture(scope="module")
def probabilities(runs, data):
    config, result = runs[0]
    return model.predict_proba(result.params, data.X_test, config)


@pytest.fixture(scope="module")
def confusion(probabilities, data):
    return metrics.confusion_matrix(probabilities.argmax(axis=1), data.y_test)


def annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def assert_serialises(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert fig.to_json()


def assert_empty_message(fig: go.Figure) -> None:
    assert_serialises(fig)
    assert len(fig.data) == 0
    assert any(text for text in annotations(fig)), "an empty figure should say why it is empty"


# --- the package stays independent of the UI ---------------------------------------------------

def test_no_module_imports_streamlit():
    for path in FIGURES_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split(".")[0] == "streamlit" for name in imported), path.name


def test_run_colours_are_distinct_and_cycle():
    assert style.run_color(0) != style.run_color(1)
    assert style.run_color(len(style.RUN_COLORS)) == style.run_color(0)
    assert style.symmetric_range(np.array([-0.5, 2.0])) == (-2.0, 2.0)
    assert style.symmetric_range(np.zeros(3)) == (-1.0, 1.0)


# --- curves -------------------------------------------------------------------------------------

def test_training_curves_draw_each_run_in_its_own_colour(curve_data):
    fig = curves.training_curves(curve_data)
    assert_serialises(fig)
    colours = {name: set() for name in ("A: constant", "B: exponential decay")}
    for trace in fig.data:
        run = trace.name.split(" — ")[0]
        colours[run].add(trace.line.color if trace.mode == "lines" else trace.marker.color)
    assert colours["A: constant"] == {style.RUN_A}
    assert colours["B: exponential decay"] == {style.RUN_B}
    # per run: raw loss, smoothed loss, learning rate, and (train, val) × (loss, accuracy)
    assert len(fig.data) == 2 * 7
    legend = [trace.name for trace in fig.data if trace.showlegend is not False]
    assert "A: constant — val loss/acc" in legend and "B: exponential decay — train loss/acc" in legend


def test_runs_differ_by_marker_and_line_style_not_only_colour(curve_data):
    """Read in greyscale (or by a colour-blind learner), A and B still differ: markers and dashes."""
    fig = curves.training_curves(curve_data)
    by_name = {trace.name: trace for trace in fig.data}
    a_val, b_val = by_name["A: constant — val loss/acc"], by_name["B: exponential decay — val loss/acc"]
    assert a_val.marker.symbol != b_val.marker.symbol
    a_train = by_name["A: constant — train loss/acc"]
    assert a_train.marker.symbol != a_val.marker.symbol  # train vs val: hollow vs filled
    assert a_train.line.dash != a_val.line.dash  # and dotted vs solid
    a_loss, b_loss = by_name["A: constant — batch loss"], by_name["B: exponential decay — batch loss"]
    assert a_loss.line.dash != b_loss.line.dash
    assert by_name["A: constant — learning rate"].line.dash != by_name["B: exponential decay — learning rate"].line.dash


@pytest.mark.parametrize("probability, text", [
    (1.0, "100%"), (0.0, "0%"), (0.9996, ">99.9%"), (0.9994, "99.9%"), (0.0004, "<0.1%"),
    (0.5, "50.0%"), (0.12345, "12.3%")])
def test_percent_text_never_rounds_to_a_certainty_it_does_not_have(probability, text):
    assert style.percent_text(probability) == text


def test_percent_text_with_whole_percents():
    assert style.percent_text(0.996, decimals=0) == ">99%"
    assert style.percent_text(0.004, decimals=0) == "<1%"
    assert style.percent_text(0.97, decimals=0) == "97%"


def test_training_curves_rows_hold_loss_accuracy_and_learning_rate(curve_data, runs):
    fig = curves.training_curves(curve_data[:1])
    by_name = {trace.name: trace for trace in fig.data}
    result = runs[0][1]
    accuracy = by_name["A: constant — val loss/acc"]
    assert accuracy.yaxis == "y2"
    np.testing.assert_allclose(accuracy.y, [100 * e.val_accuracy for e in result.evaluations])
    assert by_name["A: constant — learning rate"].yaxis == "y3"
    np.testing.assert_allclose(by_name["A: constant — learning rate"].y, result.step_lr)
    assert fig.layout.xaxis3.title.text == "epoch"
    low, high = fig.layout.yaxis2.range
    assert 0 <= low < high <= 100


def test_curves_from_events_match_curves_from_the_result(data):
    events = list(trainer.train(CONFIG, data))
    steps = [e for e in events if isinstance(e, trainer.Step)]
    evaluations = [e for e in events if isinstance(e, trainer.Evaluation)]
    result = events[-1].result
    live = CurveData.from_events("live", steps, evaluations)
    done = CurveData.from_result("done", result)  # steps per epoch read off the evaluations
    np.testing.assert_allclose(live.step_epochs, done.step_epochs)
    np.testing.assert_allclose(live.step_loss, done.step_loss)
    np.testing.assert_array_equal(live.step_numbers, done.step_numbers)
    assert live.evaluations == done.evaluations
    assert live.step_epochs[-1] == pytest.approx(1.0)


def test_long_runs_are_downsampled_to_at_most_2000_points():
    s = 50_000
    rng = np.random.default_rng(0)
    run = CurveData("long", np.arange(1, s + 1) / 500, 2 + rng.standard_normal(s), np.full(s, 0.1))
    fig = curves.training_curves([run])
    assert_serialises(fig)
    for trace in fig.data:
        assert len(trace.x) <= curves.MAX_POINTS
    assert curves.downsample(run.step_loss).mean() == pytest.approx(run.step_loss.mean(), abs=0.01)
    assert len(curves.downsample(np.arange(10.0))) == 10


def test_smoothing_keeps_a_constant_series_unchanged():
    np.testing.assert_allclose(curves.smooth(np.full(100, 2.5), span=20), 2.5)


def test_training_curves_without_data_say_so():
    assert_empty_message(curves.training_curves([]))
    assert_empty_message(curves.training_curves([CurveData.from_events("A", [], [])]))


def test_a_run_with_only_the_first_evaluation_is_drawn(runs):
    first = runs[0][1].evaluations[:1]
    fig = curves.training_curves([CurveData.from_events("A", [], first)])
    assert_serialises(fig)
    assert len(fig.data) == 4  # train and val, loss and accuracy markers


def test_csv_has_a_header_and_one_row_per_step_and_per_evaluation(curve_data):
    text = curves.curves_csv(curve_data)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ",".join(curves.CSV_COLUMNS)
    expected = sum(len(run.step_loss) + len(run.evaluations) for run in curve_data)
    assert len(rows) == expected
    steps = [row for row in rows if row["run"] == "A: constant" and row["kind"] == "step"]
    assert len(steps) == len(curve_data[0].step_loss)
    assert float(steps[0]["loss"]) == pytest.approx(curve_data[0].step_loss[0], rel=1e-5)
    last_eval = [row for row in rows if row["kind"] == "eval"][-1]
    assert float(last_eval["val_accuracy"]) == pytest.approx(curve_data[1].evaluations[-1].val_accuracy, rel=1e-5)
    assert curves.curves_csv([]).strip() == ",".join(curves.CSV_COLUMNS)


# --- digits -------------------------------------------------------------------------------------

def test_digit_grid_tiles_100_digits_into_one_heatmap_with_captions(sample):
    images, labels = sample.train_images[:100], sample.train_labels[:100]
    fig = digits.digit_grid(images, labels)
    assert_serialises(fig)
    heatmap, captions = fig.data
    assert isinstance(heatmap, go.Heatmap) and captions.mode == "text"
    assert list(captions.text) == [str(d) for d in labels]
    z = np.asarray(heatmap.z, dtype=float)
    assert np.nanmax(z) == pytest.approx(1.0) and np.nanmin(z) == 0.0  # uint8 scaled to [0, 1]
    assert np.isfinite(z).sum() == 100 * 28 * 28  # every pixel of every digit, NaN gaps between


def test_digit_grid_takes_custom_captions_and_float_images(sample):
    images = sample.train_images[:3] / 255.0
    fig = digits.digit_grid(images, captions=["a", "b", "c"], columns=2)
    assert list(fig.data[1].text) == ["a", "b", "c"]
    assert len(digits.digit_grid(images).data) == 1  # no labels, no captions
    assert_empty_message(digits.digit_grid(np.zeros((0, 28, 28), np.uint8), np.zeros(0)))


def test_class_counts_bars_count_each_digit(sample):
    fig = digits.class_counts(sample.train_labels)
    assert_serialises(fig)
    np.testing.assert_array_equal(fig.data[0].y, np.bincount(sample.train_labels, minlength=10))
    split = digits.class_counts({"train": sample.train_labels, "test": sample.test_labels})
    assert [trace.name for trace in split.data] == ["train", "test"]
    assert_empty_message(digits.class_counts(np.zeros(0, np.uint8)))


def test_average_digits_shows_the_mean_image_of_each_class(sample):
    images, labels = sample.train_images[:500], sample.train_labels[:500]
    fig = digits.average_digits(images, labels)
    assert_serialises(fig)
    assert list(fig.data[1].text) == [str(d) for d in range(10)]
    z = np.asarray(fig.data[0].z, dtype=float)
    first = z[~np.all(np.isnan(z), axis=1)][:28, :28]  # the tile of digit 0
    np.testing.assert_allclose(first, images[labels == 0].mean(axis=0) / 255, atol=1e-6)
    assert_empty_message(digits.average_digits(np.zeros((0, 28, 28)), np.zeros(0)))


def test_single_digit_accepts_any_scale(sample):
    raw = digits.single_digit(sample.train_images[0], "raw")
    assert (raw.data[0].zmin, raw.data[0].zmax) == (0.0, 255.0)  # hover keeps the 0..255 values
    unit = digits.single_digit(sample.train_images[0] / 255, "unit")
    assert (unit.data[0].zmin, unit.data[0].zmax) == (0.0, 1.0)
    standardized = digits.single_digit(np.linspace(-1, 3, 784), "standardized")  # flat, negative
    assert np.asarray(standardized.data[0].z).shape == (28, 28)
    assert (standardized.data[0].zmin, standardized.data[0].zmax) == (-1.0, 3.0)
    assert raw.layout.title.text == "raw"
    assert_empty_message(digits.single_digit(np.zeros((0, 0)), "nothing"))


# --- network ------------------------------------------------------------------------------------

def test_network_diagram_labels_every_layer_for_one_hidden_layer():
    fig = network.network_diagram((784, 128, 10), "relu", "softmax")
    assert_serialises(fig)
    texts = annotations(fig)
    assert "<b>784</b><br>pixels" in texts
    assert "<b>128</b><br>ReLU" in texts
    assert "<b>10</b><br>softmax" in texts
    assert {"W1: 784×128", "W2: 128×10"} <= set(texts)
    assert texts.count("⋮") == 2  # 784 and 128 are too many to draw; 10 is not
    assert "101,770 parameters" in fig.layout.title.text


def test_network_diagram_without_hidden_layers():
    texts = annotations(network.network_diagram((784, 10), "relu", "softmax"))
    assert "W1: 784×10" in texts and "W2" not in " ".join(texts)
    assert "<b>input</b>" in texts and "<b>output</b>" in texts
    assert not any("hidden" in text for text in texts)


def test_network_diagram_with_four_hidden_layers():
    sizes = (784, 256, 128, 64, 32, 10)
    fig = network.network_diagram(sizes, "tanh", "sigmoid", max_nodes_drawn=8)
    texts = annotations(fig)
    assert [f"<b>hidden {i}</b>" in texts for i in range(1, 5)] == [True] * 4
    assert {"W1: 784×256", "W3: 128×64", "W5: 32×10"} <= set(texts)
    assert "<b>32</b><br>tanh" in texts and "<b>10</b><br>sigmoid" in texts
    nodes = [trace for trace in fig.data if trace.mode == "markers"]
    assert len(nodes) == len(sizes)
    assert max(len(trace.y) for trace in nodes) <= 8
    assert network.parameter_count(sizes) == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def test_network_diagram_of_nothing_says_so():
    assert_empty_message(network.network_diagram((784,), "relu", "softmax"))


# --- tensors ------------------------------------------------------------------------------------

def test_tensor_heatmap_truncates_large_arrays_and_says_so(runs):
    W1 = runs[0][1].params["W1"]  # (784, 16)
    fig = tensors.tensor_heatmap(W1, "W1", max_side=64)
    assert_serialises(fig)
    assert fig.layout.title.text == "W1 (784×16) — first 64 of 784 rows"
    z = np.asarray(fig.data[0].z)
    assert z.shape == (64, 16)
    np.testing.assert_allclose(z, W1[:64])
    assert fig.data[0].zmin == -fig.data[0].zmax  # zero at the centre of the scale
    both = tensors.tensor_heatmap(np.ones((100, 200)), "A", max_side=10)
    assert "first 10 of 100 rows, first 10 of 200 columns" in both.layout.title.text


def test_tensor_heatmap_of_vectors_scalars_and_empty_arrays():
    vector = tensors.tensor_heatmap(np.arange(5.0) - 2, "b1")
    assert np.asarray(vector.data[0].z).shape == (1, 5)
    assert vector.layout.title.text == "b1 (5)"
    scalar = tensors.tensor_heatmap(np.float32(2.302585), "L")
    assert_empty_message(scalar)
    assert annotations(scalar) == ["L = 2.303"]
    assert_empty_message(tensors.tensor_heatmap(np.zeros((0, 10)), "W"))


@pytest.mark.parametrize("layout", ["batch-first", "feature-first"])
def test_every_traced_operation_becomes_a_figure(data, layout):
    ops = trace_step(CONFIG, data.X_train[:8], data.y_train[:8], layout=layout)
    for op in ops:
        fig = tensors.operation_figure(op)
        assert_serialises(fig)
        assert fig.layout.title.text == op.title
        titles = annotations(fig)[:len(op.inputs) + 1]
        for tensor, title in zip([*op.inputs, op.output], titles):
            assert title.startswith(f"{tensor.name} ({shape_text(tensor.shape)})")
        assert "→" in annotations(fig)


def test_operation_figure_shows_input_images_as_thumbnails_and_the_loss_as_a_number(data):
    ops = trace_step(CONFIG, data.X_train[:8], data.y_train[:8])
    first = tensors.operation_figure(ops[0])  # z1 = X W1 + b1
    assert "each row as a 28×28 image" in annotations(first)[0]
    assert first.data[0].colorscale[0][1] == "#000000"  # greyscale, like every image
    assert len(first.data) == 4
    loss_op = next(op for op in ops if op.phase == "loss")
    loss_fig = tensors.operation_figure(loss_op)
    assert len(loss_fig.data) == len(loss_op.inputs)  # the scalar is an annotation, not a trace
    assert any(text.startswith("L = ") for text in annotations(loss_fig))


def test_operation_figure_with_an_empty_input():
    op = Operation("forward", "odd", "y = f(x)", (Tensor("x", np.zeros((0, 3))),), Tensor("y", np.ones(3)), "")
    assert_serialises(tensors.operation_figure(op))


# --- evaluation ---------------------------------------------------------------------------------

def test_confusion_heatmap_writes_every_count_in_its_cell(confusion):
    fig = evaluation.confusion_heatmap(confusion)
    assert_serialises(fig)
    text = next(trace for trace in fig.data if getattr(trace, "mode", None) == "text")
    assert list(text.text) == [str(n) for n in confusion.ravel()]
    cells = np.asarray(text.y) * 10 + np.asarray(text.x)  # y = true digit, x = predicted
    np.testing.assert_array_equal(cells, np.arange(100))
    mistakes, correct = fig.data[0], fig.data[1]
    assert np.all(np.isnan(np.diag(np.asarray(mistakes.z, dtype=float))))
    np.testing.assert_array_equal(np.diag(np.asarray(correct.z, dtype=float)), np.diag(confusion))
    assert fig.layout.yaxis.autorange == "reversed"  # digit 0 at the top
    assert fig.layout.xaxis.title.text == "predicted digit"
    assert fig.layout.yaxis.title.text == "true digit"


def test_confusion_heatmap_without_predictions_says_so():
    assert_empty_message(evaluation.confusion_heatmap(np.zeros((10, 10), int)))
    assert_empty_message(evaluation.confusion_heatmap(np.zeros((0, 0), int)))


def test_class_scores_bar_shows_precision_and_recall_with_gaps_for_nan(confusion):
    scores = metrics.class_scores(confusion)
    fig = evaluation.class_scores_bar(scores)
    assert_serialises(fig)
    assert [trace.name for trace in fig.data] == ["precision", "recall"]
    np.testing.assert_allclose(fig.data[1].y, 100 * scores.recall)
    never_predicted = confusion.copy()
    never_predicted[:, 3] = 0  # nobody is predicted as 3: precision of 3 is undefined
    gap = evaluation.class_scores_bar(metrics.class_scores(never_predicted))
    assert gap.data[0].y[3] is None
    assert "n/a" in annotations(gap)
    nan = np.full(10, np.nan)
    assert_empty_message(evaluation.class_scores_bar(metrics.ClassScores(nan, nan, np.zeros(10))))


# --- weights ------------------------------------------------------------------------------------

def test_weight_histograms_compare_start_and_end_on_the_same_bins(runs):
    result = runs[0][1]
    fig = weights.weight_histograms(result.initial_params, result.params)
    assert_serialises(fig)
    assert [trace.name for trace in fig.data] == ["start", "end", "start", "end"]
    for start, end, name in ((fig.data[0], fig.data[1], "W1"), (fig.data[2], fig.data[3], "W2")):
        np.testing.assert_array_equal(start.x, end.x)
        assert sum(start.y) == sum(end.y) == result.params[name].size
    assert f"std {np.std(result.initial_params['W1']):.3g} → {np.std(result.params['W1']):.3g}" in annotations(fig)[0]
    assert_empty_message(weights.weight_histograms({}, {}))


def test_weight_histograms_of_all_zero_weights_do_not_fail():
    zeros = {"W1": np.zeros((784, 4)), "b1": np.zeros(4)}
    assert_serialises(weights.weight_histograms(zeros, zeros))


def test_first_layer_filters_reshape_each_unit_to_28x28(runs):
    W1 = runs[0][1].params["W1"]
    fig = weights.first_layer_filters(W1, count=4, columns=4)
    assert_serialises(fig)
    assert list(fig.data[1].text) == ["1", "2", "3", "4"]
    assert fig.data[1].hovertext[0].startswith("unit 1:")
    z = np.asarray(fig.data[0].z, dtype=float)
    tile = z[~np.all(np.isnan(z), axis=1)][:28, :28]
    np.testing.assert_allclose(tile, W1[:, 0].reshape(28, 28), rtol=1e-6, atol=1e-7)
    assert fig.data[0].zmin == -fig.data[0].zmax
    assert list(weights.first_layer_filters(W1.T, count=2).data[1].text) == ["1", "2"]
    assert_empty_message(weights.first_layer_filters(np.zeros((784, 0))))


# --- prediction ---------------------------------------------------------------------------------

def test_probability_bars_highlight_the_prediction_and_a_wrong_true_label(probabilities):
    p = probabilities[0]
    predicted = int(p.argmax())
    wrong = (predicted + 1) % 10
    fig = prediction.probability_bars(p, label=wrong)
    assert_serialises(fig)
    colors = list(fig.data[0].marker.color)
    assert colors[predicted] == style.PREDICTED_COLOR
    assert colors[wrong] == style.TRUE_LABEL_COLOR
    assert sum(c == style.LIGHT_GREY for c in colors) == 8
    np.testing.assert_allclose(fig.data[0].y, 100 * p)
    assert "✗" in fig.layout.title.text
    assert list(fig.data[0].text) == [style.percent_text(v) if v >= 0.01 else "" for v in p]  # no "0.0%" clutter
    patterns = list(fig.data[0].marker.pattern.shape)
    assert patterns[wrong] and not patterns[predicted]  # the true digit is hatched: not told by colour alone
    assert "✓" in prediction.probability_bars(p, label=predicted).layout.title.text
    scores = prediction.probability_bars(np.linspace(-3, 3, 10))  # a linear output
    assert scores.layout.yaxis.title.text == "score"
    assert_empty_message(prediction.probability_bars(np.zeros(0)))


def test_a_near_certain_prediction_reads_the_same_in_the_chart_as_in_words():
    """0.9997 is '>99.9%' in the bar label, hover and title, never '100.0%' (the Draw page's sentence agrees)."""
    p = np.array([0.0001, 0.0002] + [0.0] * 7 + [0.9997])
    fig = prediction.probability_bars(p)
    assert fig.data[0].text[9] == ">99.9%" and fig.data[0].customdata[9] == ">99.9%"
    assert "(>99.9%)" in fig.layout.title.text
    assert "100.0%" not in fig.to_json()


def test_hidden_activations_draw_one_strip_per_hidden_layer(data):
    config = CONFIG.replace(hidden=(16, 8))
    params = model.init_params(config, np.random.default_rng(0))
    values = model.forward(params, data.X_test[:1], config)
    layers = [values["a1"][0], values["a2"][0]]
    fig = prediction.hidden_activations(layers)
    assert_serialises(fig)
    assert [np.asarray(trace.z).shape for trace in fig.data] == [(1, 16), (1, 8)]
    assert annotations(fig)[0].startswith("a1 (16 units")
    assert_empty_message(prediction.hidden_activations([]))


# --- the network coloured by one step's gradients (Shapes page) ----------------------------------


def test_gradient_flow_diagram_colours_what_the_backward_pass_has_reached(small_batch):
    from explainer.trace import gradient_flow

    X, y = small_batch
    config = RunConfig(hidden=(300, 20))
    geometry = network.Geometry.of(config.layer_sizes, 12)
    flow = gradient_flow(config, X, y, units=[units for units, _ in geometry.columns])

    def edge_layers(fig):
        return {trace.name for trace in fig.data if trace.name.startswith("dW")}

    def unit_colours(fig, header):
        return next(trace for trace in fig.data if trace.name == header).marker.color

    before = network.gradient_flow_diagram(flow, units_from=4, edges_from=4)
    assert edge_layers(before) == set() and unit_colours(before, "output") == style.OUTPUT_NODE
    middle = network.gradient_flow_diagram(flow, units_from=2, edges_from=3)
    assert edge_layers(middle) == {"dW3"}
    assert list(unit_colours(middle, "hidden 2")) == pytest.approx(list(flow.unit_grads[1]))
    assert unit_colours(middle, "hidden 1") == style.HIDDEN_NODE
    done = network.gradient_flow_diagram(flow, selected=(1, 299))
    assert edge_layers(done) == {"dW1", "dW2", "dW3"}
    hidden = next(trace for trace in done.data if trace.name == "hidden 1")
    assert [list(point) for point in hidden.customdata][-1] == [1, 299]  # a click names its unit
    assert any(trace.name == "selected" for trace in done.data)
    widths = [trace.line.width for trace in done.data if trace.name == "dW3"]
    assert max(widths) > min(widths)  # larger gradients, wider lines


# --- every word through the reader's language ------------------------------------------------------
# Each builder takes ``translate``; with a translator that marks what it translated, no English word
# of a title, axis, legend, hover text or annotation is left unmarked (tests/i18n_support.py).

def test_training_curves_put_every_word_through_translate(runs):
    per_epoch = trainer.plan(CONFIG, 1000)[1]
    named = [CurveData.from_result(letter, result, per_epoch) for letter, (_, result) in zip("AB", runs)]
    fig = curves.training_curves(named, translate=marked)
    assert leftover_english(fig, names=("A", "B")) == []
    assert fig.layout.xaxis3.title.text == "«epoch»" and "«A — batch loss»" in [t.name for t in fig.data]
    assert leftover_english(curves.training_curves([], translate=marked)) == []


def test_weight_figures_put_every_word_through_translate(runs):
    _, result = runs[0]
    fig = weights.weight_histograms(result.initial_params, result.params, translate=marked)
    assert leftover_english(fig) == [] and {t.name for t in fig.data} == {"«start»", "«end»"}
    assert leftover_english(weights.first_layer_filters(result.params["W1"], translate=marked)) == []
    assert leftover_english(weights.first_layer_filters(np.zeros((3, 3)), translate=marked)) == []
    assert leftover_english(weights.weight_histograms({}, {}, translate=marked)) == []


def test_digit_figures_put_every_word_through_translate(sample):
    images, labels = sample.train_images[:50], sample.train_labels[:50]
    for fig in (digits.digit_grid(images, labels, translate=marked), digits.class_counts(labels, translate=marked),
                digits.average_digits(images, labels, translate=marked),
                digits.single_digit(images[0], translate=marked), digits.digit_grid(images[:0], translate=marked)):
        assert leftover_english(fig) == []
    split = digits.class_counts({"«train»": labels, "«test»": labels}, translate=marked)  # split names as given
    assert leftover_english(split) == []


def test_prediction_figures_put_every_word_through_translate(probabilities):
    bars = prediction.probability_bars(probabilities[0], label=3, translate=marked)
    assert leftover_english(bars) == [] and bars.layout.title.text.startswith("«predicted ")
    assert leftover_english(prediction.probability_bars(np.linspace(-2, 2, 10), translate=marked)) == []
    strips = prediction.hidden_activations([np.linspace(-1, 1, 16)], translate=marked)
    assert leftover_english(strips, names=("a1",)) == []
    assert leftover_english(prediction.hidden_activations([], translate=marked)) == []


def test_evaluation_figures_put_every_word_through_translate(confusion):
    assert leftover_english(evaluation.confusion_heatmap(confusion, translate=marked)) == []
    scores = metrics.class_scores(np.array([[3, 0, 0, 0], [0, 2, 1, 0], [0, 1, 2, 0], [0, 0, 0, 0]]))
    fig = evaluation.class_scores_bar(scores, translate=marked)
    assert leftover_english(fig) == [] and "«n/a»" in annotations(fig)  # digit 3: never true, never predicted


def test_network_figures_put_every_word_through_translate(small_batch):
    from explainer.trace import gradient_flow

    for sizes, output in (((784, 16, 10), "softmax"), ((784, 10), "linear")):
        assert leftover_english(network.network_diagram(sizes, "relu", output, translate=marked)) == []
    assert leftover_english(network.network_diagram((), translate=marked)) == []
    X, y = small_batch
    config = RunConfig(hidden=(30, 20))
    geometry = network.Geometry.of(config.layer_sizes, 12)
    flow = gradient_flow(config, X, y, units=[units for units, _ in geometry.columns])
    for progress in ((4, 4), (2, 3), (1, 1)):
        fig = network.gradient_flow_diagram(flow, units_from=progress[0], edges_from=progress[1], translate=marked)
        assert leftover_english(fig) == []


@pytest.mark.parametrize("layout", ["batch-first", "feature-first"])
def test_operation_figures_put_every_word_through_translate(data, layout):
    for op in trace_step(RunConfig(hidden=(8,)), data.X_train[:4], data.y_train[:4], layout=layout):
        fig = tensors.operation_figure(op, translate=marked)
        assert leftover_english(fig) == [], op.title
        assert fig.layout.title.text == f"«{op.title}»"
    for value in (np.zeros((100, 70)), np.ones(80), np.float64(2.3), np.zeros((0, 3))):
        assert leftover_english(tensors.tensor_heatmap(value, "W1", translate=marked)) == []


def test_an_empty_figure_says_no_data_in_the_readers_language():
    fig = style.empty_figure(translate=marked)
    assert annotations(fig) == ["«no data yet»"] and leftover_english(fig) == []
    assert annotations(style.empty_figure()) == ["no data yet"]


def test_the_live_chart_takes_its_words_already_translated(curve_data):
    from explainer.figures.live import live_curves

    words = ("loss", "accuracy", "epoch", "batch loss", "train", "validation")
    named = [CurveData(letter, run.step_epochs, run.step_loss, run.step_lr, run.evaluations)
             for letter, run in zip("AB", curve_data)]
    figure = live_curves(named, texts={word: marked(word) for word in words})
    assert leftover_english(figure, names=("A", "B")) == []


def test_a_mosaic_draws_no_words_of_its_own(sample):
    from explainer.figures.mosaic import mosaic_figure, tile

    fig = mosaic_figure(tile(sample.train_images[:4] / 255, 2), ["«one»", "«two»", "«three»", "«four»"])
    assert leftover_english(fig) == []
