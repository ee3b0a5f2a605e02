"""Command faults on a platform kickoff does not own: the test platform's API
(platform_api.py, on a free port) and a static stream server (nginx serving
the live DASH stream ffmpeg writes). The targets file's commands stop the API
(api_control.py, by its pidfile), start it again and ask its health; a short
run gets the fault table, impact, recovery and component health from them,
and `harness reset` runs the journalled revert after the harness was killed
with SIGKILL in the middle of a fault."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.faults.journal import run_journals, unreverted
from tests.cli import HARNESS, harness
from tests.run.helpers import events, number, run_dir, summary, timeseries, write_scenario
from tests.streams.servers import MANIFEST, free_port, nginx, own_state, wait_for
from tests.journey.conftest import SHAPE

HERE = Path(__file__).parent
CONTROL = HERE / "api_control.py"
VIEWERS = 4


@pytest.fixture
def platform(tmp_path, media, accounts_csv):
    """The API, started as its start command would, and nginx serving the
    stream: (the API's base URL, the stream's URL, the commands' environment)."""
    port = free_port()
    work = tmp_path / "platform"
    work.mkdir()
    with nginx(media, work / "nginx") as (streams, _):
        env = {"API_PORT": str(port), "API_PIDFILE": str(work / "api.pid"),
               "API_LOG": str(work / "api.log"), "API_ACCOUNTS": str(accounts_csv),
               "API_MEDIA": str(media), "API_STREAM": "/media/none.mpd"}
        control = {**os.environ, **env}
        started = subprocess.run([sys.executable, str(CONTROL), "start", "api"], env=control,
                                 capture_output=True, text=True, timeout=30)
        assert started.returncode == 0, started.stdout + started.stderr
        try:
            yield f"http://127.0.0.1:{port}", f"{streams}/{MANIFEST[SHAPE]}", env
        finally:
            subprocess.run([sys.executable, str(CONTROL), "stop", "api", "SIGKILL"],
                           env=control, capture_output=True, timeout=30)


def healthy(env: dict[str, str]) -> bool:
    return subprocess.run([sys.executable, str(CONTROL), "health", "api"],
                          env={**os.environ, **env}, capture_output=True,
                          timeout=30).returncode == 0


def write_files(folder: Path, api: str, stream: str, env: dict[str, str], accounts: Path,
                faults: str, *, end: str) -> Path:
    """The operator's targets file (the commands) and a scenario naming the target."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text(accounts.read_text())
    control = [sys.executable, str(CONTROL)]
    (folder / "targets.yaml").write_text(f"""\
edge: {api}
commands:
  api:
    inject: {json.dumps([*control, "stop", "{target}", "{signal}"])}
    revert: {json.dumps([*control, "start", "{target}"])}
    check: {json.dumps([*control, "health", "{target}"])}
    env: {json.dumps(env)}
    timeout: 20s
""")
    login = ('{name: token, group: token, url: /oauth/token, form: {grant_type: password, '
             'username: "{account.username}", password: "{account.password}"}}')
    # Compressing faults cannot change the answer here: the API is down or up, and the
    # viewers' token calls (every 2 s) fail or succeed at once.
    return write_scenario(folder, "command-fault", f"""\
platform: external
targets: targets.yaml
time_scale: 2
fault_time_scale: 2
timeline: {{start: 0s, end: {end}}}
journey:
  accounts: accounts.csv
  steps:
    - {login}
  play: {stream}
  while_watching:
    - every: 2s
      steps:
        - {login.replace("name: token, group: token", "name: refresh, group: refresh")}
audience:
  event: ch-1
  # apps: web viewers ask for a DASH segment the moment it is due and ffmpeg may write it
  # a moment later; those 404s in the band impact is measured against would hide the fault
  clients: {{app: 1}}
  viewers:
    - {{at: 0s, viewers: {VIEWERS}}}
faults:
{faults}""")


def test_a_command_fault_gets_the_fault_table_impact_and_recovery(tmp_path, platform,
                                                                   accounts_csv):
    api, stream, env = platform
    scenario = write_files(tmp_path / "files", api, stream, env, accounts_csv, """\
  - {name: api-down, kind: command, target: api, at: 20s, for: 10s, recover_within: 20s,
     params: {signal: SIGKILL}}
slos:
  - {metric: error_ratio.refresh, max: 1%, phase: baseline}
  # judged whole, the second the API came back in holds calls that failed before it did,
  # retries among them (12 of 84 calls once, 1 or 2 mostly); every second after it is held
  # to no error below
  - {metric: error_ratio.refresh, max: 25%, phase: recovery:api-down}
""", end="56s")
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                     env=own_state(tmp_path))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    folder = run_dir(tmp_path / "results")
    (fault,) = summary(folder)["faults"]
    assert (fault["kind"], fault["target"], fault["driver"], fault["status"]) == (
        "command", "api", "command", "reverted")
    assert fault["inject_output"]["exit_code"] == 0
    assert fault["inject_output"]["last_lines"][-1].startswith("stopped api (pid ")
    assert fault["revert_output"]["exit_code"] == 0
    assert fault["revert_output"]["last_lines"][-1].startswith("started api (pid ")
    # the commands' own time is the driver's part of each step's lateness
    assert 0 < fault["inject_took_ms"] <= fault["inject_delay_ms"]
    assert 0 < fault["revert_took_ms"] <= fault["revert_delay_ms"]
    # the viewers' token calls failed while the API was down, and came back after
    assert fault["impact_detected_after_s"] is not None and "error_ratio" in \
        fault["impact_signals"]
    refresh = [number(row["error_ratio.refresh"]) for row in timeseries(folder)]
    down = [refresh[second] for second in range(math.ceil(fault["injected_second"]),
                                                 math.floor(fault["reverted_second"]))]
    assert 1.0 in down and set(down) <= {1.0, None}  # None: no call ended in that second
    after = refresh[math.ceil(fault["reverted_second"]) + 1:]
    assert 0.0 in after and set(after) <= {0.0, None}
    assert fault["recovery_from"] == "revert" and fault["recovered_after_s"] is not None
    assert fault["component_healthy_after_s"] is not None  # from the target's check
    health = [(e["component"], e["healthy"]) for e in events(folder)
              if e["kind"] == "component_health"]
    assert health == [("api", False), ("api", True)]
    (judged,) = summary(folder)["verdict"]["faults"]
    # the SLOs held, and viewers noticed the outage: what the verdict calls degraded
    assert (judged["name"], judged["result"]) == ("api-down", "degraded"), judged
    assert judged["why"].startswith("SLOs held; viewers noticed it after ")
    assert "api-down inject: exit 0: stopped api (pid " in result.stdout
    assert "api-down revert: exit 0: started api (pid " in result.stdout
    assert "api-down inject: exit 0: stopped api (pid " in (folder / "report.html").read_text()
    assert healthy(env)


def test_harness_reset_runs_the_journalled_revert_after_kill_9(tmp_path, platform,
                                                                accounts_csv):
    api, stream, env = platform
    scenario = write_files(tmp_path / "files", api, stream, env, accounts_csv, """\
  - {name: api-held, kind: command, target: api, at: 4s, for: 5m, params: {signal: SIGTERM}}
""", end="10m")
    results = tmp_path / "results"
    state = own_state(tmp_path)
    run = subprocess.Popen([HARNESS, "run", str(scenario), "--results-dir", str(results)],
                           env=state, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: _injected(results), "the fault's injection", timeout=60)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
    assert not healthy(env)  # nothing reverted it
    journals = tmp_path / "state" / "runs"
    assert [entry["fault"] for entry in unreverted(journals).values()] == ["api-held"]
    reset = harness("reset", env=state)
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert "reverted api-held (command on api)" in reset.stdout
    assert healthy(env)
    assert run_journals(journals) == []  # the killed run's journal is gone with its faults


def _injected(results: Path) -> bool:
    return any('"fault_injected"' in path.read_text() for path in results.glob("*/events.jsonl"))
