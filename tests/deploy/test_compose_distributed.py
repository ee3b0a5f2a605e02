"""compose/harness-distributed.yml: kickoff's own image as a master and two workers in
containers, against the docker stack. Both workers join, the run passes, its folder lands in
the host's results folder, and the master in its container drove a docker fault on the stack."""

from __future__ import annotations

import os
import subprocess

import pytest

from harness.spec.paths import COMPOSE_DIR
from harness.platforms import harness_image
from harness.platforms.docker import compose_command
from tests.run.helpers import events, run_dir, summary, write_scenario
from tests.streams.servers import free_port

WORKERS = 2
PROJECT = "kickoff-harness-test"  # never the stack's project
# 20 s of wall time; the master freezes the backup origin (Docker) from second 10 to 12:
# late enough for a baseline band (the first 5 s are left out), early enough to recover.
BODY = """\
time_scale: 10
fault_time_scale: 10  # what is tested is the run in containers, not the outage
timeline: {start: -100s, end: 100s}
audience:
  viewers:
    - {at: -100s, viewers: 4}
    - {at: 100s, viewers: 4}
faults:
  - {name: backup-origin-freezes, kind: container-pause, target: origin-b, at: 0s, for: 20s,
     recover_within: 30s}
slos:
  - {metric: video_start_failure_ratio, max: 0%}
"""


def _compose(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess:
    command = [*compose_command(), "-p", PROJECT, "-f",
               str(COMPOSE_DIR / "harness-distributed.yml"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.only_on("docker")
def test_a_master_and_two_workers_in_containers_pass_against_the_docker_stack(stack, tmp_path):
    scenarios, results = tmp_path / "scenarios", tmp_path / "results"
    scenarios.mkdir()
    results.mkdir()
    write_scenario(scenarios, "distributed", BODY)
    env = dict(os.environ, KICKOFF_HARNESS_IMAGE=harness_image.build(),
               KICKOFF_WORKERS=str(WORKERS), KICKOFF_SCENARIOS=str(scenarios),
               KICKOFF_SCENARIO="distributed.yaml", KICKOFF_RESULTS=str(results),
               KICKOFF_MASTER_PORT=str(free_port()))
    try:
        result = _compose(env, "up", "--scale", f"worker={WORKERS}", "--exit-code-from", "master",
                          timeout=240)
    finally:
        _compose(env, "down", "--timeout", "5", timeout=120)
    output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, output
    folder = run_dir(results)
    verdict = summary(folder)["verdict"]
    assert verdict["result"] == "pass", output
    assert summary(folder)["overall"]["attempts"] > 0
    logged = events(folder)
    (started,) = [event for event in logged if event["kind"] == "run_started"]
    assert started["workers"] == WORKERS
    kinds = [event["kind"] for event in logged]
    assert "worker_lost" not in kinds, kinds
    assert "fault_injected" in kinds and "fault_reverted" in kinds, kinds
