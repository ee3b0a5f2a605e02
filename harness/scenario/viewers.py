"""What a scenario's viewers play, checked: the journey (the scenario's own
or its stack's default), the API users' flows of that journey, or a bare
stream URL (audience.stream) on a host traffic may go to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from harness.load.journey import AnyJourney, read_journey
from harness.platforms.hosts import host_problem
from harness.platforms.stack import Stack
from harness.spec.document import Document
from harness.spec.fields import unknown
from harness.spec.shown import shown


def check_viewers(
    values: dict, stack: Stack | None, source: Path, document: Document
) -> AnyJourney | Literal[False] | None:
    """Check the journey, the API users and the stream; the journey (None:
    there is none, False: it has problems, already reported)."""
    journey = _check_journey(values, stack, source, document)
    if journey is not None or (values.get("audience") or {}).get("stream"):
        # with neither, `harness run` refuses the scenario before it starts (nothing to play)
        _check_flows(_API_USERS, values, journey, document)
    _check_flows(_LEAVING, values, journey, document)
    _check_stream(values, stack, document)
    return journey


@dataclass(frozen=True)
class _FlowUse:
    """Where the audience names a flow of the journey, and how to say it is not there."""

    items: str  # the audience's list: api_users or leaving
    key: str  # its items' field naming the flow
    flows: Callable[[AnyJourney], tuple[str, ...]]  # the journey's flows of that kind
    no_journey: str  # the problem when viewers play a bare stream
    not_there: str  # "... {name}" when the journey has no such flow
    none_defined: str  # the hint when the journey has none at all


_API_USERS = _FlowUse(
    "api_users",
    "kind",
    lambda j: j.api_kinds,
    "api users run flows of the journey, and this scenario has none (add "
    "journey: with api_users; see docs/journeys.md)",
    "unknown api user kind {name}",
    "the journey defines no api_users",
)
_LEAVING = _FlowUse(
    "leaving",
    "flow",
    lambda j: j.leaving_flows,
    "leaving flows are flows of the journey, and this scenario's viewers play a "
    "bare stream (remove flow, or add journey:)",
    "the journey has no leaving flow {name}",
    "the journey defines no leaving flows (see docs/journeys.md)",
)


def _check_flows(
    use: _FlowUse, values: dict, journey: AnyJourney | Literal[False] | None, document: Document
) -> None:
    """Each flow the audience's `use.items` name is one the journey defines."""
    for index, item in enumerate((values.get("audience") or {}).get(use.items) or []):
        name = (item or {}).get(use.key)
        if name is None or journey is False or (journey and name in use.flows(journey)):
            continue
        where = ("audience", use.items, index, use.key)
        if journey is None:
            document.problem(where, use.no_journey)
        else:
            defined = use.flows(journey)
            unknown(
                document,
                where,
                use.not_there.format(name=shown(name)),
                name,
                defined or ["(none)"],
                None if defined else use.none_defined,
            )


def _check_journey(
    values: dict, stack: Stack | None, source: Path, document: Document
) -> AnyJourney | Literal[False] | None:
    """The scenario's journey (or its stack's default), checked; None when
    there is none, False when it has problems (already reported)."""
    if "journey" in values:
        spec = values["journey"]
    elif (values.get("audience") or {}).get("stream") or stack is None:
        return None
    else:
        spec = str(stack.journey) if stack.journey else None
    if spec is None:
        return None
    return read_journey(spec, ("journey",), source.parent, document) or False


def _check_stream(values: dict, stack: Stack | None, document: Document) -> None:
    """A bare stream URL: http(s), to a host traffic may go to, and no journey settings."""
    audience = values.get("audience") or {}
    url = audience.get("stream")
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        document.problem(
            ("audience", "stream"),
            f"{shown(url)} is not an http/https URL with a "
            f"host (write e.g. http://HOST:PORT/live/"
            f"master.m3u8)",
        )
        return
    problem = host_problem(url, stack.allow_hosts if stack else ())
    if problem:
        document.problem(("audience", "stream"), problem)
    for key in ("event", "subscribers", "newcomers"):
        if audience.get(key):  # shares of 0 are what a written-out scenario says
            document.problem(
                ("audience", key),
                f"is not used with audience.stream: viewers play "
                f"the stream without the app's journey (remove "
                f"{key} or stream)",
            )
