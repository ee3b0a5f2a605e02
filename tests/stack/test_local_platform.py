"""The local platform stops exactly what it started, from any shell, and
refuses to start over somebody else's port."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from harness.platforms.registry import get_platform
from harness.platforms.local import LocalPlatform
from harness.platforms.process_tree import process_start_time
from kickoff_stack.observers import PROMETHEUS_PORT
from tests.cli import assert_one_line_error, harness


@pytest.fixture
def no_stack():
    """Neither platform's stack is up (a later test's `stack` fixture brings it back)."""
    for name in ("local", "docker"):
        platform = get_platform(name)
        try:
            if platform.is_managed():
                platform.down()
        except Exception:  # no Docker engine here: nothing of docker's can be up
            assert name == "docker"
    yield


@pytest.fixture
def decoys():
    """Processes that look like the stack's but are somebody else's."""
    started = [
        subprocess.Popen(["redis-server", "--port", "9390", "--bind", "127.0.0.1", "--save", ""],
                         stdout=subprocess.DEVNULL),
        subprocess.Popen(["sleep", "600"]),
    ]
    yield started
    for process in started:
        process.kill()
        process.wait()


def test_down_from_another_shell_stops_the_stack_and_no_decoy(no_stack, decoys):
    assert harness("-q", "stack", "up").returncode == 0
    state = json.loads((LocalPlatform().records.file).read_text())
    assert set(state) >= {"edge", "redis", "toxiproxy"}
    observers = LocalPlatform().observers.records.alive()  # recorded apart, stopped too
    assert set(observers) == {"prometheus", "node-exporter", "edge-exporter", "redis-exporter",
                              "postgres-exporter"}
    # A stale record whose pid now belongs to a decoy: its start time differs.
    state["ghost"] = {"pid": decoys[1].pid, "started": 1, "port": 1, "command": ["ghost"]}
    LocalPlatform().records.file.write_text(json.dumps(state))
    result = harness("stack", "down")  # a separate process, as from another shell
    assert result.returncode == 0, result.stderr
    assert all(process_start_time(r["pid"]) is None for name, r in state.items() if name != "ghost")
    assert all(process_start_time(r["pid"]) is None for r in observers.values())
    assert all(d.poll() is None for d in decoys), "a decoy process was signalled"


def test_a_port_taken_by_another_program_is_exit_3(no_stack):
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", 9379))
        squatter.listen()
        result = harness("stack", "up")
    assert_one_line_error(result, 3, "port 9379", "redis")
    assert harness("-q", "stack", "down").returncode == 0


def test_a_port_an_observer_needs_taken_is_exit_3_and_down_stops_the_rest(no_stack):
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", PROMETHEUS_PORT))
        squatter.listen()
        result = harness("stack", "up")
        assert_one_line_error(result, 3, f"port {PROMETHEUS_PORT}", "prometheus")
        started = LocalPlatform().observers.records.alive()
        assert "prometheus" not in started and started  # the exporters before it did start
        assert harness("-q", "stack", "down").returncode == 0
    assert all(process_start_time(r["pid"]) is None for r in started.values())


def test_status_of_a_stopped_stack_is_exit_3(no_stack):
    result = harness("stack", "status")
    assert result.returncode == 3
    assert "down" in result.stdout and "Traceback" not in result.stderr
