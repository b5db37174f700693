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
    """Well below Streamlit's 200 MB default; a page's largest message is a few MB (scripts/load_test.py)."""
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
