"""Plotly figure builders: core results in, :class:`plotly.graph_objects.Figure` out.

This package sits between the numpy core and the pages. It imports numpy,
plotly and :mod:`explainer`, never Streamlit, so every figure can also be
built in a notebook or a test. Every public function returns a Figure and
turns empty input into a figure that says "no data yet" instead of raising.
Every word a builder draws (titles, axes, legends, hover texts, notes) goes
through its ``translate`` argument (:data:`explainer.i18n.Translate`): the app
passes its per-visitor ``_``, the default keeps English.

* :mod:`.style` – the shared look: run colours, colour scales, layout;
* :mod:`.curves` – loss, accuracy and learning-rate curves (and their CSV);
* :mod:`.digits` – MNIST images: grids, class counts, class averages;
* :mod:`.mosaic` – many small images tiled into one fast heatmap;
* :mod:`.network` – the node-link diagram of a network's layers;
* :mod:`.tensors` – one array, or one traced operation, as heatmaps;
* :mod:`.evaluation` – confusion matrix, precision and recall per digit;
* :mod:`.weights` – weight histograms and first-layer filters;
* :mod:`.prediction` – one image's probabilities and hidden activations.
"""
