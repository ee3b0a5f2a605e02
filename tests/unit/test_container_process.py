"""The proof before a local signal to a container's main process: a process that
is not one (here, a sleep of ours) is never signalled, whatever number the
engine reports; the docker tier shows the proven case (tests/faults/test_blast_radius.py)."""

from __future__ import annotations

import signal
import subprocess

import pytest

from harness.faults.container_process import is_main_process, signal_main_process
from harness.platforms.process_tree import process_start_time

SOME_ID = "0123456789abcdef" * 4  # a full container id that no process here is in


@pytest.fixture
def local_sleep():
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_a_process_outside_the_container_is_not_signalled(local_sleep):
    started = process_start_time(local_sleep.pid)
    assert not is_main_process(SOME_ID, local_sleep.pid)
    assert not signal_main_process(SOME_ID, local_sleep.pid, signal.SIGKILL)
    assert local_sleep.poll() is None and process_start_time(local_sleep.pid) == started


@pytest.mark.parametrize("container_id, pid", [
    (SOME_ID, 0),  # the engine's pid of a container that is not running
    (SOME_ID, -1),
    (SOME_ID[:12], 1),  # a short id proves nothing
    ("", 1),
])
def test_no_proof_no_signal(container_id, pid):
    assert not signal_main_process(container_id, pid, 0)
