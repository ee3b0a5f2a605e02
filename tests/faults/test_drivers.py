"""Every fault kind injected and reverted by its driver on the real stack, and
both seen from outside: requests through the affected link, the Toxiproxy
server's own state, process states in /proc, container states in the engine."""

from __future__ import annotations

import statistics
import time

import pytest
import requests

from tests.reference import probe, port_open, toxiproxy
from harness.platforms.local import DEFAULT_RESTART_AFTER
from tests.faults.helpers import (dead, get, injected, pid_of, playlist_url, process_state,
                                  wait_until)
from tests.stack.helpers import login, wait_for_origin

BOTH_ORIGINS = ("edge-origin-a", "edge-origin-b")


@pytest.fixture
def clean(stack, untouched):
    """A healthy stack, decoys checked after the test."""
    return stack


def median_seconds(url: str) -> float:
    return statistics.median(get(url)[1] for _ in range(3))


# --- Toxiproxy: every platform ------------------------------------------------

def test_latency_shows_through_the_link_and_goes(clean):
    url = playlist_url()
    wait_for_origin(url, "origin-a")
    with injected(clean.name, "latency", "edge-origin-a", latency="400ms", jitter="20ms"):
        assert median_seconds(url) >= 0.38
    assert median_seconds(url) < 0.2


def test_bandwidth_makes_a_segment_crawl_and_goes(clean):
    from tests.stack.helpers import media_playlist

    segment = media_playlist(playlist_url()).segments[-1].uri  # 240p, about 100 KB
    with injected(clean.name, "bandwidth", "edge-origin-a", rate=20), \
            injected(clean.name, "bandwidth", "edge-origin-b", rate=20):
        status, seconds, response = get(segment, timeout=30)
        assert status == 200 and seconds > 2.5, (seconds, len(response.content))
    status, seconds, _ = get(segment)
    assert status == 200 and seconds < 1


@pytest.mark.parametrize("kind, params, statuses", [
    ("timeout", {}, (504,)),  # data stops: the edge gives up after its read timeout
    ("reset_peer", {}, (502,)),  # connections reset
    ("limit_data", {"bytes": 200}, (502,)),  # connections closed mid-response
])
def test_broken_links_to_both_origins_fail_requests_and_heal(clean, kind, params, statuses):
    url = playlist_url()
    with injected(clean.name, kind, "edge-origin-a", **params), \
            injected(clean.name, kind, "edge-origin-b", **params):
        assert get(url)[0] in statuses
    # The edge keeps failed origins out of rotation for its fail_timeout (5 s).
    wait_until(lambda: get(url)[0] == 200, 10, step=0.5)


@pytest.mark.parametrize("kind, params, attributes", [
    ("slicer", {"average_size": 64, "delay": "1ms"},
     {"average_size": 64, "size_variation": 0, "delay": 1000}),
    ("slow_close", {"delay": "2s"}, {"delay": 2000}),
])
def test_benign_toxics_are_on_the_server_and_gone_after(clean, kind, params, attributes):
    """Slicing and slow closes change no answer: the Toxiproxy server's own
    state shows them, and requests through the link still work."""
    links, url = toxiproxy(), playlist_url()
    with injected(clean.name, kind, "edge-origin-a", **params):
        (toxic,) = links.toxics("edge-origin-a")
        assert (toxic.type, toxic.attributes) == (kind, attributes)
        assert get(url)[0] == 200
    assert links.toxics("edge-origin-a") == []


def test_a_cut_link_fails_over_and_comes_back(clean):
    url = playlist_url()
    wait_for_origin(url, "origin-a")
    with injected(clean.name, "cut", "edge-origin-a"):
        status, _, response = get(url)
        assert status == 200 and response.headers["X-Origin"] == "origin-b"
        assert not toxiproxy().is_enabled("edge-origin-a")
    assert toxiproxy().is_enabled("edge-origin-a")
    wait_for_origin(url, "origin-a")


def test_cutting_auth_from_redis_fails_logins_until_restored(clean):
    with injected(clean.name, "cut", "auth-redis"):
        assert login().status_code == 503
    assert login().status_code == 200


# --- processes: the local platform --------------------------------------------

@pytest.mark.only_on("local")
def test_a_killed_process_is_restarted_by_the_supervisor(clean):
    pid = pid_of("origin-a")
    with injected("local", "process-kill", "origin-a"):
        wait_until(lambda: dead(pid), 3)
        assert not port_open(9101)
        back = wait_until(lambda: probe("origin-a") == "healthy", DEFAULT_RESTART_AFTER + 5)
        assert pid_of("origin-a") != pid
    assert back >= DEFAULT_RESTART_AFTER - 1.5  # it waited, as RestartSec would


@pytest.mark.only_on("local")
def test_a_process_killed_with_a_duration_stays_down_until_the_revert(clean):
    with injected("local", "process-kill", "origin-b", hold=True, signal="SIGTERM"):
        wait_until(lambda: not port_open(9102), 5)
        time.sleep(DEFAULT_RESTART_AFTER + 1)
        assert not port_open(9102), "the supervisor restarted a held component"
    wait_until(lambda: probe("origin-b") == "healthy", 10)


@pytest.mark.only_on("local")
def test_a_paused_process_group_freezes_and_continues(clean):
    pid = pid_of("catalog")
    with injected("local", "process-pause", "catalog"):
        wait_until(lambda: process_state(pid) == "T", 2)  # signals arrive a moment later
        with pytest.raises(requests.Timeout):
            requests.get("http://127.0.0.1:9301/healthz", timeout=1)
    wait_until(lambda: process_state(pid) in ("S", "R"), 2)
    wait_until(lambda: probe("catalog") == "healthy", 5)


@pytest.mark.only_on("local")
def test_a_zone_fault_hits_the_zone_and_nothing_else(clean):
    a, b = pid_of("origin-a"), pid_of("origin-b")
    with injected("local", "process-pause", "zone:a"):
        wait_until(lambda: process_state(a) == "T", 2)
        assert process_state(b) in ("S", "R")
    wait_until(lambda: process_state(a) in ("S", "R"), 2)


# --- containers: the docker platform ------------------------------------------

@pytest.mark.only_on("docker")
def test_a_crashed_container_is_restarted_by_its_restart_policy(clean):
    container = clean.container("origin-a")
    restarts = container.attrs["RestartCount"]
    with injected("docker", "container-kill", "origin-a"):
        def restarted():
            container.reload()
            return container.attrs["RestartCount"] == restarts + 1
        wait_until(restarted, 10)
        wait_until(lambda: probe("origin-a") == "healthy", 15)


@pytest.mark.only_on("docker")
@pytest.mark.parametrize("kind, status, refused", [
    ("container-stop", "exited", requests.ConnectionError),  # nothing listens
    ("container-pause", "paused", requests.Timeout),  # frozen: connects, never answers
])
def test_stopped_and_paused_containers_run_again_after_the_revert(clean, kind, status, refused):
    container = clean.container("catalog")
    with injected("docker", kind, "catalog"):
        container.reload()
        assert container.status == status
        with pytest.raises(refused):
            requests.get("http://127.0.0.1:9301/healthz", timeout=1)
    container.reload()
    assert container.status == "running"
    wait_until(lambda: probe("catalog") == "healthy", 15)


@pytest.mark.only_on("docker")
def test_a_restarted_container_runs_again(clean):
    container = clean.container("catalog")
    started = container.attrs["State"]["StartedAt"]
    with injected("docker", "container-restart", "catalog"):
        container.reload()
        assert container.attrs["State"]["StartedAt"] != started
        assert container.status == "running"
    wait_until(lambda: probe("catalog") == "healthy", 15)


@pytest.mark.only_on("docker")
def test_a_disconnected_container_fails_over_and_rejoins_under_its_name(clean):
    container, url = clean.container("origin-a"), playlist_url()
    wait_for_origin(url, "origin-a")
    with injected("docker", "network-disconnect", "origin-a"):
        container.reload()
        assert container.attrs["NetworkSettings"]["Networks"] == {}
        status, _, response = get(url)
        assert status == 200 and response.headers["X-Origin"] == "origin-b"
    container.reload()
    network = container.attrs["NetworkSettings"]["Networks"]["kickoff_default"]
    assert "origin-a" in network["Aliases"]
    wait_for_origin(url, "origin-a", timeout=30)


@pytest.mark.only_on("docker")
def test_a_squeezed_container_gets_its_limits_back(clean):
    container = clean.container("auth")
    limits = ("CpuQuota", "Memory", "MemorySwap")
    before = {k: container.attrs["HostConfig"][k] for k in limits}
    with injected("docker", "resource-squeeze", "auth", cpus=0.2, memory="256m"):
        container.reload()
        squeezed = {k: container.attrs["HostConfig"][k] for k in limits}
        assert squeezed == {"CpuQuota": 20_000, "Memory": 256 * 2**20, "MemorySwap": 256 * 2**20}
    container.reload()
    after = {k: container.attrs["HostConfig"][k] for k in limits}
    assert after["Memory"] == before["Memory"] and after["MemorySwap"] == before["MemorySwap"]
    assert after["CpuQuota"] in (0, -1)  # no CPU limit, as before
    assert login().status_code == 200


@pytest.mark.only_on("docker")
def test_a_zone_of_containers_is_paused_and_nothing_else(clean):
    with injected("docker", "container-pause", "zone:a"):
        states = {name: c.status for name, c in clean.containers().items()}
        assert states["origin-a"] == "paused"
        assert all(s == "running" for n, s in states.items() if n != "origin-a")
    clean.container("origin-a").reload()
    assert clean.container("origin-a").status == "running"
