"""The fault tier: every fault kind against the real stack, verified from
outside (process and container state, requests through the affected link),
with decoys that must never be touched."""

from __future__ import annotations

import os
import subprocess

import pytest

from harness.faults.journal import unreverted
from harness.platforms.process_tree import process_start_time


@pytest.fixture(scope="session")
def decoy_process():
    """A process outside the stack, in a session of its own like the stack's."""
    process = subprocess.Popen(["sleep", "3600"], start_new_session=True)
    started = process_start_time(process.pid)
    yield process
    assert process_start_time(process.pid) == started, "the decoy process was touched"
    process.kill()
    process.wait()


@pytest.fixture(scope="session")
def decoy_container(platform):
    """A container that claims to be origin-a (our labels) outside the compose project."""
    if platform.name != "docker":
        yield None
        return
    from harness.platforms import images

    # A name of this test run's own, removed by the engine when its sleep ends: a run
    # killed half way leaves nothing that blocks the next one.
    container = platform.client.containers.run(
        images.stack_image(), ["sleep", "3600"], detach=True, auto_remove=True,
        name=f"kickoff-decoy-origin-a-{os.getpid()}",
        labels={"kickoff.component": "origin-a", "kickoff.zone": "a"})
    yield container
    container.reload()
    assert container.status == "running", "the decoy container was touched"
    container.stop(timeout=0)


@pytest.fixture
def untouched(decoy_process, decoy_container):
    """After the test: decoys alive and running, nothing left in the journal."""
    yield
    assert decoy_process.poll() is None
    assert _state(decoy_process.pid) not in ("T", "t"), "the decoy process was stopped"
    if decoy_container is not None:
        decoy_container.reload()
        assert decoy_container.status == "running", "the decoy container was touched"
        assert decoy_container.attrs["RestartCount"] == 0
    assert unreverted() == {}


def _state(pid: int) -> str:
    stat = open(f"/proc/{pid}/stat").read()
    return stat[stat.rindex(")") + 2]
