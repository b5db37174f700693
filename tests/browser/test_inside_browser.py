"""Looking inside in a real browser: an experiment's runs on the Train page, and a click on the Shapes diagram."""

from __future__ import annotations

import re

from tests.browser import harness

TRAIN_TIMEOUT = 240  # two runs of an experiment on two shared cores, with the rest of the suite around


def chart_with_text(page, text: str):
    """The Plotly chart whose drawing contains ``text`` (Plotly writes titles and annotations into the SVG)."""
    chart = page.locator("[data-testid='stPlotlyChart']", has=page.locator(".main-svg", has_text=text)).first
    chart.wait_for(state="visible")
    return chart


def assert_healthy(page) -> None:
    assert harness.problems(page) == []


def test_an_experiment_shows_gradients_units_templates_and_the_loss_line(page, server):
    """Run the all-zero-init experiment: the four charts appear with their lessons, the scrubber moves time."""
    harness.open_page(page, server.url, "/train", timeout=90)
    page.get_by_role("button", name=re.compile("Run this experiment")).first.click()  # all-zero init vs He
    page.get_by_text("Run B: final validation accuracy").first.wait_for(timeout=TRAIN_TIMEOUT * 1000)
    harness.wait_for_idle(page, timeout=TRAIN_TIMEOUT)
    page.get_by_role("heading", name="Inside the network while it learned").wait_for()
    for title in ("Gradients per layer over training", "Dead and saturated units over training",
                  "First-layer templates", "The loss along the way"):
        page.get_by_role("heading", name=title).first.wait_for()
    gradients = chart_with_text(page, "update / weight")
    gradients.scroll_into_view_if_needed()
    assert "healthy band" in gradients.inner_text()
    units = chart_with_text(page, "distinct units in hidden layer 1")
    units.scroll_into_view_if_needed()
    assert "1 distinct unit of 64" in units.inner_text() and "64 distinct units of 64" in units.inner_text()
    line = chart_with_text(page, "t along the line")
    line.scroll_into_view_if_needed()
    assert "start θ₀" in line.inner_text() and "end θ₁" in line.inner_text()

    caption = page.get_by_text(re.compile(r"Run B after [\d,]+ steps")).first
    later = caption.inner_text()
    slider = page.get_by_role("slider", name=re.compile("Training time")).first
    slider.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("Home")  # back to the first snapshot, before training
    page.get_by_text("Run B after 0 steps").first.wait_for()
    harness.wait_for_idle(page)
    assert later != "Run B after 0 steps"
    assert_healthy(page)


def test_clicking_a_hidden_unit_on_the_shapes_diagram_shows_its_chain_rule(page, server):
    """A click on a circle of hidden layer 1 in the gradient diagram chooses that unit."""
    harness.open_page(page, server.url, "/shapes?preset=seed4-two-layer-net", timeout=90)
    page.get_by_role("button", name=re.compile(r"^update")).click()  # the whole backward pass is coloured
    page.get_by_role("button", name=re.compile(r"^▶ update")).wait_for()
    harness.wait_for_idle(page)
    diagram = chart_with_text(page, "Gradients of this step")
    diagram.scroll_into_view_if_needed()
    page.get_by_text("The chain rule for hidden 1 · unit 1").first.wait_for()
    points = diagram.locator(".scatterlayer .trace .points path.point")
    boxes = [box for box in (points.nth(i).bounding_box() for i in range(points.count()))
             if box and box["width"] < 20]  # the units' circles, not the wider ring around the chosen one
    columns = sorted({round(box["x"] + box["width"] / 2) for box in boxes})
    assert len(columns) == 3, columns  # input, hidden 1, output
    hidden = sorted((box for box in boxes if round(box["x"] + box["width"] / 2) == columns[1]),
                    key=lambda box: box["y"])
    third = hidden[2]
    page.mouse.click(third["x"] + third["width"] / 2, third["y"] + third["height"] / 2)
    page.get_by_text("The chain rule for hidden 1 · unit 3").first.wait_for(timeout=30_000)
    harness.wait_for_idle(page)
    assert_healthy(page)
