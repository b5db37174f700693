# The explainer as a public demo: `docker build -t mnist-explainer .`
#                                  `docker run --rm -p 8501:8501 mnist-explainer`
# A slim Python 3.11 image, the pinned runtime packages only, a non-root user, the port from $PORT
# (hosts such as Cloud Run or Render set it), the public profile's limits (explainer/settings.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1 \
    PORT=8501 \
    EXPLAINER_PROFILE=public \
    HOME=/home/app \
    MNIST_CACHE_DIR=/home/app/.cache/numpy-mnist-explainer

# The app runs as this user; only its home (the MNIST download and the run store) is writable.
RUN useradd --create-home --home-dir /home/app --uid 10001 --user-group --shell /usr/sbin/nologin app

WORKDIR /app
COPY requirements.txt ./
RUN python -m pip install -r requirements.txt

# The code stays owned by root, read-only for the app user (.dockerignore keeps tests, docs and git out).
COPY . .

USER app
RUN mkdir -p "$MNIST_CACHE_DIR"
# Fetch the full MNIST (about 11 MB, checked against its SHA-256) into the cache at build time, so the
# first visitor does not wait for it; `--build-arg FETCH_MNIST=0` keeps the image offline-only (the app then
# starts on its bundled 10,000-image sample and offers the download in the sidebar).
ARG FETCH_MNIST=1
RUN if [ "$FETCH_MNIST" = "1" ]; then \
        python -c "from explainer.data import load_mnist; print(load_mnist(download=True).description)"; \
    fi

EXPOSE 8501
# Streamlit answers "ok" on /_stcore/health once the server is up (urlopen raising also means unhealthy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c 'import os, sys, urllib.request; url = "http://127.0.0.1:%s/_stcore/health" % os.environ.get("PORT", "8501"); sys.exit(urllib.request.urlopen(url, timeout=4).read().strip() != b"ok")'

# exec replaces the shell, so Streamlit itself gets `docker stop`'s SIGTERM (run with --init to reap workers).
CMD ["sh", "-c", "exec streamlit run app.py --server.port=\"${PORT}\" --server.address=0.0.0.0"]
