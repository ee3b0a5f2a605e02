"""The shape of events.jsonl's records, checked when a run folder is read
back: the fields every kind of event carries as the harness writes them
(see recorder.Recorder.event), so a damaged event is named by its line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.measure import shapes
from harness.spec.errors import InvalidInput


def _optional(check: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    return lambda value, where: None if value is None else check(value, where)


# kind: {field: check}; a field missing from the event is not checked
# unless it is listed in _REQUIRED.
_FIELDS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "run_started": {
        "strict": shapes.flag,
        "baseline_run": _optional(shapes.text),
        "regression_tolerance": shapes.duration,
        "request_groups": _optional(shapes.groups),
        "workers": shapes.count,
    },
    "run_ended": {"outcome": shapes.text},
    "phase": {"phase": shapes.text},
    "fault_scheduled": {
        "fault": shapes.text,
        "fault_kind": shapes.text,
        "target": shapes.text,
        "components_hit": shapes.texts,
        "self_healing": shapes.flag,
        "lasts_until_end": shapes.flag,
        "recovery_budget_s": shapes.duration,
        "scheduled_second": _optional(shapes.duration),
        "revert_scheduled_second": _optional(shapes.duration),
    },
    # output: what the driver said of the change (a command's exit code and last lines)
    "fault_injected": {
        "fault": shapes.text,
        "second": shapes.duration,
        "delay_ms": _optional(shapes.seconds),
        "took_ms": shapes.duration,
        "output": shapes.mapping,
    },
    "fault_reverted": {
        "fault": shapes.text,
        "second": shapes.duration,
        "delay_ms": _optional(shapes.seconds),
        "took_ms": shapes.duration,
        "output": shapes.mapping,
    },
    "fault_failed": {"fault": shapes.text, "error": shapes.text},
    "fault_revert_failed": {"fault": shapes.text, "error": shapes.text},
    "component_health": {
        "second": shapes.duration,
        "component": shapes.text,
        "healthy": shapes.flag,
    },
    # each component's mean cores and CPU limit over the run (managed platforms)
    "component_usage": {"components": shapes.mapping},
    # the load generator's own events (harness.generator): never the stack's doing
    "worker_lost": {"worker": shapes.count, "viewers": shapes.count, "why": shapes.text},
    "window_missing": {"worker": shapes.count, "second": shapes.count},
    "window_late": {
        "worker": shapes.count,
        "second": shapes.count,
        "attempts": shapes.count,
        "requests": shapes.count,
    },
}
_REQUIRED = {
    "run_ended": ("outcome",),
    "phase": ("phase",),
    "fault_scheduled": (
        "fault",
        "fault_kind",
        "target",
        "match_s",
        "self_healing",
        "recovery_budget_s",
    ),
    "fault_injected": ("fault", "second", "match_s", "delay_ms"),
    "fault_reverted": ("fault", "second", "match_s", "delay_ms"),
    "fault_failed": ("fault", "error"),
    "fault_revert_failed": ("fault", "error"),
    "component_health": ("second", "component", "healthy"),
    "component_usage": ("components",),
    "worker_lost": ("worker", "viewers"),
}


def checked_event(data: Any) -> dict:
    """The event, when it has its kind's fields; ValueError("field: problem")."""
    event = shapes.mapping(data, "line")
    if "kind" not in event:
        raise ValueError("kind: missing")
    kind = shapes.text(event["kind"], "kind")
    shapes.epoch(event.get("epoch"), "epoch")
    if event.get("match_s") is not None:
        shapes.seconds(event["match_s"], "match_s")
    for name in _REQUIRED.get(kind, ()):
        if name not in event:
            raise ValueError(f"{name}: missing from a {kind} event")
    for name, check in _FIELDS.get(kind, {}).items():
        if name in event:
            check(event[name], name)
    return event


def check_fault_order(events: Sequence[dict], path: Path) -> None:
    """Every fault event follows its fault_scheduled (line numbers: the events'
    places, as only a torn last line is ever dropped)."""
    scheduled = set()
    for line, event in enumerate(events, start=1):
        if event["kind"] == "fault_scheduled":
            scheduled.add(event["fault"])
        elif (
            event["kind"]
            in ("fault_injected", "fault_reverted", "fault_failed", "fault_revert_failed")
            and event["fault"] not in scheduled
        ):
            raise InvalidInput(
                f"{path}:{line}: {event['kind']} of {event['fault']!r} before its fault_scheduled"
            )
