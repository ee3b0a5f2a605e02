"""From a span of windows (a phase, the whole run) to the catalogue's metrics.

A metric whose denominator is empty in the span (no attempts, no watch time,
no requests) is None, "no data": it must never read as a good zero. Request
metrics are computed for every group the windows hold and every group the
caller names besides (a group of the scenario nobody requested in this span
has 0 requests per second and no error ratio, rather than no figures).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from harness.measure.metrics import (
    checked_metric,
    metric_names,
    ordered_groups,
    ratio,
    startup_times,
)
from harness.measure.window import ClientStarts, Window

PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def merged(windows: Sequence[Window]) -> Window:
    """All windows added into one (its `second` is the first one's)."""
    total = Window(windows[0].second if windows else 0)
    for window in windows:
        total.merge(window)
    return total


def groups_of(windows: Iterable[Window], declared: Iterable[str] = ()) -> tuple[str, ...]:
    """The request groups of a span: those its windows hold and the `declared`
    ones, in the catalogue's order (harness.measure.metrics.ordered_groups)."""
    return ordered_groups({*declared, *(group for w in windows for group in w.requests)})


def metrics_of(
    windows: Sequence[Window], groups: Iterable[str] = (), named: Collection[str] = ()
) -> dict[str, float | None]:
    """Every metric of the catalogue over `windows` (consecutive seconds), for
    the groups they hold and `groups` besides; of the metrics not shown always,
    those `named` (a scenario's)."""
    total = merged(windows)
    names = metric_names(groups_of([total], groups), named)
    return {name: checked_metric(name).formula(windows, total) for name in names}


def value_of(name: str, windows: Sequence[Window], op: str = "max") -> float | None:
    """One metric of the catalogue over `windows` (a name checked before), as
    an SLO of `op` judges it (a metric with a `lowest` figure: for min)."""
    metric = checked_metric(name)
    formula = metric.lowest if op == "min" and metric.lowest else metric.formula
    return formula(windows, merged(windows))


def client_metrics(windows: Sequence[Window]) -> dict[str, dict[str, float | int | None]]:
    """The new viewers of each client type over `windows` (Window.clients): their
    counts, and the start metrics of the catalogue for them alone."""
    total = merged(windows)
    last = windows[-1].clients if windows else {}
    return {
        name: _starts_metrics(total.clients[name], last.get(name, ClientStarts()))
        for name in sorted(total.clients)
    }


def _starts_metrics(starts: ClientStarts, last: ClientStarts) -> dict[str, float | int | None]:
    """`starts` summed over a span; `last` its last second's, whose waits count
    in the startup times (harness.measure.metrics.startup_times)."""
    outcomes = starts.starts + starts.start_failures + starts.exits_before_start
    return {
        "attempts": starts.attempts,
        "starts": starts.starts,
        "start_failures": starts.start_failures,
        "exits_before_start": starts.exits_before_start,
        "video_start_failure_ratio": ratio(starts.start_failures, outcomes),
        "exit_before_video_start_ratio": ratio(starts.exits_before_start, outcomes),
        **{
            f"startup_time_{label}": startup_times(starts.startup, last.waits).percentile(fraction)
            for label, fraction in PERCENTILES.items()
        },
    }
