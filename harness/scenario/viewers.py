"""What a scenario's viewers play, checked: the journey (the scenario's own
or its stack's default), the API users' flows of that journey, or a bare
stream URL (audience.stream) on a host traffic may go to."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from harness.document import Document
from harness.fields import shown, unknown
from harness.load.journey import AnyJourney, read_journey
from harness.platforms.hosts import host_problem
from harness.platforms.stack import Stack


def check_viewers(values: dict, stack: Stack | None, source: Path,
                  document: Document) -> AnyJourney | bool | None:
    """Check the journey, the API users and the stream; the journey (None:
    there is none, False: it has problems, already reported)."""
    journey = _check_journey(values, stack, source, document)
    if journey is not None or (values.get("audience") or {}).get("stream"):
        # with neither, `harness run` refuses the scenario before it starts (nothing to play)
        _check_api_users((values.get("audience") or {}).get("api_users") or [], journey,
                         document)
    _check_leaving_flows((values.get("audience") or {}).get("leaving") or [], journey, document)
    _check_stream(values, stack, document)
    return journey


def _check_leaving_flows(leaving: list, journey: AnyJourney | bool | None,
                         document: Document) -> None:
    """Each leaving moment's flow is one the journey's `leaving` defines."""
    for index, moment in enumerate(leaving):
        flow = (moment or {}).get("flow")
        if flow is None or journey is False or (journey and flow in journey.leaving_flows):
            continue
        where = ("audience", "leaving", index, "flow")
        if journey is None:
            document.problem(where, "leaving flows are flows of the journey, and this scenario's "
                                    "viewers play a bare stream (remove flow, or add journey:)")
        else:
            unknown(document, where, f"the journey has no leaving flow {shown(flow)}", flow,
                    journey.leaving_flows or ["(none)"], None if journey.leaving_flows
                    else "the journey defines no leaving flows (see docs/journeys.md)")


def _check_journey(values: dict, stack: Stack | None, source: Path,
                   document: Document) -> AnyJourney | bool | None:
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


def _check_api_users(api_users: list, journey: AnyJourney | bool | None,
                     document: Document) -> None:
    for index, users in enumerate(api_users):
        kind = (users or {}).get("kind")
        if kind is None or journey is False or (journey and kind in journey.api_kinds):
            continue
        where = ("audience", "api_users", index, "kind")
        if journey is None:
            document.problem(where, "api users run flows of the journey, and this scenario has "
                                    "none (add journey: with api_users; see docs/journeys.md)")
        else:
            unknown(document, where, f"unknown api user kind {shown(kind)}", kind,
                    journey.api_kinds or ["(none)"], None if journey.api_kinds
                    else "the journey defines no api_users")


def _check_stream(values: dict, stack: Stack | None, document: Document) -> None:
    """A bare stream URL: http(s), to a host traffic may go to, and no journey settings."""
    audience = values.get("audience") or {}
    url = audience.get("stream")
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        document.problem(("audience", "stream"), f"{shown(url)} is not an http/https URL with a "
                                                 f"host (write e.g. http://HOST:PORT/live/"
                                                 f"master.m3u8)")
        return
    problem = host_problem(url, stack.allow_hosts if stack else ())
    if problem:
        document.problem(("audience", "stream"), problem)
    for key in ("event", "subscribers", "newcomers"):
        if audience.get(key):  # shares of 0 are what a written-out scenario says
            document.problem(("audience", key), f"is not used with audience.stream: viewers play "
                                                f"the stream without the app's journey (remove "
                                                f"{key} or stream)")
