"""The metrics a run records and an SLO can name: one catalogue for the
scenario validator, the recorder, the summary and (later) the verdict.

Viewer metrics are what people watching felt; request metrics are what the
services did, overall or per endpoint group (`latency_p99.segment`).
"""

from __future__ import annotations

from dataclasses import dataclass

ENDPOINT_GROUPS = ("catalog", "auth", "playlist", "segment")


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
    Metric("video_start_failure_ratio", "ratio", "lower",
           "attempts that ended in an error before the first frame, of all attempts"),
    Metric("exit_before_video_start_ratio", "ratio", "lower",
           "attempts abandoned because startup outlasted the viewer's patience, of all attempts"),
    Metric("rebuffering_ratio", "ratio", "lower", "stalled time / watch time (playing + stalled)"),
    Metric("stalls_per_viewer_hour", "per_hour", "lower", "stalls per hour of watch time"),
    Metric("playback_failure_ratio", "ratio", "lower",
           "started playbacks that ended in an error, of all started playbacks"),
    Metric("average_bitrate_kbps", "kbps", "higher", "bitrate of the rendition played, averaged "
           "over playing time"),
    Metric("switches_per_viewer_hour", "per_hour", "lower", "rendition switches per hour watched"),
)

_REQUEST_KINDS = (
    ("requests_per_second", "per_s", "higher", "requests per second"),
    ("error_ratio", "ratio", "lower", "failed requests / requests"),
    ("latency_p50", "s", "lower", "median response time"),
    ("latency_p95", "s", "lower", "95th percentile response time"),
    ("latency_p99", "s", "lower", "99th percentile response time"),
)


def _request_metrics() -> tuple[Metric, ...]:
    metrics = []
    for kind, unit, better, description in _REQUEST_KINDS:
        metrics.append(Metric(kind, unit, better, f"{description}, all requests"))
        metrics += [Metric(f"{kind}.{group}", unit, better, f"{description}, {group} requests")
                    for group in ENDPOINT_GROUPS]
    return tuple(metrics)


METRICS: dict[str, Metric] = {m.name: m for m in _VIEWER + _request_metrics()}
