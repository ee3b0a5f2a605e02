"""The scenario file format and the rules between its fields.

FORMAT is declared once: it reads files (types, ranges, unknown keys) and is
the JSON Schema. The rules after it need more than one field (times inside
the timeline, names that must exist, thresholds that fit their metric); they
skip values already reported, so every problem is reported once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kickoff_stack.topology import COMPONENTS, LINKS_BY_NAME

from harness.document import Document, Where
from harness.errors import InvalidInput
from harness.fields import (Choice, FreeMapping, Items, Number, Record, Shares, Text, Threshold,
                            Time, unknown)
from harness.metrics import METRICS, Metric
from harness.quantities import format_time
from harness.scenario.model import CLIENT_TYPES, default_phases
from harness.targets import load_targets

PLATFORMS = ("local", "docker", "external")
API_USER_KINDS = ("epg", "login")
SLO_PHASES = ("overall", "baseline", "peak")  # besides during:/recovery:<fault> and timeline phases

# Kind-specific checks of a fault's params: kind -> the problems found (none: fine).
# A kind without a validator takes any params.
FAULT_PARAM_VALIDATORS: dict[str, Callable[[dict], list[str]]] = {}


_PHASE = Record("a named part of the timeline, lasting until the next one starts", {
    "name": Text("the phase's name, for SLOs and reports"),
    "at": Time("when it starts, in match time"),
}, required=("name", "at"))
_TIMELINE = Record("the run's window in match time (T0 = kickoff, negative before)", {
    "start": Time("where the run begins, e.g. -10m"),
    "end": Time("where the run ends, after start"),
    "phases": Items("the phases in time order, the first at start (default: pre-match, and "
                    "kickoff from -1m)", _PHASE, at_least=1),
    "peak": Text("the phase that is the kickoff window (default: the phase at T0, else the last)"),
}, required=("start", "end"))
_POINT = Record("concurrent viewers wanted at a moment (linear in between)", {
    "at": Time("in match time"),
    "viewers": Number("concurrent viewers at full scale", integer=True, minimum=0),
}, required=("at", "viewers"))
_API_USERS = Record("users who call the API without watching", {
    "kind": Choice("epg polls /api/epg and /api/live; login storms POST /auth/login",
                   API_USER_KINDS, noun="api user kind"),
    "users": Number("how many, for the whole run", integer=True, minimum=1),
    "interval": Time("real time between one user's requests (not time-scaled)", duration=True),
}, required=("kind", "users", "interval"))
_AUDIENCE = Record("who watches, and when", {
    "event": Text("the event id to watch (default: the first free-to-air event live)"),
    "scale": Number("multiplies every viewers value (default 1)", above=0),
    "viewers": Items("the audience curve: points in time order", _POINT, at_least=1),
    "clients": Shares("shares of client types (default web 0.5, app 0.35, tv 0.15)", CLIENT_TYPES),
    "subscribers": Number("share of viewers who log in as subscribers (default 0)",
                          minimum=0, maximum=1),
    "api_users": Items("API users besides the viewers (default none)", _API_USERS),
}, required=("viewers",))
_SLO = Record("a service level objective, judged in one phase", {
    "metric": Choice("what is judged", tuple(METRICS), noun="metric",
                     hint="see the metric catalogue in docs/scenarios.md"),
    "max": Threshold("the highest value that passes"),
    "min": Threshold("the lowest value that passes"),
    "phase": Text("overall (default), baseline, peak, during:<fault>, recovery:<fault> or a "
                  "timeline phase"),
}, required=("metric",), exactly_one=("max", "min"))
_FAULT = Record("a fault injected at a moment and reverted after a while", {
    "name": Text("unique among the faults; SLO phases during:<name> and recovery:<name>"),
    "kind": Text("what the fault does, e.g. kill"),
    "target": Text("the component or link it hits"),
    "at": Time("when it is injected, in match time"),
    "for": Time("how long it lasts (default: until the end)", duration=True),
    "params": FreeMapping("settings of the fault's kind (default none)"),
}, required=("name", "kind", "target", "at"))
FORMAT = Record("a kickoff match-day scenario", {
    "name": Text("names the run's results folder", pattern="^[a-z0-9][a-z0-9-]*$",
                 rule="a valid name (lowercase letters, digits and '-', starting with a letter "
                      "or digit)"),
    "description": Text("what the scenario shows", blank=True),
    "platform": Choice("where the stack runs (default local)", PLATFORMS, noun="platform"),
    "targets": Text("with platform external: the targets file, relative to this file"),
    "time_scale": Number("how many times faster than real time the timeline runs (default 1)",
                         above=0),
    "seed": Number("random seed (default 1)", integer=True),
    "timeline": _TIMELINE,
    "audience": _AUDIENCE,
    "slos": Items("service level objectives (default none)", _SLO),
    "faults": Items("faults on the timeline (default none)", _FAULT),
}, required=("name", "timeline", "audience"))


def check(document: Document, source: Path) -> dict:
    """The file's values, read and checked; every problem is reported to `document`.
    Keys left out stay out (defaults are the model's)."""
    values = FORMAT.read(document.data, (), document) or {}
    timeline = values.get("timeline") or {}
    span = _span(timeline, document)
    phase_names = _check_phases(timeline, span, document)
    _check_times(_values((values.get("audience") or {}).get("viewers") or [], "at"),
                 ("audience", "viewers"), span, document, noun="point", closed=True)
    faults = _check_faults(values.get("faults") or [], span,
                           _fault_targets(values, source, document), document)
    _check_slos(values.get("slos") or [], phase_names, faults, document)
    return values


def _span(timeline: dict, document: Document) -> tuple[float, float] | None:
    start, end = timeline.get("start"), timeline.get("end")
    if start is None or end is None:
        return None
    if end <= start:
        document.problem(("timeline", "end"), f"{format_time(end)} is not after start "
                                              f"{format_time(start)}")
        return None
    return start, end


def _check_phases(timeline: dict, span: tuple[float, float] | None,
                  document: Document) -> list[str] | None:
    """Check the phases and the peak; return the phase names (None while unknown)."""
    if "phases" in timeline:
        phases = timeline["phases"] or []
        _check_phase_list(phases, span, document)
        names = _names(phases)
    else:
        names = [phase.name for phase in default_phases(*span)] if span else None
    peak = timeline.get("peak")
    if peak is not None and names is not None and peak not in names:
        unknown(document, ("timeline", "peak"), f"no phase is named {peak!r}", peak, names)
    return names


def _check_phase_list(phases: list, span: tuple[float, float] | None, document: Document) -> None:
    times = _values(phases, "at")
    _check_times(times, ("timeline", "phases"), span, document, noun="phase", closed=False)
    if span and times and times[0] is not None and times[0] > span[0]:
        document.problem(("timeline", "phases", 0, "at"), f"the first phase starts at "
                         f"{format_time(times[0])}, not where the timeline starts (add a phase "
                         f"at {format_time(span[0])}, e.g. pre-match)")
    seen = set()
    for index, name in enumerate(_values(phases, "name")):
        where = ("timeline", "phases", index, "name")
        if name in SLO_PHASES or (name and ":" in name):
            document.problem(where, f"{name!r} is reserved for SLO phases (choose another name)")
        elif name is not None and name in seen:
            document.problem(where, f"another phase is already named {name!r} (phase names are "
                                    f"unique)")
        seen.add(name)


def _check_times(times: list, where: Where, span: tuple[float, float] | None,
                 document: Document, *, noun: str, closed: bool) -> None:
    """Each time lies in the timeline and comes after the one before."""
    previous = None
    for index, at in enumerate(times):
        if at is None:
            continue
        inside = _check_inside(at, span, where + (index, "at"), document, closed=closed)
        if inside and previous is not None and at <= previous:
            document.problem(where + (index, "at"), f"{format_time(at)} is not after the "
                             f"{noun} before it at {format_time(previous)} (list them in time "
                             f"order, one per moment)")
        previous = at


def _check_inside(at: float, span: tuple[float, float] | None, where: Where, document: Document,
                  *, closed: bool) -> bool:
    """Whether `at` lies in the timeline, [start, end] or (not closed) [start, end)."""
    if span is None or (span[0] <= at <= span[1] if closed else span[0] <= at < span[1]):
        return True
    document.problem(where, f"{format_time(at)} is outside the timeline [{format_time(span[0])}, "
                            f"{format_time(span[1])}{']' if closed else ')'}")
    return False


def _fault_targets(values: dict, source: Path, document: Document) -> list[str] | None:
    """Check platform and targets; return what faults may target (None: unknown or anything)."""
    platform, targets = values.get("platform", "local"), values.get("targets")
    if platform in ("local", "docker"):
        if "targets" in values:
            document.problem(("targets",), f"is only read with platform external (this scenario "
                                           f"runs on {platform}; remove targets or set platform: "
                                           f"external)")
        return [c.name for c in COMPONENTS] + list(LINKS_BY_NAME)
    if platform == "external" and "targets" not in values:
        document.problem(("platform",), "external needs a targets file describing the stack "
                                        "(add targets: FILE; see docs/scenarios.md)")
    if platform != "external" or targets is None:
        return None
    path = source.parent / targets
    if not path.is_file():
        document.problem(("targets",), f"no file {path} (a relative path is read from the "
                                       f"scenario's folder)")
        return None
    try:
        stack = load_targets(path)
    except InvalidInput as error:
        document.include(error)
        return None
    return list(stack.components + stack.links) or None


def _check_faults(faults: list, span: tuple[float, float] | None, targets: list[str] | None,
                  document: Document) -> dict[str, dict] | None:
    """Check the faults; return them by name (None while a name is unknown)."""
    by_name: dict[str, dict] = {}
    for index, fault in enumerate(faults):
        if fault is None:
            continue
        where = ("faults", index)
        name, target, at = fault.get("name"), fault.get("target"), fault.get("at")
        if name is not None and name in by_name:
            document.problem(where + ("name",), f"another fault is already named {name!r} "
                                                f"(fault names are unique)")
        by_name.setdefault(name, fault)
        if at is not None:
            _check_inside(at, span, where + ("at",), document, closed=False)
        if target is not None and targets is not None and target not in targets:
            unknown(document, where + ("target",), f"the stack has no component or link named "
                                                   f"{target!r}", target, targets)
        validator = FAULT_PARAM_VALIDATORS.get(fault.get("kind"))
        params = fault.get("params", {})
        if validator and params is not None:
            for message in validator(params):
                document.problem(where + ("params",), message)
    return by_name if _names(faults) is not None else None


def _check_slos(slos: list, phase_names: list[str] | None, faults: dict[str, dict] | None,
                document: Document) -> None:
    for index, slo in enumerate(slos):
        if slo is None:
            continue
        where = ("slos", index)
        metric = METRICS.get(slo.get("metric"))
        for bound in ("max", "min"):
            if metric and slo.get(bound):
                _check_threshold(*slo[bound], metric, where + (bound,), document)
        _check_slo_phase(slo.get("phase", "overall"), phase_names, faults, where + ("phase",),
                         document)


def _check_threshold(value: float, written: str, metric: Metric, where: Where,
                     document: Document) -> None:
    fits = "a duration like 4s" if metric.unit == "s" else "a number"
    if written == "percent" and metric.unit != "ratio":
        document.problem(where, f"a percentage fits only a ratio, and {metric.name} is measured "
                                f"in {metric.unit} (write {fits})")
    elif written == "duration" and metric.unit != "s":
        document.problem(where, f"a duration fits only a time, and {metric.name} is measured in "
                                f"{metric.unit} (write {fits})")
    elif metric.unit == "ratio" and value > 1:
        document.problem(where, f"{value:g} is more than the whole; {metric.name} is a ratio "
                                f"from 0 to 1 (write e.g. 5% or 0.05)")


def _check_slo_phase(phase: str | None, phase_names: list[str] | None,
                     faults: dict[str, dict] | None, where: Where, document: Document) -> None:
    if phase is None or phase in SLO_PHASES:
        return
    window, colon, fault = phase.partition(":")
    if colon and window in ("during", "recovery"):
        if faults is not None and fault not in faults:
            unknown(document, where, f"no fault is named {fault!r}", fault, list(faults),
                    None if faults else "the scenario has no faults")
        elif faults is not None and window == "recovery" and "for" not in faults[fault]:
            document.problem(where, f"fault {fault!r} lasts until the end, so it has no "
                                    f"recovery (give it a `for`)")
    elif phase_names is not None and phase not in phase_names:
        unknown(document, where, f"unknown phase {phase!r}", phase, [*SLO_PHASES, *phase_names],
                f"use overall, baseline, peak, during:<fault>, recovery:<fault> or a timeline "
                f"phase: {', '.join(phase_names)}")


def _values(items: list, key: str) -> list:
    """Each item's value of `key`; None where the item or its value is invalid or absent."""
    return [item.get(key) if item is not None else None for item in items]


def _names(items: list) -> list[str] | None:
    names = _values(items, "name")
    return None if None in names else names
