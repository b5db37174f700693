"""The Evaluate page: test accuracy, confusion matrix, per-digit scores and the mistakes of one cell."""

import json
import re

import numpy as np

from explainer import trainer
from explainer.config import RunConfig
from tests.apptest_support import new_app, texts
from ui import model_choice

ANY = -1  # the selectboxes' 'any digit'


def evaluate_page(last_result=None):
    at = new_app()
    at.switch_page("pages/evaluate.py")
    if last_result is not None:
        at.session_state["last_result"] = last_result
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def chart(at, key: str) -> dict:
    """The Plotly figure of the chart with ``key``, as a dict."""
    found = [element for element in at.get("plotly_chart") if element.proto.id.endswith(key)]
    assert len(found) == 1, [element.proto.id for element in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def gallery(at):
    """The mistakes gallery's images (an st.image list) of the last run."""
    lists = at.get("image")
    assert len(lists) == 1, f"expected one image gallery, found {len(lists)}"
    return lists[0].proto.imgs


def captions(at) -> list[str]:
    return [image.caption for image in gallery(at)]


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_shipped_model_scores_above_90_percent_with_every_chart():
    at = evaluate_page()
    accuracy = float(metric(at, "Test accuracy").rstrip("%")) / 100
    assert accuracy > 0.9
    assert "shipped recommended model" in texts(at)
    for key in ("evaluate.confusion", "evaluate.scores"):
        assert chart(at, key)["data"]
    assert gallery(at)
    counts = chart(at, "evaluate.confusion")["data"][-1]["text"]  # the count written in every cell
    assert len(counts) == 100 and sum(map(int, counts)) == int(metric(at, "Test images").replace(",", ""))


def test_mistakes_start_at_the_most_frequent_confusion_most_confident_first():
    at = evaluate_page()
    true, predicted = at.selectbox(key="evaluate.true").value, at.selectbox(key="evaluate.predicted").value
    assert true != predicted
    shown = captions(at)
    assert shown and all(caption.startswith(f"{true}→{predicted} ") for caption in shown)
    sure = [float(re.search(r"(\d+)%", caption).group(1)) for caption in shown]
    assert sure == sorted(sure, reverse=True)
    assert f"true {true} → predicted {predicted}" in texts(at)


def test_changing_the_cell_changes_the_mistakes_shown():
    at = evaluate_page()
    before = captions(at)
    true = at.selectbox(key="evaluate.true").value
    other = next(d for d in (9, 4, 7, 3, 5, 8, 2) if d != true)
    at.selectbox(key="evaluate.true").set_value(other).run()
    at.selectbox(key="evaluate.predicted").set_value(ANY).run()
    assert not at.exception
    after = captions(at)
    assert after != before
    assert all(caption.startswith(f"{other}→") for caption in after)
    assert f"true {other}, predicted as another digit" in texts(at)

    at.selectbox(key="evaluate.true").set_value(ANY).run()
    assert len(captions(at)) == min(40, int(metric(at, "Mistakes").split(" of ")[0].replace(",", "")))


def test_the_diagonal_cell_explains_instead_of_showing_mistakes():
    at = evaluate_page()
    at.selectbox(key="evaluate.true").set_value(3).run()
    at.selectbox(key="evaluate.predicted").set_value(3).run()
    assert any("diagonal" in info.value for info in at.info)
    assert not at.get("image")


def test_every_mistake_image_has_alt_text_naming_it():
    """A screen reader hears which test image each picture is and what the network made of it."""
    at = evaluate_page()
    true, predicted = at.selectbox(key="evaluate.true").value, at.selectbox(key="evaluate.predicted").value
    for image in gallery(at):
        assert re.fullmatch(rf"Test image \d+: a handwritten {true} that the network read as {predicted} "
                            r"\((>?\d+%)\)\.", image.alt), image.alt


def test_both_charts_have_a_summary_and_a_table():
    at = evaluate_page()
    alts = {chart.proto.id.split("-")[-1]: chart.proto.alt for chart in at.get("plotly_chart")}
    accuracy = metric(at, "Test accuracy")
    right = int(round(float(accuracy.rstrip("%")) / 100 * int(metric(at, "Test images").replace(",", ""))))
    assert f"{right:,} on the diagonal" in alts["evaluate.confusion"]
    assert "recall" in alts["evaluate.scores"]
    confusion_table, scores_table = at.table
    assert confusion_table.value.shape == (10, 10)
    assert int(confusion_table.value.to_numpy().trace()) == right
    assert list(scores_table.value.columns) == ["precision", "recall", "test images"]


def test_the_page_evaluates_the_learners_last_run(sample_splits):
    config = RunConfig(hidden=(16,), epochs=1, train_size=1000, eval_every=4)
    result = trainer.run(config, sample_splits(config))
    at = evaluate_page(last_result=result)
    assert "your last run: 784-16-10" in texts(at)
    shipped = evaluate_page()
    assert metric(at, "Test accuracy") != metric(shipped, "Test accuracy")


def test_most_confused_is_the_largest_off_diagonal_cell():
    confusion = np.array([[50, 1, 7], [2, 40, 3], [7, 0, 60]])
    assert model_choice.most_confused(confusion) == (0, 2)  # a tie goes to the first in row order


def test_fingerprint_tells_networks_apart():
    params = {"W1": np.ones((2, 3), np.float32), "b1": np.zeros(3, np.float32)}
    same = {name: value.copy() for name, value in params.items()}
    other = {"W1": params["W1"] * 2, "b1": params["b1"]}
    assert model_choice.fingerprint(params) == model_choice.fingerprint(same)
    assert model_choice.fingerprint(params) != model_choice.fingerprint(other)
