"""Faults due at one moment, on a real Toxiproxy server of the test's own:
journalled before the moment, applied together at it, reverted together, and
each one's lateness in its events. The driver reaches the server through a
Toxiproxy link with latency, so every driver call is slow: one after another,
the last fault would land several calls late."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest
import requests

from harness.faults.journal import Journal
from harness.run.fault_timeline import PREPARED_AHEAD_S, FaultTimeline
from harness.platforms.links import Links
from harness.platforms.stack import Stack
from harness.scenario import Fault, loads
from tests.streams.servers import free_port, toxiproxy

CALL_S = 0.4  # more than the bound: latency every driver call to the Toxiproxy API goes through
LINKS = ("one", "two", "three")
MOMENT_S = PREPARED_AHEAD_S + 1.0  # wall seconds from the timeline's zero
BOUND_MS = 250  # docs/faults.md: the harness starts each fault within this of its moment


def _proxy(api: str, name: str, upstream: str) -> None:
    requests.post(f"{api}/proxies", json={"name": name, "listen": f"127.0.0.1:{free_port()}",
                                          "upstream": upstream, "enabled": True},
                  timeout=5).raise_for_status()


@pytest.fixture
def server() -> Iterator[tuple[str, str]]:
    """(the server's API, the same API behind a link with CALL_S of latency)."""
    with toxiproxy("127.0.0.1:9") as (api, _, _):
        for name in LINKS:
            _proxy(api, name, "127.0.0.1:9")
        port = free_port()
        requests.post(f"{api}/proxies", json={"name": "api", "listen": f"127.0.0.1:{port}",
                                              "upstream": api.removeprefix("http://"),
                                              "enabled": True}, timeout=5).raise_for_status()
        Links(api).add_toxic("api", "latency", {"latency": round(CALL_S * 1000), "jitter": 0})
        yield api, f"http://127.0.0.1:{port}"


def timeline(slow_api: str, faults: tuple[Fault, ...], journal: Journal,
             events: list[tuple[str, dict]]) -> FaultTimeline:
    scenario = loads("name: together\ntimeline: {start: 0s, end: 1m}\n"
                     "audience: {viewers: [{at: 0s, viewers: 1}]}\n", Path("together.yaml"))
    stack = Stack("test", None, slow_api, (), (),
                  {"toxiproxy": {"driver": "toxiproxy", "api": slow_api}})
    return FaultTimeline(scenario, faults, lambda kind, _, **fields: events.append((kind, fields)),
                         stack, journal)


def sleep_until(zero: float, second: float) -> None:
    gevent.sleep(max(0.0, zero + second - time.perf_counter()))


def three_faults(duration: float | None) -> tuple[Fault, ...]:
    return (Fault("cut-one", "cut", "one", MOMENT_S, duration, {}),
            Fault("cut-two", "cut", "two", MOMENT_S, duration, {}),
            Fault("slow-three", "latency", "three", MOMENT_S, duration, {"latency": "100ms"}))


def changed(links: Links) -> dict[str, bool]:
    """Which links a fault changed, as the server itself says."""
    proxies = links.proxies()
    return {name: not proxies[name]["enabled"] or bool(links.toxics(name)) for name in LINKS}


def test_faults_due_together_are_journalled_first_then_land_together(server, tmp_path):
    api, slow_api = server
    links, journal, events = Links(api), Journal(tmp_path / "journal.json"), []
    faults = timeline(slow_api, three_faults(1.0), journal, events)
    zero = time.perf_counter()
    faults.start(zero)
    sleep_until(zero, MOMENT_S - 0.1)  # planned and journalled, nothing changed yet
    assert {e["fault"] for e in journal.entries().values()} == {"cut-one", "cut-two",
                                                                 "slow-three"}
    assert changed(links) == dict.fromkeys(LINKS, False)
    sleep_until(zero, MOMENT_S + 0.9)
    assert changed(links) == dict.fromkeys(LINKS, True)
    # the timeline reverts them (not the stop): on a busy machine that may take a while
    while sum(k == "fault_reverted" for k, _ in events) < 3 and \
            time.perf_counter() - zero < MOMENT_S + 10:
        gevent.sleep(0.05)
    assert faults.stop() == []
    assert changed(links) == dict.fromkeys(LINKS, False) and journal.entries() == {}
    for kind in ("fault_injected", "fault_reverted"):
        steps = [fields for k, fields in events if k == kind]
        assert len(steps) == 3
        for step in steps:
            assert step["took_ms"] >= CALL_S * 1000 * 0.9, step  # every call was slow,
            # yet each started on time: one after another, the second would
            # have started a whole call (more than the bound) late.
            assert step["delay_ms"] - step["took_ms"] < BOUND_MS, step


@pytest.mark.parametrize("duration", [None, 30.0])  # until the end; past the run's end
def test_what_is_still_on_at_the_stop_is_reverted_together(server, tmp_path, duration):
    api, slow_api = server
    links, journal, events = Links(api), Journal(tmp_path / "journal.json"), []
    faults = timeline(slow_api, three_faults(duration), journal, events)
    zero = time.perf_counter()
    faults.start(zero)
    sleep_until(zero, MOMENT_S + 0.9)
    assert changed(links) == dict.fromkeys(LINKS, True)
    stopped = time.perf_counter()
    assert faults.stop() == []
    # At once: the toxic's revert takes two calls (look, remove); in turn, all four.
    assert time.perf_counter() - stopped < 3 * CALL_S
    assert changed(links) == dict.fromkeys(LINKS, False) and journal.entries() == {}
    reverts = [fields for kind, fields in events if kind == "fault_reverted"]
    # Not at a moment of their own: no lateness (never a negative one).
    assert [(r["scheduled_second"], r["delay_ms"]) for r in reverts] == [(None, None)] * 3


def test_a_fault_prepared_but_not_yet_due_is_taken_back_quietly(server, tmp_path):
    api, slow_api = server
    links, journal, events = Links(api), Journal(tmp_path / "journal.json"), []
    faults = timeline(slow_api, three_faults(1.0), journal, events)
    zero = time.perf_counter()
    faults.start(zero)
    sleep_until(zero, MOMENT_S - 0.1)
    assert len(journal.entries()) == 3
    assert faults.stop() == []
    assert journal.entries() == {} and changed(links) == dict.fromkeys(LINKS, False)
    assert [k for k, _ in events if k != "fault_scheduled"] == []
    assert {run.status for run in faults.runs} == {"not injected (the run ended first)"}
