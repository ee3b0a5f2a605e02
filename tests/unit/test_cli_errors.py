"""Bad input and missing infrastructure: one line, the right exit code, no traceback."""

import os
import sys
from pathlib import Path

import pytest

from tests.cli import assert_one_line_error, harness


def test_missing_programs_are_named_with_their_install_command(tmp_path):
    # Only the venv on PATH: no nginx, redis-server, toxiproxy-server or ffmpeg.
    env = dict(os.environ, PATH=str(Path(sys.executable).parent), KICKOFF_STATE_DIR=str(tmp_path))
    result = harness("stack", "up", env=env)
    assert_one_line_error(result, 3, "nginx is not installed", "apt-get install -y nginx-light",
                          "toxiproxy-server", "go install github.com/Shopify/toxiproxy/v2/cmd/server@")


def test_no_docker_engine_is_exit_3_with_how_to_start_one():
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")
    result = harness("stack", "status", "--platform", "docker", env=env)
    assert_one_line_error(result, 3, "no Docker engine answers", "dockerd")


def test_unknown_platform_and_command_are_invalid_input():
    assert harness("stack", "up", "--platform", "moon").returncode == 2
    assert harness("stack", "dance").returncode == 2
    assert harness().returncode == 2


def test_bad_run_folders_and_arguments_are_one_line_exit_2(tmp_path):
    assert_one_line_error(harness("run", str(tmp_path / "nope.yaml")), 2, "nope.yaml",
                          "cannot read")
    assert_one_line_error(harness("report", str(tmp_path)), 2, "not a run folder",
                          "windows.jsonl")
    assert_one_line_error(harness("compare", str(tmp_path), str(tmp_path)), 2,
                          "not a run's summary")
    smoke = str(Path(__file__).parents[2] / "scenarios" / "smoke.yaml")
    assert_one_line_error(harness("run", smoke, "--baseline", str(tmp_path)), 2,
                          "not a run's summary")
    assert_one_line_error(harness("run", smoke, "--baseline", "latest-pass",
                                  "--results-dir", str(tmp_path)), 2, "no passing run of 'smoke'")
    for flag, value in (("--tolerance", "lots"), ("--duration", "soon")):
        result = harness("run", smoke, flag, value)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert value in result.stderr


@pytest.mark.parametrize("command", ("run", "sweep", "capacity"))
def test_every_command_that_runs_a_scenario_checks_the_generator_then_the_scenario(command, tmp_path):
    # harness/cli/prepare.py: one set-up for all of them, generator options first.
    missing = str(tmp_path / "nope.yaml")
    assert_one_line_error(harness(command, missing, "--workers", "2", "--expect-workers", "2"),
                          2, "give one of them")
    assert_one_line_error(harness(command, missing, "--master-bind", "127.0.0.1:5557"),
                          2, "go with --expect-workers N")
    assert_one_line_error(harness(command, missing, "--time-scale", "2", "--seed", "3"),
                          2, "nope.yaml", "cannot read")


def test_a_restart_delay_is_refused_where_no_supervisor_of_the_platforms_own_restarts(tmp_path):
    # Refused before anything starts: no Docker engine is asked.
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock",
               KICKOFF_STATE_DIR=str(tmp_path))
    result = harness("stack", "up", "--platform", "docker", "--restart-after", "2s", env=env)
    assert_one_line_error(result, 2, "--restart-after is for a platform with a supervisor",
                          "not docker", "Docker restarts containers by their restart policy")


def test_load_to_a_host_not_allowed_is_refused_before_anything_starts(tmp_path):
    (tmp_path / "targets.yaml").write_text("edge: http://10.20.30.40:8080\n")
    (tmp_path / "away.yaml").write_text(
        "name: away\nplatform: external\ntargets: targets.yaml\n"
        "timeline: {start: 0s, end: 10s}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n")
    result = harness("run", str(tmp_path / "away.yaml"), "--results-dir", str(tmp_path / "r"))
    assert_one_line_error(result, 2, "edge", "10.20.30.40", "allow_hosts")
    assert not (tmp_path / "r").exists()  # refused before a run folder, a request or a fault
