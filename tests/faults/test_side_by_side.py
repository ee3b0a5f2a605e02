"""Runs side by side on one machine, sharing one state folder (the
tier's, where its stack runs): a run with
faults on the reference stack and an external run on a platform of its own
(tests/streams/external.py) both go through; after `kill -9` of the first,
a run with faults on its stack is refused (naming the killed run and
KICKOFF_STATE_DIR), and `harness reset` reverts only the killed run's faults,
leaving the live run's fault and journal alone until it ends by itself.
A `harness reset` under another KICKOFF_STATE_DIR, which sees none of the
tier's journals, leaves a live run's fault in place all the same, naming the
run and its state folder, and resets the stack once that run is over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request

import pytest

from harness.faults.journal import run_journals, unreverted
from harness.faults.live_runs import live_runs
from harness.platforms.base import state_dir
from harness.platforms.reference import TOXIPROXY_API
from tests.cli import HARNESS, harness
from tests.faults.helpers import injected, wait_until
from tests.faults.test_fault_runs import LINK_FAULTS, scenario_text
from tests.reference import toxiproxy
from tests.run.helpers import run_dir, write_scenario
from tests.streams.external import external_platform, external_scenario

pytestmark = pytest.mark.only_on("local")  # the journals are the same on either platform


def start(scenario, results) -> subprocess.Popen:
    return subprocess.Popen([HARNESS, "run", str(scenario), "--results-dir", str(results)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def journalled(count: int):
    def check() -> bool:
        """the runs' faults journalled"""
        return len(unreverted()) >= count
    return check


def both_faults_on(platform) -> bool:
    """the killed run's and the live run's faults in force"""
    return not toxiproxy().is_enabled("auth-redis") and bool(toxics(platform.api, platform.link))


def both_going() -> bool:
    """both runs' journals there"""
    return len(run_journals()) == 2


def toxics(api: str, link: str) -> list:
    with urllib.request.urlopen(f"{api}/proxies/{link}/toxics", timeout=5) as answer:
        return json.loads(answer.read())


def test_a_run_with_faults_and_an_external_run_go_side_by_side(stack, untouched, tmp_path):
    # after a baseline band (the run's first 5 s are left out of it), a fault viewers ride out
    faulty = write_scenario(tmp_path, "faulty", scenario_text(stack.name, "28s", """\
  - {name: slow-a, kind: latency, target: edge-origin-a, at: 10s, for: 10s, recover_within: 5s,
     params: {latency: 50ms}}
"""))
    with external_platform(tmp_path / "other", 60) as platform:
        plain = external_scenario(tmp_path / "other", "plain", platform.stream, "8s")
        first = start(faulty, tmp_path / "results")
        runs = [first]
        try:
            wait_until(journalled(1), 30)
            second = start(plain, tmp_path / "other-results")
            runs.append(second)
            wait_until(both_going, 30)
            several = harness("mark", "start", "by-hand")
            second_out, second_err = second.communicate(timeout=60)
            assert first.poll() is None  # the faulty run was going all along
            out, err = first.communicate(timeout=60)
        finally:
            for run in runs:
                run.kill()
    assert second.returncode == 0, second_out + second_err
    assert "unreverted" not in second_err
    assert first.returncode == 0, out + err
    assert several.returncode == 2 and "2 runs are going" in several.stderr, several.stderr
    assert run_journals() == []  # each run took its journal away
    assert toxiproxy().toxics("edge-origin-a") == []


def test_after_kill_9_reset_reverts_only_the_dead_runs_faults(stack, untouched, tmp_path):
    killed = write_scenario(tmp_path, "killed", scenario_text(stack.name, "2m", LINK_FAULTS))
    with external_platform(tmp_path / "other", 90) as platform:
        going = external_scenario(tmp_path / "other", "going", platform.stream, "30s", f"""\
faults:
  - {{name: slow-stream, kind: latency, target: {platform.link}, at: 2s, for: 24s,
     params: {{latency: 20ms}}}}
""")
        dead = start(killed, tmp_path / "results")
        live = start(going, tmp_path / "other-results")
        try:
            wait_until(lambda: both_faults_on(platform), 40)
            dead.kill()
            dead.communicate(timeout=10)
            assert not toxiproxy().is_enabled("auth-redis")  # its faults outlive it

            refused = harness("run", str(killed), "--results-dir", str(tmp_path / "again"))
            reset = harness("reset")
            assert toxics(platform.api, platform.link)  # the live run's fault is still on
            (left,) = unreverted().values()
            assert left["fault"] == "slow-stream"
            out, err = live.communicate(timeout=60)
        finally:
            dead.kill()
            live.kill()
        assert toxics(platform.api, platform.link) == []  # reverted by its own run
    assert refused.returncode == 3, refused.stderr
    for words in (f"run PID {dead.pid} ", "is over", "harness reset", "KICKOFF_STATE_DIR"):
        assert words in refused.stderr, refused.stderr
    assert reset.returncode == 0, reset.stderr
    assert "reverted slow-a" in reset.stdout and "reverted cut-auth" in reset.stdout
    assert f"not reverted: slow-stream of run PID {live.pid}" in reset.stdout, reset.stdout
    assert "KICKOFF_STATE_DIR" in reset.stdout
    assert toxiproxy().is_enabled("auth-redis") and toxiproxy().toxics("edge-origin-a") == []
    assert live.returncode in (0, 1), out + err  # a verdict: it went to its end
    assert run_journals() == []


def slow_a_on() -> bool:
    """the run's latency on edge-origin-a in force"""
    return bool(toxiproxy().toxics("edge-origin-a"))


def test_a_reset_under_another_state_folder_leaves_a_live_runs_fault(stack, untouched, tmp_path):
    faulty = write_scenario(tmp_path, "faulty", scenario_text(stack.name, "2m", """\
  - {name: slow-a, kind: latency, target: edge-origin-a, at: 3s, for: 60s, params: {latency: 50ms}}
"""))
    elsewhere = {**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "elsewhere")}
    run = start(faulty, tmp_path / "results")
    try:
        wait_until(slow_a_on, 40)
        registered = [o for o in live_runs() if o["pid"] == run.pid]
        refused = harness("reset", env=elsewhere)
        assert slow_a_on()  # seen from Toxiproxy: the live run's fault is still there
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 143, out + err
    assert toxiproxy().toxics("edge-origin-a") == []  # reverted by its own run
    assert all(o["pid"] != run.pid for o in live_runs())  # off the registry as it ended
    folder = run_dir(tmp_path / "results").resolve()
    assert [o["run_dir"] for o in registered] == [str(folder)]
    assert refused.returncode == 0, refused.stderr
    assert "elsewhere" in refused.stdout  # it read its own, empty, journals
    for words in (f"not reset: toxiproxy {TOXIPROXY_API}", f"run PID {run.pid} ({folder})",
                  f"KICKOFF_STATE_DIR={state_dir().absolute()}"):
        assert words in refused.stdout, refused.stdout
    assert "every toxic removed" not in refused.stdout

    # Once the run is over, a reset there resets the stack: a toxic nobody owns goes.
    with injected(stack.name, "latency", "edge-origin-a", hold=True, latency="50ms"):
        assert slow_a_on()
        reset = harness("reset", env=elsewhere)
        assert not slow_a_on(), reset.stdout + reset.stderr
    assert reset.returncode == 0 and "toxiproxy: every toxic removed" in reset.stdout, reset.stdout
