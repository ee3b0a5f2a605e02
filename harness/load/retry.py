"""How a player retries a failed request: a bounded number of tries with
exponential backoff (hls.js does the same for playlists and segments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TRIES = 4
FIRST_BACKOFF = 0.5  # seconds, doubled after each failed try: 0.5, 1, 2


class FetchError(Exception):
    """One request failed (connection error, timeout, non-2xx, unusable body)."""


class TooSlow(Exception):
    """A download outlasted the time the player gave it (and was cut off)."""


def with_retries(call: Callable[[], T], sleep: Callable[[float], None], tries: int = TRIES) -> T:
    """call() until it succeeds; after `tries` failures the last FetchError propagates."""
    for attempt in range(tries - 1):
        try:
            return call()
        except FetchError:
            sleep(FIRST_BACKOFF * 2 ** attempt)
    return call()
