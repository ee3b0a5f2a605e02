"""Each fault of a run as the summary reports it, computed from events.jsonl
(when it was due, injected, reverted; the components' health, and which
components tell that its target is back, as the run's stack said) and the
recorded seconds (impact and recovery), so it can be computed again later.
Faults marked by hand (harness/faults/marks.py) come the same way, with
`marked_by_hand` true."""

from __future__ import annotations

from collections.abc import Sequence

from harness.judge.recovery import Window, healthy_after, recovery
from harness.runfolder.recorder import Second

_NOT_REPORTED = ("kind", "time_utc", "epoch", "fault", "match_s", "components_hit")


def _status(fault: dict) -> str:
    if "error" in fault:
        also = (
            f"; its revert failed too: {fault['revert_error']} (see harness reset)"
            if "revert_error" in fault
            else ""
        )
        return f"failed: {fault['error']}{also}"
    if fault.get("injected_second") is None:
        return (
            "never marked" if fault.get("marked_by_hand") else "not injected (the run ended first)"
        )
    if fault.get("reverted_second") is None:
        if fault.get("marked_by_hand"):
            return "no end marked"
        failed = f": {fault['revert_error']}" if "revert_error" in fault else ""
        return f"injected, never reverted{failed} (see harness reset)"
    return "reverted"


def _said(key: str, event: dict) -> dict:
    """The driver's word on a change (a command's exit code and last lines), if any."""
    return {key: event["output"]} if "output" in event else {}


def fault_summaries(events: Sequence[dict], seconds: Sequence[Second]) -> list[dict]:
    faults: dict[str, dict] = {}
    hit: dict[str, list[str]] = {}  # the components whose health tells a fault's target is back
    transitions = []
    for event in events:
        kind = event["kind"]
        if kind == "fault_scheduled":
            faults[event["fault"]] = {k: v for k, v in event.items() if k not in _NOT_REPORTED}
            # a fault marked by hand had no planned moment
            faults[event["fault"]]["scheduled_match_s"] = (
                None if event.get("marked_by_hand") else event["match_s"]
            )
            hit[event["fault"]] = event.get("components_hit", [event["target"]])
        elif kind == "fault_injected":
            fault = faults[event["fault"]]
            # (the start mark of a fault by hand the scenario declared says what it hit)
            fault.update(
                target=event.get("target", fault["target"]),
                injected_second=event["second"],
                injected_match_s=event["match_s"],
                inject_delay_ms=event["delay_ms"],
                inject_took_ms=event.get("took_ms"),
                **_said("inject_output", event),
            )
        elif kind == "fault_reverted":
            faults[event["fault"]].update(
                reverted_second=event["second"],
                reverted_match_s=event["match_s"],
                revert_delay_ms=event["delay_ms"],
                revert_took_ms=event.get("took_ms"),
                **_said("revert_output", event),
            )
            faults[event["fault"]].pop("revert_error", None)  # a later try went through
        elif kind == "fault_failed":
            faults[event["fault"]]["error"] = event["error"]
        elif kind == "fault_revert_failed":
            faults[event["fault"]]["revert_error"] = event["error"]
        elif kind == "component_health":
            transitions.append((event["second"], event["component"], event["healthy"]))
    windows = {name: _window(fault) for name, fault in faults.items()}
    summaries = []
    for name, fault in faults.items():
        fault = {"name": name, "kind": fault.pop("fault_kind"), **fault, "status": _status(fault)}
        window = windows[name]
        if window is not None:
            others = [w for other, w in windows.items() if other != name and w is not None]
            found = recovery(seconds, window, others)
            fault.update(found.to_json())
            # recovery counts from the revert only when there was one
            reverted = window.reverted
            reference = (
                reverted
                if found.recovery_from == "revert" and reverted is not None
                else window.injected
            )
            if hit[name]:  # a fault marked by hand names no component the run watches
                fault["component_healthy_after_s"] = healthy_after(
                    transitions, hit[name], window.injected, reference
                )
        summaries.append(fault)
    return summaries


def _window(fault: dict) -> Window | None:
    if fault.get("injected_second") is None:
        return None
    # A fault that lasts until the end is reverted only when the run is over:
    # there is nothing after that revert to recover in.
    reverted = fault.get("reverted_second") if fault.get("lasts_until_end") is False else None
    return Window(
        fault["injected_second"], reverted, fault["self_healing"], fault["recovery_budget_s"]
    )
