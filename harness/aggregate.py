"""From a span of windows (a phase, the whole run) to the catalogue's metrics.

A metric whose denominator is empty in the span (no attempts, no watch time,
no requests) is None, "no data": it must never read as a good zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.metrics import ENDPOINT_GROUPS, METRICS
from harness.window import RequestTally, Window

PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def merged(windows: Sequence[Window]) -> Window:
    """All windows added into one (its `second` is the first one's)."""
    total = Window(windows[0].second if windows else 0)
    for window in windows:
        total.merge(window)
    return total


def _request_metrics(name: str, tally: RequestTally, seconds: int) -> dict[str, float | None]:
    suffix = f".{name}" if name != "all" else ""
    values = {f"requests_per_second{suffix}": _ratio(tally.count, seconds),
              f"error_ratio{suffix}": _ratio(tally.failures, tally.count)}
    for label, fraction in PERCENTILES.items():
        values[f"latency_{label}{suffix}"] = tally.latency.percentile(fraction)
    return values


def metrics_of(windows: Sequence[Window]) -> dict[str, float | None]:
    """Every metric of the catalogue over `windows` (consecutive seconds)."""
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
    }
    for label, fraction in PERCENTILES.items():
        values[f"startup_time_{label}"] = total.startup.percentile(fraction)
    everything = RequestTally()
    for group in ENDPOINT_GROUPS:
        tally = total.requests.get(group, RequestTally())
        everything.merge(tally)
        values.update(_request_metrics(group, tally, len(windows)))
    values.update(_request_metrics("all", everything, len(windows)))
    assert values.keys() == METRICS.keys(), "the catalogue and the aggregation must agree"
    return values
