"""``python -m explainer``: see :mod:`explainer.cli`.

BLAS runs on one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise: on a
quiet 2-vCPU machine a second OpenBLAS thread speeds a mini-batch epoch up by
about 10%, but as soon as another process wants the CPU its spinning threads
make training several times slower (see the README's speed section). It must be
set before numpy is imported, hence here.
"""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402  (after the thread setting, on purpose)

sys.exit(main())
