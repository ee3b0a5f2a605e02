"""How a player retries a failed request: a bounded number of tries with
backoff. Players differ in what they retry (retry.py's policies are named in
harness/load/clients.py): kickoff's own retries everything three times (0.5,
1, 2 s); hls.js retries only an HTTP answer worth retrying (5xx), never a
request that got no answer or a 4xx; dash.js retries everything, a second
apart. A journey step (an app's API call) is retried as an app's HTTP client
retries: only a failure that may pass (no answer, 5xx, 408, 429), never a
401 or another 4xx, which the same request would meet again."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

TRIES = 4
FIRST_BACKOFF = 0.5  # seconds, doubled after each failed try: 0.5, 1, 2


class FetchError(Exception):
    """One request failed (connection error, timeout, non-2xx, unusable body).
    `status` is the HTTP status of the answer, None when there was none (refused,
    reset, broken off) or the answer was fine but unusable (0). `reason` says
    why in a few words that hold no URL (a URL may hold an account's values):
    "segment 503", "playlist ConnectionRefusedError"; "player" when not told."""

    def __init__(self, message: str, status: int | None = 0, reason: str = "player") -> None:
        super().__init__(message)
        self.status, self.reason = status, reason


class TooSlow(Exception):
    """A download outlasted the time the player gave it (and was cut off)."""


@dataclass(frozen=True)
class Retry:
    """A retry policy: up to `tries` attempts in all, the n-th wait
    min(backoff * growth ** n, longest) seconds; with `answers_only`, a
    request is tried again only after an HTTP answer other than 4xx; with
    `transient_only`, only after a failure that may pass (transient())."""

    tries: int = TRIES
    backoff: float = FIRST_BACKOFF
    growth: float = 2.0
    longest: float = math.inf
    answers_only: bool = False
    transient_only: bool = False

    def wait(self, retry: int) -> float:
        """Seconds before retry number `retry` (0: the first)."""
        return min(self.backoff * self.growth**retry, self.longest)

    def worth(self, error: FetchError) -> bool:
        """Whether the request that failed with `error` is tried again at all."""
        if self.transient_only:
            return transient(error.status)
        return not self.answers_only or (error.status is not None and not 400 <= error.status < 500)

    def again_after(self, error: FetchError, retry: int) -> float | None:
        """Seconds before retry number `retry` (0: the first) of a request that
        failed with `error`; None: it is not tried again."""
        if retry >= self.tries - 1 or not self.worth(error):
            return None
        return self.wait(retry)

    def call(self, call: Callable[[], T], sleep: Callable[[float], None]) -> T:
        """call() until it succeeds; the last FetchError propagates."""
        retry = 0
        while True:
            try:
                return call()
            except FetchError as error:
                wait = self.again_after(error, retry)
                if wait is None:
                    raise
                sleep(wait)
                retry += 1


def transient(status: int | None) -> bool:
    """Whether a failure may pass if the request is sent again, as an app's HTTP
    client judges it: no answer (refused, reset, timed out: None), a 5xx, 408
    Request Timeout or 429 Too Many Requests. Not an unusable answer (0) nor
    another 4xx: a wrong password stays wrong."""
    return status is None or status >= 500 or status in (408, 429)


KICKOFF = Retry()


def journey_step(tries: int = TRIES) -> Retry:
    """How a journey step is retried: up to `tries` tries, a transient failure only."""
    return Retry(tries=tries, transient_only=True)
