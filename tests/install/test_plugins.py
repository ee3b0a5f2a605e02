"""Plugins from outside the repository (harness/spec/plugins.py): the example
distribution in tests/data/plugin, installed with pip beside kickoff's wheel
in a fresh virtualenv, gives a fault driver, a platform, an output and a
journey, which kickoff takes as its own: `harness validate` accepts a scenario
naming them, and a run on the plugin's platform plays the plugin's journey,
injects and reverts the plugin's fault and writes the plugin's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.install.conftest import REPO, Installed, fresh_install
from tests.streams.servers import live_encoder, nginx, wait_for_window

PLUGIN = REPO / "tests" / "data" / "plugin"
WINDOW, STREAM_SECONDS = 4, 60
SCENARIO = """\
name: plugged
platform: noted
targets: targets.yaml
journey: {plugin: looked-up}
time_scale: 10
timeline: {start: -100s, end: 30s}
audience:
  clients: {web: 1.0}
  viewers:
    - {at: -100s, viewers: 2}
    - {at: 30s, viewers: 2}
faults:
  - {name: noted-catalog, kind: note, target: catalog, at: 0s, for: 3s, recover_within: 4s}
slos:
  - {metric: video_start_failure_ratio, max: 0%}
"""


@pytest.fixture(scope="session")
def plugged(wheel, tmp_path_factory) -> Installed:
    """kickoff's wheel and the example plugin, installed together."""
    return fresh_install(wheel, tmp_path_factory.mktemp("plugged"), PLUGIN)


def test_the_plugins_kinds_are_kickoffs_own(plugged, tmp_path):
    help_text = plugged.run("harness", "run", "--help", cwd=tmp_path).stdout
    assert "noted" in help_text  # a --platform choice
    schema = plugged.run("harness", "schema", cwd=tmp_path)
    assert schema.returncode == 0, schema.stderr
    assert '"note"' in schema.stdout and '"plugin"' in schema.stdout
    (tmp_path / "targets.yaml").write_text("edge: http://127.0.0.1:1\ncomponents: [catalog]\n")
    (tmp_path / "plugged.yaml").write_text(SCENARIO)
    result = plugged.run("harness", "validate", "plugged.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    bad = SCENARIO.replace("{plugin: looked-up}", "{plugin: looked-down}")
    (tmp_path / "bad.yaml").write_text(bad)
    result = plugged.run("harness", "validate", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no installed plugin gives a journey named 'looked-down' (installed: looked-up)" \
        in result.stderr


def test_a_run_on_the_plugins_platform_uses_all_four(plugged, tmp_path):
    www = tmp_path / "www"
    with nginx(www, tmp_path / "nginx") as (base, _), \
            live_encoder("hls-ts", www, STREAM_SECONDS):
        wait_for_window(www, "hls-ts", WINDOW)
        (tmp_path / "targets.yaml").write_text(f"edge: {base}\ncomponents: [catalog]\n")
        (tmp_path / "plugged.yaml").write_text(SCENARIO)
        result = plugged.run("harness", "run", "plugged.yaml", cwd=tmp_path,
                             env={"KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 0, result.stdout + result.stderr
    (run_dir,) = (tmp_path / "results").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["overall"]["metrics"]["video_start_failure_ratio"] == 0
    assert summary["overall"]["metrics"]["requests_per_second.lookup"] > 0  # its journey
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    injected = [e for e in events if e["kind"] == "fault_injected"]
    assert [(e["fault"], e.get("output")) for e in injected] == \
        [("noted-catalog", {"wrote": "catalog.down"})]
    assert [e["fault"] for e in events if e["kind"] == "fault_reverted"] == ["noted-catalog"]
    assert not (tmp_path / "notes" / "catalog.down").exists()  # reverted
    seconds = (run_dir / "seconds.txt").read_text().splitlines()  # its output
    windows = (run_dir / "windows.jsonl").read_text().splitlines()
    assert len(seconds) == len(windows) > 0


def test_a_broken_plugin_is_named_and_nothing_runs(installed, tmp_path):
    """A distribution whose entry point does not load (written as pip writes
    one's metadata): every command says which, exit 2."""
    site = tmp_path / "site"
    info = site / "kickoff_plugin_broken-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kickoff-plugin-broken\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text("[kickoff.outputs]\nlost = no_such_module:OUTPUT\n")
    env = {"KICKOFF_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": str(site)}
    result = installed.run("harness", "validate", str(REPO / "scenarios" / "smoke.yaml"),
                           cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "plugin 'lost' (kickoff.outputs of kickoff-plugin-broken: no_such_module:OUTPUT): " \
        "does not load: ModuleNotFoundError" in result.stderr
