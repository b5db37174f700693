"""Locked down for the public: Streamlit's config, the app's error box, the container image.

The config is read by Streamlit's own machinery (in a child process, so this
test run's config stays untouched), not by string matching, so a misspelt
option or a value Streamlit would refuse fails here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"

# What a public demo needs, option by option (the file may set more, e.g. a [theme]).
WANTED = {
    "browser.gatherUsageStats": False,
    "server.headless": True,
    "server.maxUploadSize": 1,
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "server.enableXsrfProtection": True,
    "client.showErrorDetails": "none",
    "client.showErrorLinks": False,
    "client.toolbarMode": "viewer",
    "runner.postScriptGC": False,  # a full collection after every live-view rerun was most of the server's CPU
}

_READ_CONFIG = """
import json, sys
from streamlit import config
from streamlit.runtime import app_session

config.get_config_options(force_reparse=True)
config._check_conflicts()  # what `streamlit run` checks once the config is parsed
app_session._get_show_error_links()  # raises for a value the session cannot send
keys = json.loads(sys.argv[1])
known = set(config._config_options_template)
print(json.dumps({key: {"known": key in known,
                        "value": config.get_option(key) if key in known else None,
                        "where": config.get_where_defined(key) if key in known else None}
                  for key in keys}))
"""


def _flatten(table: dict, prefix: str = "") -> dict:
    flat = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


@pytest.fixture(scope="module")
def streamlit_view():
    """Each option the file sets, as Streamlit reads it from the repository root."""
    keys = sorted(set(_flatten(tomllib.loads(CONFIG.read_text()))) | set(WANTED))
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("STREAMLIT_")}  # the file alone decides
    result = subprocess.run([sys.executable, "-c", _READ_CONFIG, json.dumps(keys)], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_option_in_the_config_file_is_one_streamlit_knows(streamlit_view):
    unknown = [key for key, seen in streamlit_view.items() if not seen["known"]]
    assert unknown == []


@pytest.mark.parametrize("key", WANTED)
def test_the_config_file_sets_each_public_demo_option(streamlit_view, key):
    seen = streamlit_view[key]
    assert seen["value"] == WANTED[key]
    assert Path(seen["where"]) == CONFIG  # set by this file, not by a default that could change


def test_error_details_and_toolbar_values_are_among_streamlits_allowed_ones():
    from streamlit.config import ShowErrorDetailsConfigOptions
    from streamlit.proto.NewSession_pb2 import Config

    assert WANTED["client.showErrorDetails"] in {option.value for option in ShowErrorDetailsConfigOptions}
    assert WANTED["client.toolbarMode"].upper() in Config.ToolbarMode.keys()


def test_the_message_size_limit_is_lowered_but_generous(streamlit_view):
    """Well below Streamlit's 200 MB default, far above a page's largest message (about 0.25 MB)."""
    assert 10 <= streamlit_view["server.maxMessageSize"]["value"] < 200


# --- ui/errors.guarded ----------------------------------------------------------------------------

def _script_that_fails() -> None:
    from ui.errors import guarded

    with guarded("the test page"):
        raise FileNotFoundError("[Errno 2] No such file: '/srv/app/secret/config/keys.npz' (see /home/deploy)")


def test_an_unexpected_error_shows_no_server_path_type_or_traceback(caplog):
    at = AppTest.from_function(_script_that_fails)
    with caplog.at_level(logging.ERROR, logger="explainer.app"):
        at.run()
    assert not at.exception
    assert len(at.error) == 1
    shown = str(at.error[0].value)
    assert "Something went wrong in the test page" in shown
    for leak in ("/srv", "secret", "/home", "FileNotFoundError", "Errno", "Traceback", ".npz"):
        assert leak not in shown
    # The details are in the server log, under the reference the visitor sees.
    reference = re.search(r"Reference for the server log: (\w+)", shown).group(1)
    logged = [record for record in caplog.records if record.name == "explainer.app"]
    assert len(logged) == 1
    assert reference in logged[0].getMessage()
    assert "/srv/app/secret/config/keys.npz" in str(logged[0].exc_info[1])


def _script_that_stops() -> None:
    import streamlit as st

    from ui.errors import guarded

    with guarded("the test page"):
        st.write("before")
        st.stop()
    st.write("never")


def test_streamlits_own_control_flow_passes_through():
    at = AppTest.from_function(_script_that_stops)
    at.run()
    assert not at.error and not at.exception
    assert [markdown.value for markdown in at.markdown] == ["before"]


# --- the container image --------------------------------------------------------------------------

DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in logical]


def _env() -> dict[str, str]:
    env = {}
    for instruction, arguments in _instructions():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in arguments.split())
    return env


def test_the_image_is_slim_python_3_11():
    assert _instructions()[0] == ("FROM", "python:3.11-slim")


def test_the_app_runs_as_a_non_root_user_with_a_writable_cache():
    instructions = _instructions()
    users = [(index, arguments) for index, (instruction, arguments) in enumerate(instructions)
             if instruction == "USER"]
    assert users, "no USER instruction: the app would run as root"
    last_user = users[-1]
    assert last_user[1] not in {"root", "0"}
    cmd_index = max(index for index, (instruction, _) in enumerate(instructions) if instruction == "CMD")
    assert last_user[0] < cmd_index
    env = _env()
    assert env["MNIST_CACHE_DIR"].startswith(env["HOME"] + "/")
    assert any(instruction == "RUN" and "useradd" in arguments and "--home-dir " + env["HOME"] in arguments
               for instruction, arguments in instructions)


def test_the_port_comes_from_PORT_and_the_profile_is_public():
    env = _env()
    assert env["PORT"] == "8501"
    assert env["EXPLAINER_PROFILE"] == "public"
    (cmd,) = [arguments for instruction, arguments in _instructions() if instruction == "CMD"]
    command = " ".join(json.loads(cmd))
    assert "streamlit run app.py" in command
    assert re.search(r"--server\.port=\\?\"?\$\{?PORT\}?", command), command


def _healthcheck_command() -> str:
    (healthcheck,) = [arguments for instruction, arguments in _instructions() if instruction == "HEALTHCHECK"]
    assert "/_stcore/health" in healthcheck
    return healthcheck.split(" CMD ", 1)[1]


def test_the_health_check_passes_on_a_running_app_and_fails_without_one():
    from tests.browser import harness

    command = _healthcheck_command()
    server = harness.start_server(timeout=90)
    try:
        port = server.url.rsplit(":", 1)[1]
        healthy = subprocess.run(["sh", "-c", command], env={**os.environ, "PORT": port}, timeout=30)
    finally:
        server.stop()
    assert healthy.returncode == 0
    unhealthy = subprocess.run(["sh", "-c", command], env={**os.environ, "PORT": str(harness.free_port())},
                               capture_output=True, timeout=30)
    assert unhealthy.returncode != 0


def test_dockerignore_keeps_the_app_and_drops_the_rest():
    import fnmatch

    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path.split("/")[0], pattern)
                   for pattern in patterns)

    for needed in ("app.py", "requirements.txt", ".streamlit/config.toml", "explainer/data.py", "ui/state.py",
                   "pages/overview.py", "explainer/pretrained/recommended.npz", "explainer/sample",
                   "locale/zh/LC_MESSAGES/messages.po"):
        assert not ignored(needed), needed
    for dropped in (".git", "tests", "artifacts", ".venv"):
        assert ignored(dropped), dropped


# --- no server path on screen ---------------------------------------------------------------------

@pytest.mark.parametrize("source", ["directory", "cache", "download"])
def test_the_dataset_summary_a_visitor_sees_names_no_folder(source):
    import numpy as np

    from explainer.data import Mnist

    images, labels = np.zeros((3, 28, 28), np.uint8), np.zeros(3, np.uint8)
    data = Mnist(train_images=images, train_labels=labels, test_images=images[:2], test_labels=labels[:2],
                 source=source, location="/srv/deploy/secret-folder/mnist")
    assert "/srv" not in data.summary and "secret" not in data.summary
    assert data.summary.startswith("MNIST subset from ") and "(3 train + 2 test images)" in data.summary
    assert "/srv/deploy/secret-folder/mnist" in data.description  # the CLI and the logs still say where


def _all_protos(node):
    """Every element protobuf under an AppTest node, as text (labels, bodies and help texts alike)."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield str(proto)
    for child in getattr(node, "children", {}).values():
        yield from _all_protos(child)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/evaluate.py"])
def test_no_page_shows_the_folder_mnist_was_read_from(page):
    from tests.apptest_support import new_app
    from ui import resources

    at = new_app()
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page)
        at.run()
    assert not at.exception
    shown = "\n".join(_all_protos(at._tree))
    assert "In use:" in shown or "Test accuracy" in shown  # the page really rendered
    location = resources.mnist().location
    assert location and location not in shown
