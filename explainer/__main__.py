"""``python -m explainer``: see :mod:`explainer.cli`.

BLAS runs on one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise: for the
small matrices of a mini-batch step, a second OpenBLAS thread on this kind of
2-vCPU machine costs more in synchronisation than it gains (``bench`` measured
ours, the floor and PyTorch all faster with one thread). It must be set before
numpy is imported, hence here.
"""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402  (after the thread setting, on purpose)

sys.exit(main())
