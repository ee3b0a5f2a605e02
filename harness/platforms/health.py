"""Is a component of a stack healthy? Asked from outside, by its health-check
URL (the stack descriptor's): http(s) answers 2xx, redis answers PING,
postgres accepts a connection (asks for its password)."""

from __future__ import annotations

import json
import socket
import struct
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from harness.spec.errors import InfrastructureMissing

PROBE_TIMEOUT = 2.0


def _redis_ping(host: str | None, port: int) -> str:
    with socket.create_connection((host, port), timeout=PROBE_TIMEOUT) as sock:
        sock.sendall(b"PING\r\n")
        reply = sock.recv(64)
    return "healthy" if reply.startswith(b"+PONG") else f"unhealthy: {reply[:40]!r}"


def _postgres_startup(host: str | None, port: int) -> str:
    """A StartupMessage (protocol 3.0) as any client's first: a server that
    accepts connections asks to authenticate ('R'); one starting up, shutting
    down or recovering answers an error ('E') saying so."""
    parameters = b"user\0kickoff-health\0database\0postgres\0\0"
    message = struct.pack("!ii", 8 + len(parameters), 196608) + parameters
    with socket.create_connection((host, port), timeout=PROBE_TIMEOUT) as sock:
        sock.sendall(message)
        reply = sock.recv(256)
    if reply[:1] == b"R":
        return "healthy"
    fields = [f for f in reply[5:].split(b"\0") if f[:1] == b"M"]
    return f"unhealthy: {fields[0][1:].decode(errors='replace') if fields else reply[:40]!r}"


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


def probe(check: str) -> str:
    """'healthy', 'unhealthy: why' or 'down: why' for one health-check URL."""
    parts = urlsplit(check)
    try:
        if parts.scheme == "redis":
            return _redis_ping(parts.hostname, parts.port or 6379)
        if parts.scheme == "postgres":
            return _postgres_startup(parts.hostname, parts.port or 5432)
        return _http_probe(check)
    except (OSError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        return f"down: {reason}"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_healthy(checks: dict[str, str], timeout: float) -> dict[str, str]:
    """Poll every component's check (by component) until all are healthy or
    `timeout` passes; the last probes."""
    deadline = time.monotonic() + timeout
    while True:
        results = {name: probe(check) for name, check in checks.items()}
        if all(r == "healthy" for r in results.values()) or time.monotonic() > deadline:
            return results
        time.sleep(0.25)


def require_healthy(checks: dict[str, str], timeout: float, what: str) -> None:
    """Wait up to `timeout` seconds for every check; InfrastructureMissing
    naming those that did not pass, `what` saying whose they are."""
    results = wait_healthy(checks, timeout)
    sick = {name: r for name, r in results.items() if r != "healthy"}
    if sick:
        detail = ", ".join(f"{name} {r}" for name, r in sick.items())
        raise InfrastructureMissing(
            f"{what} did not become healthy within {timeout:.0f}s: {detail}"
        )
