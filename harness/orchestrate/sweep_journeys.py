"""The user journeys a sweep judges, the columns of its matrix, and what
each is judged on.

- new viewers, one journey per client type of the audience: their start
  failures, exits before start and startup time (Window.clients);
- viewers already watching: playback failures and rebuffering;
- each request group of the scenario's journey that is not the player's own
  (in the reference journey: auth for logins and entitlements, catalog for
  the catalog and EPG): its error ratio, and any other SLO the scenario sets
  on that group.

A check's threshold is the scenario's own SLO on that metric (the strictest,
of the SLOs not tied to one of its faults), else DEFAULTS (docs/sweep.md). A
hard check counts people who could not do what they came for (failures); a
soft one how well it went (time, rebuffering, latency).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.judge.verdict import DEFAULT_DEMAND, DEFAULT_FAULT
from harness.measure.aggregate import client_metrics, metrics_of
from harness.measure.metrics import PLAYER_GROUPS, RANGE_GROUP, checked_metric, group_of
from harness.measure.window import Window
from harness.scenario import Scenario

_DEFAULTS = {o.metric: o.threshold for o in (*DEFAULT_DEMAND, *DEFAULT_FAULT)}
# The verdict's own defaults: those for a fault's span where it has them.
DEFAULTS = {
    "video_start_failure_ratio": _DEFAULTS["video_start_failure_ratio"],
    "exit_before_video_start_ratio": _DEFAULTS["exit_before_video_start_ratio"],
    "startup_time_p95": _DEFAULTS["startup_time_p95"],
    "playback_failure_ratio": _DEFAULTS["playback_failure_ratio"],
    "rebuffering_ratio": _DEFAULTS["rebuffering_ratio"],
    "error_ratio": _DEFAULTS["error_ratio.segment"],  # for each journey group: error_ratio.<group>
}
LABELS = {
    "video_start_failure_ratio": "start failures",
    "exit_before_video_start_ratio": "exits before start",
    "startup_time_p95": "startup p95",
    "playback_failure_ratio": "playback failures",
    "rebuffering_ratio": "rebuffering",
}
NEW, WATCHING, GROUP = "new", "watching", "group"


@dataclass(frozen=True)
class Check:
    metric: str  # the catalogue's name: video_start_failure_ratio, error_ratio.auth ...
    op: str  # "max" or "min"
    threshold: float
    hard: bool  # broken: the journey fails; else it is degraded
    default: bool  # the threshold is DEFAULTS', not the scenario's

    @property
    def unit(self) -> str:
        return checked_metric(self.metric).unit

    @property
    def label(self) -> str:
        return LABELS.get(self.metric) or self.metric.partition(".")[0].replace("_", " ")

    def broken(self, value: float | None) -> bool:
        if value is None:
            return False
        return value > self.threshold if self.op == "max" else value < self.threshold

    def to_json(self) -> dict:
        return {
            "metric": self.metric,
            "label": self.label,
            "op": self.op,
            "threshold": self.threshold,
            "unit": self.unit,
            "hard": self.hard,
            "default": self.default,
        }


@dataclass(frozen=True)
class Journey:
    key: str  # "new:web", "watching", "group:auth"
    name: str  # "new viewers (web)", "viewers already watching", "auth"
    checks: tuple[Check, ...]

    def figures(self, windows: Sequence[Window]) -> dict[str, float | None]:
        """The journey's checked metrics over `windows`."""
        kind, _, which = self.key.partition(":")
        if kind == NEW:
            found = client_metrics(windows).get(which, {})
        else:
            found = metrics_of(windows, [which] if kind == GROUP else [])
        return {check.metric: found.get(check.metric) for check in self.checks}

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "checks": [check.to_json() for check in self.checks],
        }


def _check(scenario: Scenario, metric: str, hard: bool, default: str | None = None) -> Check:
    """The check of `metric`: the scenario's strictest SLO on it, else the default."""
    own = [s for s in scenario.slos if s.metric == metric and s.fault is None]
    maxima = [s.max for s in own if s.max is not None]
    minima = [s.min for s in own if s.min is not None]
    if maxima:
        return Check(metric, "max", min(maxima), hard, False)
    if minima:
        return Check(metric, "min", max(minima), hard, False)
    return Check(metric, "max", DEFAULTS[default or metric], hard, True)


def _group_checks(scenario: Scenario, group: str) -> tuple[Check, ...]:
    """The group's error ratio, then every other metric the scenario's SLOs set on it."""
    error = f"error_ratio.{group}"
    others = dict.fromkeys(
        s.metric
        for s in scenario.slos
        if group_of(s.metric) == group and s.metric != error and s.fault is None
    )
    return (
        _check(scenario, error, True, "error_ratio"),
        *(_check(scenario, metric, metric.startswith("error_ratio")) for metric in others),
    )


def journeys_of(scenario: Scenario) -> list[Journey]:
    """The matrix's columns for `scenario`, in order."""
    new = tuple(
        _check(scenario, metric, hard)
        for metric, hard in (
            ("video_start_failure_ratio", True),
            ("exit_before_video_start_ratio", True),
            ("startup_time_p95", False),
        )
    )
    found = [
        Journey(f"{NEW}:{client}", f"new viewers ({client})", new)
        for client, share in scenario.audience.clients.items()
        if share > 0
    ]
    found.append(
        Journey(
            WATCHING,
            "viewers already watching",
            tuple(
                _check(scenario, metric, hard)
                for metric, hard in (("playback_failure_ratio", True), ("rebuffering_ratio", False))
            ),
        )
    )
    player = {*PLAYER_GROUPS, RANGE_GROUP}
    found += [
        Journey(f"{GROUP}:{group}", group, _group_checks(scenario, group))
        for group in scenario.groups
        if group not in player
    ]
    return found
