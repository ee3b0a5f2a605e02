"""The reference stack (compose/) as a Stack: its components, zones, health
checks and links from kickoff_stack.topology, reached on this machine (the
local platform runs it as processes on 127.0.0.1, Docker publishes it there)."""

from __future__ import annotations

from harness.platforms import health
from harness.platforms.prometheus import ServerQueries
from harness.platforms.server_metrics import read_queries
from harness.platforms.stack import Component, Link, Stack
from harness.spec.errors import HarnessError
from harness.spec.paths import REFERENCE_JOURNEY, REFERENCE_SERVER_METRICS
from kickoff_stack import stream_url
from kickoff_stack.observers import EXPORTERS, PROMETHEUS_PORT
from kickoff_stack.topology import COMPONENTS, EDGE_PORT, LINKS, TOXIPROXY_PORT

HOST = "127.0.0.1"
EDGE = f"http://{HOST}:{EDGE_PORT}"
TOXIPROXY_API = f"http://{HOST}:{TOXIPROXY_PORT}"
PROMETHEUS = f"http://{HOST}:{PROMETHEUS_PORT}"  # scrapes the stack (kickoff_stack.observers)
NEVER_PICKED = ("toxiproxy",)  # carries every link and the harness's own reverts


def _check(kind: str, port: int) -> str:
    if kind in ("redis", "postgres"):
        return f"{kind}://{HOST}:{port}"
    return f"http://{HOST}:{port}" + ("/version" if kind == "toxiproxy" else "/healthz")


def reference_stack(platform: str, contexts: dict[str, dict]) -> Stack:
    """The reference stack as platform `platform` runs it, with its drivers' contexts."""
    return Stack(
        platform=platform,
        edge=EDGE,
        toxiproxy=TOXIPROXY_API,
        components=tuple(
            Component(c.name, c.zone, _check(c.kind, c.port), c.name not in NEVER_PICKED)
            for c in COMPONENTS
        ),
        links=tuple(Link(link.name, link.source, link.target) for link in LINKS),
        contexts=contexts,
        journey=REFERENCE_JOURNEY,
        # Its own figures, read in every run on it (a scenario's server_metrics add to them).
        server=ServerQueries(PROMETHEUS, read_queries(REFERENCE_SERVER_METRICS)),
    )


def wait_observers(timeout: float, logs: str) -> None:
    """Wait until the stack's exporters and Prometheus answer on this machine
    (InfrastructureMissing if they do not; `logs`: where to look then)."""
    checks = {e.name: f"http://{HOST}:{e.port}/metrics" for e in EXPORTERS}
    checks["prometheus"] = f"{PROMETHEUS}/-/ready"
    health.require_healthy(checks, timeout, f"the stack's observers (logs: {logs})")


def toxiproxy_context() -> list[dict]:
    """The Toxiproxy driver's context when the reference stack's Toxiproxy
    answers here (for `harness reset`), else nothing."""
    if health.port_open(HOST, TOXIPROXY_PORT):
        return [{"driver": "toxiproxy", "api": TOXIPROXY_API}]
    return []


def free_to_air_url() -> str:
    """A playable URL of the running reference stack's free-to-air match."""
    try:
        return stream_url.free_to_air_url(EDGE)
    except stream_url.NoStream as error:
        raise HarnessError(str(error)) from None
