"""A recovered stack serves every request. Cycle after cycle: load, a fault
(requests keep coming during it), its revert, the stack's own health checks
green again, then every kind of request a viewer makes, many times and several
at once; not one of those may fail. Repeated, because what goes wrong right
after a fault (a stale keep-alive connection at the edge, an upstream still
kept out of rotation) goes wrong only now and then."""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent.pool
import pytest
import requests

from tests.faults.helpers import injected
from tests.stack.helpers import (EDGE, FREE_EVENT, PAID_EVENT, TIMEOUT, entitlement, login,
                                 media_playlist, playback_path, uncached, variants)

CYCLES = 4
REQUESTS = 12  # of each kind, after each recovery
AT_ONCE = 8  # requests in flight together: the edge keeps several upstream connections
FAULT_S = 1.0  # how long each fault lasts, with requests arriving meanwhile

# (fault, its kind on each platform, target, kept down until the revert)
FAULTS = {
    "origin-dies": ({"local": "process-kill", "docker": "container-kill"}, "origin-a", True),
    "origin-link-cut": ({"local": "cut", "docker": "cut"}, "edge-origin-a", False),
    "auth-restarts": ({"local": "process-kill", "docker": "container-restart"}, "auth", True),
}

Request = Callable[[], requests.Response]


def viewer_requests() -> dict[str, Request]:
    """Every kind of request a viewer makes, through the edge; playlists and
    segments past the edge's cache, so each one reaches an origin."""
    session = login().json()["session"]
    rendition = variants(EDGE, playback_path())[0].uri
    segment = media_playlist(rendition).segments[-1].uri

    def get(url: str) -> Request:
        return lambda: requests.get(url, timeout=TIMEOUT)

    return {
        "catalog": get(f"{EDGE}/api/live"),
        "login": login,
        "entitlement": lambda: entitlement(PAID_EVENT, session),
        "master playlist": lambda: requests.get(uncached(EDGE + playback_path(FREE_EVENT)),
                                                timeout=TIMEOUT),
        "media playlist": lambda: requests.get(uncached(rendition), timeout=TIMEOUT),
        "segment": lambda: requests.get(uncached(segment), timeout=TIMEOUT),
    }


def failures(kinds: dict[str, Request], count: int) -> list[str]:
    """Each kind `count` times, AT_ONCE in flight: what did not answer 200."""
    def one(kind: str) -> str | None:
        try:
            response = kinds[kind]()
        except requests.RequestException as error:
            return f"{kind}: {error.__class__.__name__}"
        return None if response.status_code == 200 else \
            f"{kind}: {response.status_code} {response.text[:80]}"

    outcomes = gevent.pool.Pool(AT_ONCE).map(one, [k for k in kinds for _ in range(count)])
    return [o for o in outcomes if o is not None]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_not_one_request_fails_once_the_stack_has_recovered(stack, untouched, fault):
    kinds_by_platform, target, hold = FAULTS[fault]
    kind = kinds_by_platform[stack.name]
    requests_of = viewer_requests()
    failed = []
    for cycle in range(CYCLES):
        assert failures(requests_of, 2) == []  # warm: the edge holds upstream connections
        with injected(stack.name, kind, target, hold=hold):
            during = time.monotonic() + FAULT_S
            while time.monotonic() < during:  # load meanwhile; its failures are the fault's
                failures(requests_of, 1)
        stack.wait_healthy(timeout=30)
        failed += [f"cycle {cycle + 1}: {f}" for f in failures(requests_of, REQUESTS)]
    assert failed == [], f"after {fault} ({kind} {target}) was reverted: {failed}"
