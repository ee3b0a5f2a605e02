"""The metrics a run records and an SLO can name: one catalogue for the
scenario validator and its JSON Schema, the recorder, the summary, the
verdict, attribution and the report's tables.

A metric is one entry (Metric): its name, unit, which way is better, its
formula over a span's windows, the spans an SLO may judge it over
(SPAN_KINDS) and its heading in the viewers tables; everything else takes
it from here (docs/architecture.md#adding-a-metric).

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

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

# The group naming rule lives apart (the windows hold it too); said here as well.
from harness.measure.group_names import GROUP_PATTERN as GROUP_PATTERN
from harness.measure.group_names import GROUP_RULE as GROUP_RULE
from harness.measure.group_names import is_group
from harness.measure.histogram import Histogram
from harness.measure.window import RequestTally, Window

PLAYER_GROUPS = ("playlist", "segment")  # playlists and MPDs; media and init segments, keys
# The segment requests of manifest-tier viewers (harness.load.fidelity): first bytes only,
# a group of their own so that their latency never reads as a segment download's.
RANGE_GROUP = "segment_range"
_PLAYER_ORDER = (*PLAYER_GROUPS, RANGE_GROUP)
# The journey's request groups of getting in; an attempt that failed at a step of one of them
# is a booking failure (booking_failure_ratio), not a video start failure.
BOOKING_GROUPS = ("signup", "booking")

# The spans an SLO judges a metric over: a phase (overall, baseline, peak, a timeline
# phase), during:<fault> and recovery:<fault>.
SPAN_KINDS = ("phase", "fault", "recovery")

# A metric's figure over a span: (its windows, consecutive seconds; their sum) -> the
# figure, None where its denominator is empty ("no data", never a good zero).
Formula = Callable[[Sequence[Window], Window], float | None]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "s", "ratio", "kbps", "per_hour", "per_s"
    better: str  # "lower" or "higher"
    description: str
    formula: Formula = field(compare=False, repr=False)
    spans: tuple[str, ...] = SPAN_KINDS  # the SPAN_KINDS an SLO may judge it over
    column: str | None = None  # its heading in the viewers tables (console, report)
    # False: computed, and shown in summary.json and the tables, only for a run whose
    # scenario names it (an SLO, a halt condition), so that other runs' summaries stay
    # as they were.
    always: bool = True
    # What a `min:` SLO judges when it is not `formula` (a server metric's lowest second).
    lowest: Formula | None = field(default=None, compare=False, repr=False)


def ratio(part: float, whole: float) -> float | None:
    """part / whole; None (no data) when the whole is empty."""
    return part / whole if whole > 0 else None


def _outcomes(total: Window) -> int:
    """Attempts that ended in the span: first frame, start failure or gave up."""
    return total.starts + total.start_failures + total.exits_before_start


def _watch_hours(total: Window) -> float:
    return (total.played_s + total.stalled_s) / 3600


def startup_times(startup: Histogram, waits: Histogram) -> Histogram:
    """A span's startup times: those of its first frames, and for each viewer
    still waiting at its end the wait so far (its `waits`: the span's last
    second's). A wait is a lower bound of a startup still to come, so every
    percentile of these is one of the span's true startup times: a rush that
    leaves viewers waiting reads as slow, never as the fast few who got in."""
    times = Histogram()
    times.merge(startup)
    times.merge(waits)
    return times


def _startup(fraction: float) -> Formula:
    def formula(windows: Sequence[Window], total: Window) -> float | None:
        waits = windows[-1].waits if windows else Histogram()
        return startup_times(total.startup, waits).percentile(fraction)

    return formula


def stalled_share(window: Window) -> float | None:
    """The share of a second's viewers (joining, playing or stalled) stalled at its end."""
    return ratio(window.stalled, window.joining + window.playing + window.stalled)


def _playback_failures(windows: Sequence[Window], total: Window) -> float | None:
    # Playbacks that could fail in the span: those already watching when it
    # began, and those that started during it.
    playbacks = (windows[0].watching if windows else 0) + total.starts
    return ratio(total.playback_failures, playbacks)


_VIEWER = (
    Metric(
        "startup_time_p50",
        "s",
        "lower",
        "median time from pressing play to the first frame",
        _startup(0.50),
        column="startup p50",
    ),
    Metric(
        "startup_time_p95",
        "s",
        "lower",
        "95th percentile startup time",
        _startup(0.95),
        column="startup p95",
    ),
    Metric("startup_time_p99", "s", "lower", "99th percentile startup time", _startup(0.99)),
    Metric(
        "video_start_failure_ratio",
        "ratio",
        "lower",
        "attempts that ended in an error before the first frame, of all attempts",
        lambda windows, total: ratio(total.start_failures, _outcomes(total)),
        column="start failures",
    ),
    Metric(
        "exit_before_video_start_ratio",
        "ratio",
        "lower",
        "attempts abandoned because startup outlasted the viewer's patience, of all attempts",
        lambda windows, total: ratio(total.exits_before_start, _outcomes(total)),
        column="exits before start",
    ),
    Metric(
        "rebuffering_ratio",
        "ratio",
        "lower",
        "stalled time / watch time (playing + stalled)",
        lambda windows, total: ratio(total.stalled_s, total.played_s + total.stalled_s),
        column="rebuffering",
    ),
    Metric(
        "stalls_per_viewer_hour",
        "per_hour",
        "lower",
        "stalls per hour of watch time",
        lambda windows, total: ratio(total.stalls, _watch_hours(total)),
        column="stalls/h",
    ),
    Metric(
        "peak_stalled_share",
        "ratio",
        "lower",
        "the largest share of viewers stalled at the end of one second of the span: "
        "stalled / (joining + playing + stalled)",
        lambda windows, total: max(
            (s for s in map(stalled_share, windows) if s is not None), default=None
        ),
        column="peak stalled",
        always=False,
    ),
    Metric(
        "playback_failure_ratio",
        "ratio",
        "lower",
        "started playbacks that ended in an error, of all started playbacks",
        _playback_failures,
        column="playback failures",
    ),
    Metric(
        "average_bitrate_kbps",
        "kbps",
        "higher",
        "bitrate of the rendition played, averaged over playing time",
        lambda windows, total: ratio(total.bitrate_kbps_s, total.played_s),
        column="kbps",
    ),
    Metric(
        "switches_per_viewer_hour",
        "per_hour",
        "lower",
        "rendition switches per hour watched",
        lambda windows, total: ratio(total.switches, _watch_hours(total)),
    ),
    Metric(
        "booking_failure_ratio",
        "ratio",
        "lower",
        "attempts that failed at a step of group signup or booking (people who wanted to "
        "watch and could not get in), of the attempts that made a request in one of them",
        lambda windows, total: ratio(total.booking_failures, total.booking_attempts),
    ),
)
VIEWER_METRICS: dict[str, Metric] = {m.name: m for m in _VIEWER}


@dataclass(frozen=True)
class RequestKind:
    """A request metric over all requests (`error_ratio`) or one group's (`error_ratio.<group>`)."""

    name: str
    unit: str
    better: str
    description: str
    # (the requests' tally over the span, the span's seconds) -> the figure
    of_requests: Callable[[RequestTally, int], float | None] = field(compare=False, repr=False)
    column: str | None = None  # the heading of its over-all figure in the viewers tables

    def over(self, group: str | None) -> Metric:
        """This kind over one group's requests, or over all (None)."""

        def formula(windows: Sequence[Window], total: Window) -> float | None:
            return self.of_requests(_requests_of(total, group), len(windows))

        return Metric(
            self.name if group is None else f"{self.name}.{group}",
            self.unit,
            self.better,
            f"{self.description}, {'all' if group is None else group} requests",
            formula,
            column=self.column if group is None else None,
        )


def _requests_of(total: Window, group: str | None) -> RequestTally:
    """The tally of one group's requests (an empty one if it made none), or of all (None)."""
    if group is not None:
        return total.requests.get(group, RequestTally())
    everything = RequestTally()
    for tally in total.requests.values():
        everything.merge(tally)
    return everything


def _latency(fraction: float) -> Callable[[RequestTally, int], float | None]:
    return lambda tally, seconds: tally.latency.percentile(fraction)


# The request kinds over all requests; `<kind>.<group>` is the same kind for one group.
REQUEST_KINDS: dict[str, RequestKind] = {
    k.name: k
    for k in (
        RequestKind(
            "requests_per_second",
            "per_s",
            "higher",
            "requests per second",
            lambda tally, seconds: ratio(tally.count, seconds),
        ),
        RequestKind(
            "error_ratio",
            "ratio",
            "lower",
            "failed requests / requests",
            lambda tally, seconds: ratio(tally.failures, tally.count),
            column="request errors",
        ),
        RequestKind("latency_p50", "s", "lower", "median response time", _latency(0.50)),
        RequestKind("latency_p95", "s", "lower", "95th percentile response time", _latency(0.95)),
        RequestKind("latency_p99", "s", "lower", "99th percentile response time", _latency(0.99)),
    )
}


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
        return REQUEST_KINDS[name].over(None)
    group = group_of(name)
    if group is None or group not in set(groups):
        return None
    return REQUEST_KINDS[name.partition(".")[0]].over(group)


SERVER = "server"  # `server.<name>`: a figure of the targets file's server_metrics


def _worst(name: str, pick: Callable[..., float]) -> Formula:
    """The span's highest (pick=max) or lowest (min) figure of server metric
    `name`; its seconds without one are left out, none at all: no data."""
    return lambda windows, total: pick(
        (f for f in (w.server.get(name) for w in windows) if f is not None), default=None
    )


def server_metric(name: str) -> Metric | None:
    """`server.<name>`, a figure the run read from the platform's Prometheus
    (harness.platforms.prometheus), if `name` is well formed: judged by its
    worst second in the span, the highest for `max:`, the lowest for `min:`."""
    kind, dot, server = name.partition(".")
    if kind != SERVER or not dot or not is_group(server):
        return None
    return Metric(
        name,
        "number",
        "lower",
        f"the platform's own figure {server} (the targets file's server_metrics)",
        _worst(server, max),
        always=False,
        lowest=_worst(server, min),
    )


def known_metric(name: str) -> Metric | None:
    """The metric called `name` where its group was checked before (a
    validated scenario's SLOs, a summary's rows): any well-formed group (and
    server metric name) is accepted."""
    if name.startswith(f"{SERVER}."):
        return server_metric(name)
    group = group_of(name)
    return metric(name, [group] if group is not None and is_group(group) else [])


def checked_metric(name: str) -> Metric:
    """known_metric() of a name checked before as a metric's (a validated
    scenario's SLOs and halt conditions, a summary's rows)."""
    found = known_metric(name)
    if found is None:
        raise ValueError(f"{name!r} is not a metric")
    return found


def metric_names(groups: Iterable[str], named: Collection[str] = ()) -> list[str]:
    """Every metric's name for these groups, in catalogue order: the viewer
    metrics shown always and those of `named` (a scenario's) judged over phases,
    then each request kind over all requests and per group."""
    ordered = ordered_groups(groups)
    return [
        *(m.name for m in _VIEWER if m.always or m.name in named and "phase" in m.spans),
        *(name for kind in REQUEST_KINDS for name in (kind, *(f"{kind}.{g}" for g in ordered))),
    ]


def columns(names: Collection[str]) -> list[tuple[str, str]]:
    """(name, heading) of the viewers tables' columns: the catalogue's metrics
    with a heading among `names` (the figures a span of a summary holds)."""
    over_all = [kind.over(None) for kind in REQUEST_KINDS.values()]
    return [(m.name, m.column) for m in (*_VIEWER, *over_all) if m.column and m.name in names]
