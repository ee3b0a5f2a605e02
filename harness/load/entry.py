"""Getting in: whether an attempt's journey signed up or booked, and whether
that is where it failed.

A person who signs up and books a pass before watching can fail there
without any video being involved: such an attempt is a booking failure
(booking_failure_ratio), not a video start failure nor an exit before the
video started, so that the verdict tells booking problems from video ones.
An attempt fails at booking when it made a request of a group in
BOOKING_GROUPS and its journey stopped (an error, or the viewer's patience
ran out) at a step of such a group.
"""

from __future__ import annotations

from typing import Any, Protocol

from harness.load.journey.http import Fetch, Response
from harness.measure.metrics import BOOKING_GROUPS


class Counts(Protocol):
    def booking(self, failed: bool) -> None: ...


class Entry:
    """One attempt's way through its journey: its requests go through fetch()."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self.at: str | None = None  # the group of the journey's latest request
        self.booked = False  # made a request of a booking group
        self._done = False

    def fetch(self, method: str, url: str, *, group: str, **rest: Any) -> Response:
        """The viewer's Fetch, noting the request's group first."""
        self.at = group
        self.booked |= group in BOOKING_GROUPS
        return self._fetch(method, url, group=group, **rest)

    def done(self, counts: Counts, failed_at: str | None = None, failed: bool = False) -> bool:
        """The journey is over, got through (failed False) or not; count its
        booking once, if it made one. `failed_at`: the group of the step it
        failed at, if known (else its latest request's). Whether the attempt
        failed at booking."""
        if self._done:  # the player's failure, after the journey got through
            return False
        self._done = True
        at_booking = failed and self.booked and (failed_at or self.at) in BOOKING_GROUPS
        if self.booked:
            counts.booking(at_booking)
        return at_booking
