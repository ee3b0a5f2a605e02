"""A playable stream URL from the running reference stack, the way its app
gets one: catalog (what is live), then entitlement (a signed playback URL).
`harness stack up` and `harness stack url` print it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class NoStream(Exception):
    """The stack did not give a playable URL (down, or nothing free-to-air is live)."""


def _get_json(edge: str, path: str) -> dict:
    try:
        with urllib.request.urlopen(edge + path, timeout=5) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise NoStream(f"GET {edge}{path} failed: {error}") from None


def free_to_air_url(edge: str) -> str:
    """The absolute master playlist URL of the first free-to-air live event."""
    events = _get_json(edge, "/api/live")["events"]
    free = [e for e in events if e["free_to_air"]]
    if not free:
        raise NoStream("the catalog lists no free-to-air event live now")
    entitlement = _get_json(edge, f"/auth/entitlement/{free[0]['id']}")
    return edge + entitlement["playback_url"]
