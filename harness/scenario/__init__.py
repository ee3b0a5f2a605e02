"""Scenarios: match-day YAML files, validated into frozen dataclasses.

`load` reports every problem of a file at once, one `FILE:LINE: FIELD.PATH:
problem (hint)` line each (InvalidInput). The model is in `model`, the file
format and the rules between its fields in `rules` (with `platform`: which
stack; `viewers`: what viewers play; `groups`: their request groups);
docs/scenarios.md is the user's reference.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from harness.load.journey import resolved
from harness.measure.slo import OPS
from harness.platforms.registry import PLATFORMS
from harness.scenario.groups import request_groups
from harness.scenario.model import (
    CLIENT_TYPES,
    DEFAULT_CLIENTS,
    DEFAULT_FIDELITY,
    DEFAULT_RECOVERY_BUDGET,
    ApiUsers,
    ArrivalPoint,
    Audience,
    AudiencePoint,
    Fault,
    FaultByHand,
    HaltCondition,
    Leaving,
    Phase,
    Push,
    Scenario,
    Slo,
    Timeline,
    Watch,
    default_peak,
    default_phases,
)
from harness.scenario.rules import FORMAT, check
from harness.spec.document import Document, parse_document, read_document


def load(path: Path | str, overrides: dict[str, object] | None = None) -> Scenario:
    """The scenario in the file at `path`; InvalidInput lists every problem in it.

    `overrides` (the command line's: platform, targets, time_scale, seed) replace the
    file's top-level values before any rule runs (None removes one); their problems
    name the option, `--time-scale` for time_scale, not a line of the file."""
    document = read_document(path)
    for key, value in (overrides or {}).items():
        document.override(key, value, "--" + key.replace("_", "-"))
    return _build(document, Path(path))


def loads(text: str, source: Path) -> Scenario:
    """The scenario in `text`, read as the file `source` (names errors and relative paths)."""
    return _build(parse_document(text, str(source)), Path(source))


def replace(scenario: Scenario, **changes: Any) -> Scenario:
    """dataclasses.replace, then every rule again: for overrides such as the CLI's
    platform, time_scale or seed. Problems name the file but no line."""
    changed = dataclasses.replace(scenario, **changes)
    return _build(Document(str(changed.source), changed.to_dict(), {}), changed.source)


def json_schema() -> dict:
    """The file format as JSON Schema (draft 2020-12), for editors."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kickoff scenario",
        **FORMAT.schema(),
        # targets go with the platforms a targets file describes, and only with them
        "if": {
            "properties": {
                "platform": {
                    "enum": [name for name, spec in PLATFORMS.items() if spec.reads_targets]
                }
            },
            "required": ["platform"],
        },
        "then": {"required": ["targets"]},
        "else": {"not": {"required": ["targets"]}},
    }


def describe(scenario: Scenario) -> str:
    """One line for `harness validate`."""
    points = scenario.audience.points
    peak = round(max((p.viewers for p in points), default=0) * scenario.audience.scale)
    opened = (
        f", {len(scenario.audience.arrivals)} arrival points, "
        f"{len(scenario.audience.push)} push spikes"
        if scenario.audience.opens
        else ""
    )
    slow = scenario.time_map.slow_wall_s()
    faults = (
        f", {slow:g}s of it at fault_time_scale {scenario.fault_time_scale:g} around faults"
        if slow
        else ""
    )
    return (
        f"{scenario.name}, {len(points)} audience points, peak {peak} viewers{opened}, wall "
        f"duration {scenario.wall_duration:g}s at time_scale {scenario.time_scale:g}{faults}"
    )


def _open_model(audience: dict) -> dict:
    """The Audience's open-model fields from the file's values (harness/load/arrivals)."""
    watch = audience.get("watch")
    return {
        "arrivals": tuple(
            ArrivalPoint(
                p["at"],
                p.get("per_second", p.get("per_minute")),
                "second" if "per_second" in p else "minute",
            )
            for p in audience.get("arrivals", ())
        ),
        "watch": Watch(watch["median"], watch["p90"]) if watch else None,
        "push": tuple(Push(**p) for p in audience.get("push", ())),
        "leaving": tuple(
            Leaving(
                e["name"],
                e["at"],
                e["share"],
                e["within"],
                e.get("flow"),
                e.get("back"),
                e.get("back_within", 0.0),
            )
            for e in audience.get("leaving", ())
        ),
    }


def _build(document: Document, source: Path) -> Scenario:
    values, groups = check(document, source)
    document.check()
    timeline, audience = values["timeline"], values["audience"]
    start, end = timeline["start"], timeline["end"]
    phases = (
        tuple(Phase(p["name"], p["at"]) for p in timeline["phases"])
        if "phases" in timeline
        else default_phases(start, end)
    )
    return Scenario(
        name=values["name"],
        description=values.get("description", ""),
        platform=values.get("platform", "local"),
        targets=(source.parent / values["targets"]).resolve() if "targets" in values else None,
        time_scale=values.get("time_scale", 1.0),
        fault_time_scale=values.get("fault_time_scale", 1.0),
        seed=values.get("seed", 1),
        timeline=Timeline(
            start,
            end,
            phases,
            timeline.get("peak") or default_peak(phases, start, end),
            tuple((s["from"], s["to"]) for s in timeline.get("real_time", ())),
        ),
        audience=Audience(
            event=audience.get("event"),
            points=tuple(AudiencePoint(p["at"], p["viewers"]) for p in audience.get("viewers", ())),
            clients=audience.get("clients", dict(DEFAULT_CLIENTS)),
            subscribers=audience.get("subscribers", 0.0),
            api_users=tuple(ApiUsers(**u) for u in audience.get("api_users", ())),
            scale=audience.get("scale", 1.0),
            stream=audience.get("stream"),
            fidelity={**DEFAULT_FIDELITY, **audience.get("fidelity", {})},
            newcomers=audience.get("newcomers", 0.0),
            forecast=audience.get("forecast"),
            **_open_model(audience),
        ),
        slos=tuple(
            Slo(s["metric"], op, s[op][0], s.get("phase", "overall"))
            for s in values.get("slos", ())
            for op in OPS
            if op in s
        ),
        faults=tuple(
            Fault(
                f["name"],
                f["kind"],
                f["target"],
                f["at"],
                f.get("for"),
                f.get("params", {}),
                f.get("recover_within", DEFAULT_RECOVERY_BUDGET),
            )
            for f in values.get("faults", ())
        ),
        faults_by_hand=tuple(
            FaultByHand(f["name"], f.get("recover_within", DEFAULT_RECOVERY_BUDGET))
            for f in values.get("faults_by_hand", ())
        ),
        halt_if=tuple(
            HaltCondition(
                h["metric"],
                h["above"][0] if "above" in h else None,
                h["below"][0] if "below" in h else None,
                h["for"],
            )
            for h in values.get("halt_if", ())
        ),
        journey=resolved(values["journey"], source.parent) if "journey" in values else None,
        cmcd=values.get("cmcd", "off"),
        stack_size=values.get("stack_size"),
        server_metrics=values.get("server_metrics") or {},
        source=source,
        groups=groups or (),
    )


__all__ = [
    "CLIENT_TYPES",
    "ApiUsers",
    "ArrivalPoint",
    "Audience",
    "AudiencePoint",
    "Leaving",
    "Push",
    "Watch",
    "Fault",
    "FaultByHand",
    "HaltCondition",
    "Phase",
    "Scenario",
    "Slo",
    "Timeline",
    "describe",
    "json_schema",
    "load",
    "loads",
    "replace",
    "request_groups",
]
