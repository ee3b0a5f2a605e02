"""A playable stream URL from the running reference stack, the way its app
gets one: catalog (what is live), then entitlement (a signed playback URL).
`harness stack up` and `harness stack url` print it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from harness.errors import HarnessError
from harness.platforms.reference import EDGE


def _get_json(path: str) -> dict:
    try:
        with urllib.request.urlopen(EDGE + path, timeout=5) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise HarnessError(f"GET {EDGE}{path} failed: {error}") from None


def free_to_air_url() -> str:
    """The absolute master playlist URL of the first free-to-air live event."""
    events = _get_json("/api/live")["events"]
    free = [e for e in events if e["free_to_air"]]
    if not free:
        raise HarnessError("the catalog lists no free-to-air event live now")
    entitlement = _get_json(f"/auth/entitlement/{free[0]['id']}")
    return EDGE + entitlement["playback_url"]
