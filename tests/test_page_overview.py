"""The Overview page: real digits, the network the sidebar describes, and a map of the app."""

import pytest

from explainer.figures.network import parameter_count
from explainer.presets import PRESETS
from tests.apptest_support import new_app, texts


def overview(query=None):
    at = new_app(query)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_default_config_shows_data_network_and_parameter_count():
    at = overview()
    text = texts(at)
    assert "784 → 256 → 128 → 10" in text
    assert f"{parameter_count((784, 256, 128, 10)):,}" in text
    assert "784·256 + 256" in text
    assert "28×28 = 784 pixels" in text
    assert len(at.get("plotly_chart")) == 4  # example digits, class counts, class averages, network


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_renders_with_its_layer_sizes(name):
    at = overview({"preset": name})
    sizes = PRESETS[name].config.layer_sizes
    assert " → ".join(map(str, sizes)) in texts(at)
    assert f"{parameter_count(sizes):,}" in texts(at)


def test_network_follows_the_sidebar_width():
    at = overview()
    before = texts(at)
    at.sidebar.number_input(key="cfg.width0").set_value(32).run()
    after = texts(at)
    assert after != before
    assert "784 → 32 → 128 → 10" in after
    assert f"{parameter_count((784, 32, 128, 10)):,}" in after


def test_links_to_every_other_page():
    at = overview()
    assert {link.proto.page for link in at.page_link} == {"shapes", "train", "evaluate", "draw", "seeds", "explore",
                                                          "glossary"}


def test_every_chart_has_a_summary_and_the_numbers_behind_it():
    """A screen reader gets one sentence per chart; the counts and the layers are also tables."""
    at = overview()
    alts = {chart.proto.id.split("-")[-1]: chart.proto.alt for chart in at.get("plotly_chart")}
    assert all(alts.values()), alts
    counts = next(alt for key, alt in alts.items() if key.endswith("overview.counts"))
    assert "train" in counts and "test" in counts and "digit" in counts
    assert len(at.table) == 2  # the class counts and the network's layers, each in an expander
    layers = at.table[1].value
    assert list(layers["units"]) == [784, 256, 128, 10] and layers.index[0] == "input"
    assert list(layers["weights in"]) == [0, 784 * 256, 256 * 128, 128 * 10]
    assert len(at.expander) == 2 + 1  # + the sidebar's "Network and training"
