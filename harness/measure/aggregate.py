"""From a span of windows (a phase, the whole run) to the catalogue's metrics.

A metric whose denominator is empty in the span (no attempts, no watch time,
no requests) is None, "no data": it must never read as a good zero. Request
metrics are computed for every group the windows hold and every group the
caller names besides (a group of the scenario nobody requested in this span
has 0 requests per second and no error ratio, rather than no figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.measure.metrics import metric_names, ordered_groups
from harness.measure.window import ClientStarts, RequestTally, Window

PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def merged(windows: Sequence[Window]) -> Window:
    """All windows added into one (its `second` is the first one's)."""
    total = Window(windows[0].second if windows else 0)
    for window in windows:
        total.merge(window)
    return total


def _request_metrics(suffix: str, tally: RequestTally, seconds: int) -> dict[str, float | None]:
    """The request kinds of one tally; suffix: "" over all requests, else ".<group>"."""
    values = {
        f"requests_per_second{suffix}": _ratio(tally.count, seconds),
        f"error_ratio{suffix}": _ratio(tally.failures, tally.count),
    }
    for label, fraction in PERCENTILES.items():
        values[f"latency_{label}{suffix}"] = tally.latency.percentile(fraction)
    return values


def groups_of(windows: Iterable[Window], declared: Iterable[str] = ()) -> tuple[str, ...]:
    """The request groups of a span: those its windows hold and the `declared`
    ones, in the catalogue's order (harness.measure.metrics.ordered_groups)."""
    return ordered_groups({*declared, *(group for w in windows for group in w.requests)})


def metrics_of(windows: Sequence[Window], groups: Iterable[str] = ()) -> dict[str, float | None]:
    """Every metric of the catalogue over `windows` (consecutive seconds), for
    the groups they hold and `groups` besides."""
    total = merged(windows)
    outcomes = total.starts + total.start_failures + total.exits_before_start
    watch_hours = (total.played_s + total.stalled_s) / 3600
    # Playbacks that could fail in the span: those already watching when it
    # began, and those that started during it.
    playbacks = (windows[0].watching if windows else 0) + total.starts
    values: dict[str, float | None] = {
        "video_start_failure_ratio": _ratio(total.start_failures, outcomes),
        "exit_before_video_start_ratio": _ratio(total.exits_before_start, outcomes),
        "rebuffering_ratio": _ratio(total.stalled_s, total.played_s + total.stalled_s),
        "stalls_per_viewer_hour": _ratio(total.stalls, watch_hours),
        "playback_failure_ratio": _ratio(total.playback_failures, playbacks),
        "average_bitrate_kbps": _ratio(total.bitrate_kbps_s, total.played_s),
        "switches_per_viewer_hour": _ratio(total.switches, watch_hours),
        "booking_failure_ratio": _ratio(total.booking_failures, total.booking_attempts),
    }
    for label, fraction in PERCENTILES.items():
        values[f"startup_time_{label}"] = total.startup.percentile(fraction)
    everything = RequestTally()
    named = groups_of([total], groups)
    for group in named:
        tally = total.requests.get(group, RequestTally())
        everything.merge(tally)
        values.update(_request_metrics(f".{group}", tally, len(windows)))
    values.update(_request_metrics("", everything, len(windows)))
    return {name: values[name] for name in metric_names(named)}


def client_metrics(windows: Sequence[Window]) -> dict[str, dict[str, float | int | None]]:
    """The new viewers of each client type over `windows` (Window.clients): their
    counts, and the start metrics of the catalogue for them alone."""
    total = merged(windows)
    return {name: _starts_metrics(total.clients[name]) for name in sorted(total.clients)}


def _starts_metrics(starts: ClientStarts) -> dict[str, float | int | None]:
    outcomes = starts.starts + starts.start_failures + starts.exits_before_start
    return {
        "attempts": starts.attempts,
        "starts": starts.starts,
        "start_failures": starts.start_failures,
        "exits_before_start": starts.exits_before_start,
        "video_start_failure_ratio": _ratio(starts.start_failures, outcomes),
        "exit_before_video_start_ratio": _ratio(starts.exits_before_start, outcomes),
        **{
            f"startup_time_{label}": starts.startup.percentile(fraction)
            for label, fraction in PERCENTILES.items()
        },
    }
