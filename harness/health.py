"""Is a component of the stack healthy? Asked from outside, over its port."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable

from kickoff_stack.topology import BY_NAME

HOST = "127.0.0.1"
PROBE_TIMEOUT = 2.0


def _redis_ping(port: int) -> str:
    with socket.create_connection((HOST, port), timeout=PROBE_TIMEOUT) as sock:
        sock.sendall(b"PING\r\n")
        reply = sock.recv(64)
    return "healthy" if reply.startswith(b"+PONG") else f"unhealthy: {reply[:40]!r}"


def _http_probe(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as response:
            response.read()
        return "healthy"
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read()).get("error", error.reason)
        except ValueError:
            detail = error.reason
        return f"unhealthy: {error.code} {detail}"


def probe(component: str) -> str:
    """'healthy', 'unhealthy: why' or 'down: why' for one component."""
    c = BY_NAME[component]
    try:
        if c.kind == "redis":
            return _redis_ping(c.port)
        path = "/version" if c.kind == "toxiproxy" else "/healthz"
        return _http_probe(f"http://{HOST}:{c.port}{path}")
    except (OSError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        return f"down: {reason}"


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_healthy(components: Iterable[str], timeout: float) -> dict[str, str]:
    """Poll until every component is healthy or `timeout` passes; the last probes."""
    names = list(components)
    deadline = time.monotonic() + timeout
    while True:
        results = {name: probe(name) for name in names}
        if all(r == "healthy" for r in results.values()) or time.monotonic() > deadline:
            return results
        time.sleep(0.25)
