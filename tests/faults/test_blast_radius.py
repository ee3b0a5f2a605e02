"""container-kill signals a process on this machine only when it provably is
the container's main process: against an engine in another PID namespace the
signal goes through the engine, and the local process that has the number the
engine reported lives on; against this machine's engine the crash is local,
so the container's restart policy brings it back. Both engines' own event
streams tell a kill through the engine ("kill") from a local signal ("die" only).

No reference stack: the containers here carry a project of their own and no
network, so these tests need no stack lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from harness.faults.container_process import is_main_process
from harness.faults.docker import DockerDriver
from harness.faults.registry import KINDS
from harness.platforms.docker import COMPONENT_LABEL, PROJECT_LABEL, DockerPlatform
from harness.platforms.process_tree import process_start_time
from harness.scenario import Fault
from tests.faults.engines import Engine, isolated_engine, tiny_image, wait_until
from tests.faults.helpers import dead
from tests.tiers import missing

pytestmark = pytest.mark.docker
PROJECT = "kickoff-blast-test"  # not the reference stack's project: its containers stay apart
IMAGE = "kickoff-test/tiny:blast"


def _missing() -> str | None:
    tools = [t for t in ("dockerd", "unshare", "nsenter", "ldd") if not shutil.which(t)]
    if tools:
        return f"not installed: {', '.join(tools)}"
    if os.geteuid() != 0:
        return "a second engine and signals to containers need root"
    try:
        docker.from_env(timeout=10).ping()
    except docker.errors.DockerException as error:
        return f"no Docker engine answers ({error.__class__.__name__})"
    return None


@pytest.fixture(scope="module")
def local_engine() -> Iterator[tuple[docker.DockerClient, str]]:
    """This machine's engine, with the tiny image (removed afterwards)."""
    problem = _missing()
    if problem:
        missing("docker", problem)
    client = docker.from_env(timeout=30)
    sleep = tiny_image(client, IMAGE)
    yield client, sleep
    client.images.remove(IMAGE)


@pytest.fixture(scope="module")
def second_engine(local_engine) -> Iterator[tuple[Engine, str]]:
    with isolated_engine() as engine:
        yield engine, tiny_image(engine.client, IMAGE)


def _victim(client: docker.DockerClient, sleep: str) -> Container:
    """A container of our project that a crash would restart (as the stack's are)."""
    container = client.containers.run(
        IMAGE, [sleep, "600"], detach=True, network_mode="none",
        restart_policy={"Name": "unless-stopped"},
        labels={PROJECT_LABEL: PROJECT, COMPONENT_LABEL: "victim"})
    container.reload()
    return container


def _kill(url: str | None) -> tuple[DockerDriver, dict, int]:
    """container-kill (SIGKILL) on the victim by the docker driver; (driver, undo,
    the engine's clock in seconds when it was sent)."""
    driver = DockerDriver(DockerPlatform(PROJECT, url))
    kind = KINDS["container-kill"]
    undo = driver.plan(Fault("blast", kind.name, "victim", 0.0, None, {}), kind, {})
    sent = int(time.time())
    driver.apply(kind, {}, undo)
    return driver, undo, sent


def _actions(client: docker.DockerClient, container: Container, since: int) -> list[dict]:
    """The engine's events about the container since `since` (up to now)."""
    events = client.events(since=since, until=int(time.time()) + 1, decode=True,
                           filters={"container": container.id})
    return [{"action": e["Action"], **e["Actor"]["Attributes"]} for e in events]


def _local_pids(container_id: str) -> list[int]:
    """This machine's numbers of the container's processes (from their cgroups)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and container_id in (entry / "cgroup").read_text():
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return found


def _free_pids() -> int:
    """A number from which 200 pids are unused on this machine."""
    top = int(Path("/proc/sys/kernel/pid_max").read_text())
    for start in range(top // 2, top - 200, 1000):
        if not any(Path(f"/proc/{pid}").exists() for pid in range(start, start + 200)):
            return start
    pytest.fail("no 200 free pids in a row on this machine")


def _decoy_numbered(pid: int) -> subprocess.Popen:
    """A local sleep that this machine numbers `pid` (the next number set just below
    it; a few tries, since another process may take it first)."""
    for _ in range(20):
        Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
        decoy = subprocess.Popen(["sleep", "600"])
        if decoy.pid == pid:
            return decoy
        decoy.kill()
        decoy.wait()
    pytest.fail(f"no local process could be numbered {pid}")


def test_a_pid_from_another_namespace_is_killed_through_the_engine_and_the_local_one_lives(
        second_engine):
    engine, sleep = second_engine
    engine.next_pid_after(_free_pids())  # its numbers land where this machine has none
    victim = _victim(engine.client, sleep)
    reported = victim.attrs["State"]["Pid"]
    main = [pid for pid in _local_pids(victim.id) if pid != reported]
    assert len(main) == 1 and not Path(f"/proc/{reported}").exists(), (reported, main)
    decoy = _decoy_numbered(reported)
    started = process_start_time(reported)
    try:
        driver, undo, sent = _kill(engine.url)
        wait_until(lambda: dead(main[0]), 10, "the container's main process dies")
        assert decoy.poll() is None and process_start_time(reported) == started
        actions = _actions(engine.client, victim, sent)
        assert [a.get("signal") for a in actions if a["action"] == "kill"] == ["9"], actions
        driver.revert(undo)  # the engine's kill kept the restart policy out: revert starts it
        victim.reload()
        assert victim.status == "running"
    finally:
        decoy.kill()
        decoy.wait()
        victim.remove(force=True)


def test_a_proven_main_process_is_crashed_here_and_its_restart_policy_brings_it_back(
        local_engine):
    client, sleep = local_engine
    victim = _victim(client, sleep)
    pid = victim.attrs["State"]["Pid"]
    try:
        victim.exec_run([sleep, "600"], detach=True)
        wait_until(lambda: len(_local_pids(victim.id)) == 2, 10, "the exec'd sleep runs")
        execed = [p for p in _local_pids(victim.id) if p != pid]
        assert is_main_process(victim.id, pid)
        assert not is_main_process(victim.id, execed[0])
        assert not is_main_process(victim.id[:12], pid)

        _, _, sent = _kill(None)

        def restarted() -> bool:
            victim.reload()
            return victim.attrs["RestartCount"] == 1 and victim.status == "running"
        wait_until(restarted, 15, "the restart policy starts the crashed container again")
        assert dead(pid)
        actions = [a["action"] for a in _actions(client, victim, sent)]
        assert "die" in actions and "kill" not in actions, actions
    finally:
        victim.remove(force=True)
