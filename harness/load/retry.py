"""How a player retries a failed request: a bounded number of tries with
backoff. Players differ in what they retry (retry.py's policies are named in
harness/load/clients.py): kickoff's own retries everything three times (0.5,
1, 2 s); hls.js retries only an HTTP answer worth retrying (5xx), never a
request that got no answer or a 4xx; dash.js retries everything, a second
apart."""

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
    reset, broken off) or the answer was fine but unusable (0)."""

    def __init__(self, message: str, status: int | None = 0) -> None:
        super().__init__(message)
        self.status = status


class TooSlow(Exception):
    """A download outlasted the time the player gave it (and was cut off)."""


@dataclass(frozen=True)
class Retry:
    """A retry policy: up to `tries` attempts in all, the n-th wait
    min(backoff * growth ** n, longest) seconds; with `answers_only`, a
    request is tried again only after an HTTP answer other than 4xx."""

    tries: int = TRIES
    backoff: float = FIRST_BACKOFF
    growth: float = 2.0
    longest: float = math.inf
    answers_only: bool = False

    def wait(self, retry: int) -> float:
        """Seconds before retry number `retry` (0: the first)."""
        return min(self.backoff * self.growth ** retry, self.longest)

    def worth(self, error: FetchError) -> bool:
        """Whether the request that failed with `error` is tried again at all."""
        return not self.answers_only or (error.status is not None and
                                         not 400 <= error.status < 500)

    def call(self, call: Callable[[], T], sleep: Callable[[float], None]) -> T:
        """call() until it succeeds; the last FetchError propagates."""
        for retry in range(self.tries - 1):
            try:
                return call()
            except FetchError as error:
                if not self.worth(error):
                    raise
                sleep(self.wait(retry))
        return call()


KICKOFF = Retry()


def with_retries(call: Callable[[], T], sleep: Callable[[float], None], tries: int = TRIES) -> T:
    """call() until it succeeds; after `tries` failures the last FetchError propagates."""
    return Retry(tries=tries).call(call, sleep)
