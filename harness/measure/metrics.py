"""The metrics a run records and an SLO can name: one catalogue for the
scenario validator, the recorder, the summary and the verdict.

Viewer metrics are what people watching felt; request metrics are what the
services did, over all requests (`latency_p99`) or per request group
(`latency_p99.segment`). The player counts its requests under PLAYER_GROUPS;
a scenario's journey names its own groups, so the per-group part of the
catalogue is resolved against the groups a scenario or a run has, never
against a fixed list. Getting in (signing up, booking a pass) is judged
apart from the video: booking_failure_ratio counts the people who wanted
to watch and could not get in, and the journey's groups BOOKING_GROUPS are
booking's, so a verdict can say which of the two broke (area_of).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PLAYER_GROUPS = ("playlist", "segment")  # playlists and MPDs; media and init segments, keys
# The segment requests of manifest-tier viewers (harness.load.fidelity): first bytes only,
# a group of their own so that their latency never reads as a segment download's.
RANGE_GROUP = "segment_range"
_PLAYER_ORDER = (*PLAYER_GROUPS, RANGE_GROUP)
# The journey's request groups of getting in; an attempt that failed at a step of one of them
# is a booking failure (booking_failure_ratio), not a video start failure.
BOOKING_GROUPS = ("signup", "booking")
GROUP_PATTERN = "^[a-z0-9][a-z0-9_-]*$"
GROUP_RULE = (
    "a request group name (lowercase letters, digits, '_' and '-', starting with a letter or digit)"
)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "s", "ratio", "kbps", "per_hour", "per_s"
    better: str  # "lower" or "higher"
    description: str


_VIEWER = (
    Metric("startup_time_p50", "s", "lower", "median time from pressing play to the first frame"),
    Metric("startup_time_p95", "s", "lower", "95th percentile startup time"),
    Metric("startup_time_p99", "s", "lower", "99th percentile startup time"),
    Metric(
        "video_start_failure_ratio",
        "ratio",
        "lower",
        "attempts that ended in an error before the first frame, of all attempts",
    ),
    Metric(
        "exit_before_video_start_ratio",
        "ratio",
        "lower",
        "attempts abandoned because startup outlasted the viewer's patience, of all attempts",
    ),
    Metric("rebuffering_ratio", "ratio", "lower", "stalled time / watch time (playing + stalled)"),
    Metric("stalls_per_viewer_hour", "per_hour", "lower", "stalls per hour of watch time"),
    Metric(
        "playback_failure_ratio",
        "ratio",
        "lower",
        "started playbacks that ended in an error, of all started playbacks",
    ),
    Metric(
        "average_bitrate_kbps",
        "kbps",
        "higher",
        "bitrate of the rendition played, averaged over playing time",
    ),
    Metric("switches_per_viewer_hour", "per_hour", "lower", "rendition switches per hour watched"),
    Metric(
        "booking_failure_ratio",
        "ratio",
        "lower",
        "attempts that failed at a step of group signup or booking (people who wanted to "
        "watch and could not get in), of the attempts that made a request in one of them",
    ),
)
VIEWER_METRICS: dict[str, Metric] = {m.name: m for m in _VIEWER}

# The request kinds over all requests; `<kind>.<group>` is the same kind for one group.
REQUEST_KINDS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("requests_per_second", "per_s", "higher", "requests per second"),
        Metric("error_ratio", "ratio", "lower", "failed requests / requests"),
        Metric("latency_p50", "s", "lower", "median response time"),
        Metric("latency_p95", "s", "lower", "95th percentile response time"),
        Metric("latency_p99", "s", "lower", "99th percentile response time"),
    )
}


def is_group(name: str) -> bool:
    """Whether `name` is a well-formed request group name (GROUP_PATTERN)."""
    return re.fullmatch(GROUP_PATTERN, name) is not None


def ordered_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """Groups in the order every table, chart and summary shows them: the
    journey's (user-named) groups sorted by name, then the player's own."""
    unique = set(groups)
    return (*sorted(unique - set(_PLAYER_ORDER)), *(g for g in _PLAYER_ORDER if g in unique))


def group_of(name: str) -> str | None:
    """The group a request metric's name names (`error_ratio.login` -> login), else None."""
    kind, dot, group = name.partition(".")
    return group if dot and kind in REQUEST_KINDS else None


def area_of(name: str) -> str:
    """What a metric tells of: "booking" (getting in: booking_failure_ratio and
    the BOOKING_GROUPS' request metrics), "video" (the other viewer metrics and
    the player's groups) or "services" (the journey's other groups, all requests)."""
    group = group_of(name)
    if name == "booking_failure_ratio" or group in BOOKING_GROUPS:
        return "booking"
    return "video" if name in VIEWER_METRICS or group in _PLAYER_ORDER else "services"


def metric(name: str, groups: Iterable[str]) -> Metric | None:
    """The metric called `name`, where `groups` are the request groups that
    exist (a scenario's or a run's); None if there is no such metric."""
    if name in VIEWER_METRICS:
        return VIEWER_METRICS[name]
    if name in REQUEST_KINDS:
        return _over_all(REQUEST_KINDS[name])
    group = group_of(name)
    if group is None or group not in set(groups):
        return None
    kind = REQUEST_KINDS[name.partition(".")[0]]
    return Metric(name, kind.unit, kind.better, f"{kind.description}, {group} requests")


def known_metric(name: str) -> Metric | None:
    """The metric called `name` where its group was checked before (a
    validated scenario's SLOs, a summary's rows): any well-formed group is
    accepted."""
    group = group_of(name)
    return metric(name, [group] if group is not None and is_group(group) else [])


def checked_metric(name: str) -> Metric:
    """known_metric() of a name checked before as a metric's (a validated
    scenario's SLOs and halt conditions, a summary's rows)."""
    found = known_metric(name)
    if found is None:
        raise ValueError(f"{name!r} is not a metric")
    return found


def metric_names(groups: Iterable[str]) -> list[str]:
    """Every metric's name for these groups, in catalogue order: viewer
    metrics, then each request kind over all requests and per group."""
    ordered = ordered_groups(groups)
    return [
        *VIEWER_METRICS,
        *(name for kind in REQUEST_KINDS for name in (kind, *(f"{kind}.{g}" for g in ordered))),
    ]


def _over_all(kind: Metric) -> Metric:
    return Metric(kind.name, kind.unit, kind.better, f"{kind.description}, all requests")
