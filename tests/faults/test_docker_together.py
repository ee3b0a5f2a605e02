"""The Docker driver on a compose project of the test's own (a network and a
few idle containers carrying its labels, not the reference stack): a zone
fault and a pause due at one moment both land, the zone's containers all
disconnected and all reconnected, each started on time, with its lateness
and the engine's share of it recorded."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest

from harness.faults.journal import Journal
from harness.run.fault_timeline import PREPARED_AHEAD_S, FaultTimeline
from harness.platforms import images
from harness.platforms.docker import COMPONENT_LABEL, PROJECT_LABEL
from harness.platforms.stack import Stack
from harness.scenario import Fault, loads
from tests.tiers import docker_engine

pytestmark = pytest.mark.docker
BOUND_MS = 250  # docs/faults.md: the harness starts each fault within this of its moment
MOMENT_S = PREPARED_AHEAD_S + 1.0
ZONE = ("origin-a", "auth", "catalog")  # all in the test's zone "a"


@pytest.fixture
def project() -> Iterator[tuple[str, dict]]:
    """(the project's name, its containers by component: ZONE, then "origin-b")."""
    client = docker_engine(timeout=10)
    name = f"kickoff-together-{uuid.uuid4().hex[:8]}"
    network = client.networks.create(f"{name}_default", labels={PROJECT_LABEL: name})
    containers = {}
    try:
        for component in (*ZONE, "origin-b"):
            containers[component] = client.containers.run(
                images.BASE_IMAGE, ["sleep", "300"], detach=True, name=f"{name}-{component}",
                network=network.name, labels={PROJECT_LABEL: name, COMPONENT_LABEL: component,
                                              "kickoff.zone": "a" if component in ZONE else "b"})
        yield name, containers
    finally:
        for container in containers.values():
            container.remove(force=True)
        network.remove()


def state(containers: dict) -> dict[str, tuple[str, bool]]:
    """Each container's (status, connected to any network), as the engine says."""
    for container in containers.values():
        container.reload()
    return {name: (c.status, bool(c.attrs["NetworkSettings"]["Networks"]))
            for name, c in containers.items()}


def test_a_zone_and_a_pause_due_together_land_and_go_together(project, tmp_path):
    name, containers = project
    scenario = loads("name: together\ntimeline: {start: 0s, end: 1m}\n"
                     "audience: {viewers: [{at: 0s, viewers: 1}]}\n", Path("together.yaml"))
    stack = Stack("test", None, None, (), (),
                  {"docker": {"driver": "docker", "project": name, "host": None}})
    events: list[tuple[str, dict]] = []
    journal = Journal(tmp_path / "journal.json")
    faults = FaultTimeline(scenario, (
        Fault("zone-a-offline", "network-disconnect", "zone:a", MOMENT_S, 2.0, {}),
        Fault("freeze-b", "container-pause", "origin-b", MOMENT_S, 2.0, {})),
        lambda kind, _, **fields: events.append((kind, fields)), stack, journal)
    zero = time.perf_counter()
    faults.start(zero)
    gevent.sleep(zero + MOMENT_S + 1.5 - time.perf_counter())
    assert state(containers) == {**{c: ("running", False) for c in ZONE},
                                 "origin-b": ("paused", True)}
    gevent.sleep(zero + MOMENT_S + 3.5 - time.perf_counter())
    assert faults.stop() == []
    assert state(containers) == dict.fromkeys(containers, ("running", True))
    assert journal.entries() == {}
    steps = [fields for kind, fields in events if kind in ("fault_injected", "fault_reverted")]
    assert len(steps) == 4
    for step in steps:
        assert 0 <= step["delay_ms"] - step["took_ms"] < BOUND_MS, step
    print({f"{s['fault']} {'revert' if 'fault_kind' not in s else 'inject'}":
           (s["delay_ms"], s["took_ms"]) for s in steps})
