"""Evaluate: how the network does on test digits it never saw, digit by digit, and where it goes wrong."""

from __future__ import annotations

import streamlit as st

from explainer import metrics
from explainer.i18n import render
from ui import evaluate, model_choice, resources
from ui.frame import ensure_frame
from ui.i18n import _

ensure_frame()

config, params, label = model_choice.active_model()
st.title(_("Evaluate"))
st.caption(_("Model: {label}.", label=label) + " " + _(model_choice.TRAIN_HINT))
st.markdown(_("How good is the network on images it never saw while training? Every test image goes through it "
              "once; we compare its answer with the true label."))

outputs = model_choice.outputs_on_test_set(config, params)
predicted = outputs.predicted
confusion = metrics.confusion_matrix(predicted, outputs.labels)
scores = metrics.class_scores(confusion)
accuracy = metrics.accuracy(predicted, outputs.labels)

first, second, third = st.columns(3)
first.metric(_("Test accuracy"), f"{accuracy:.2%}", help=_("Share of the test images whose predicted digit is right."))
second.metric(_("Mistakes"), _("{wrong:,} of {total:,}", wrong=int((predicted != outputs.labels).sum()),
                               total=len(outputs.labels)))
third.metric(_("Test images"), f"{len(outputs.labels):,}",
             help=_("The test split of this config ({split}) of the {data}.", split=config.validation,
                    data=render(resources.mnist().summary_notice, _)))

evaluate.show_scores(confusion, scores)

st.subheader(_("Its mistakes"))
st.markdown(_("Pick a cell of the confusion matrix: the test digits of the first kind the network took for the "
              "second. It starts at the most frequent confusion."))
evaluate.default_cell(confusion, f"{model_choice.fingerprint(params)}:{resources.dataset_key()}")
evaluate.show_mistakes(outputs, confusion)
