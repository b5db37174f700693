"""A neural network for MNIST written from scratch in NumPy, built to be looked inside.

The package is the numpy core of the explainer app and never imports a UI
library. Modules, in the order data flows through them:

* :mod:`explainer.idx`, :mod:`explainer.data` – read MNIST from wherever it is;
* :mod:`explainer.prepare` – splits and input scaling;
* :mod:`explainer.config`, :mod:`explainer.presets` – what a run is;
* :mod:`explainer.model`, :mod:`explainer.activations`, :mod:`explainer.losses` – the network;
* :mod:`explainer.trainer`, :mod:`explainer.schedules` – gradient descent as a stream of events;
* :mod:`explainer.trace`, :mod:`explainer.gradcheck`, :mod:`explainer.metrics` – looking inside;
* :mod:`explainer.persistence` – saving and loading weights;
* :mod:`explainer.cli` – ``python -m explainer``.
"""
