"""Asking a platform's Prometheus for its own figures (the stack's Prometheus:
a targets file's prometheus, the reference stack's own; the queries: the
targets file's server_metrics and the scenario's): one PromQL instant query at a given time
through Prometheus' HTTP API (GET /api/v1/query), bounded by a timeout.

A query that fails, gives no series, more than one, or a value that is not a
finite number has no figure: its answer says why, never 0. How queries are
written (a targets file's, a scenario's, a file of them): server_metrics.py."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

QUERY_TIMEOUT = 2.0  # seconds: a slow Prometheus costs a missing figure, never the run's second
LARGEST_ANSWER = 1 << 20  # bytes; one series' answer is a few hundred


@dataclass(frozen=True)
class ServerQueries:
    """What a run reads each second: the Prometheus API's base URL and name -> PromQL
    (a stack's: its Prometheus, and the queries its description names, maybe none)."""

    prometheus: str
    queries: dict[str, str]

    def adding(self, queries: dict[str, str]) -> ServerQueries:
        """These and a scenario's `queries` (names the stack has too are the stack's)."""
        return ServerQueries(self.prometheus, queries | self.queries)


@dataclass(frozen=True)
class Answer:
    value: float | None  # None: no figure this time
    problem: str | None = None  # why there is none


def _error_of(body: bytes, fallback: str) -> str:
    try:
        answer = json.loads(body)
        return f"{answer.get('errorType', 'error')}: {answer['error']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return fallback


def _figure(data: object) -> Answer:
    """The one finite number of an instant query's `data` (a vector or scalar)."""
    if not isinstance(data, dict):
        return Answer(None, "not a Prometheus answer")
    result = data.get("result")
    if data.get("resultType") == "vector" and isinstance(result, list):
        if len(result) != 1:
            what = "no series" if not result else f"{len(result)} series (sum or pick one)"
            return Answer(None, what)
        result = result[0].get("value") if isinstance(result[0], dict) else None
    elif data.get("resultType") != "scalar":
        return Answer(None, f"a {data.get('resultType')} (give an instant vector or a scalar)")
    try:
        value = float(result[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return Answer(None, "not a Prometheus answer")
    return Answer(value) if math.isfinite(value) else Answer(None, f"{value} (not a number)")


def ask(prometheus: str, query: str, at: float, timeout: float = QUERY_TIMEOUT) -> Answer:
    """`query`'s figure at Unix time `at`."""
    url = f"{prometheus.rstrip('/')}/api/v1/query?{urlencode({'query': query, 'time': at})}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(LARGEST_ANSWER)
    except urllib.error.HTTPError as error:
        return Answer(None, _error_of(error.read(LARGEST_ANSWER), f"HTTP {error.code}"))
    except (OSError, urllib.error.URLError) as error:
        return Answer(None, f"Prometheus not reached: {getattr(error, 'reason', error)}")
    try:
        answer = json.loads(body)
    except ValueError:
        return Answer(None, "not a Prometheus answer (not JSON)")
    if not isinstance(answer, dict) or answer.get("status") != "success":
        return Answer(None, _error_of(body, "not a Prometheus answer"))
    return _figure(answer.get("data"))
