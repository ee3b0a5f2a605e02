"""What a capacity search answers, from where it stopped and its levels: the
last level that held, the first that broke, which SLOs broke it and which
component (CPU use nearest its limit, and health checks that failed), the
headroom against the scenario's forecast, and the exit code.

A stack unit is one copy of the stack as measured: every component of it, at
the size and on the machine the search ran on. Units needed = forecast /
capacity, rounded up, assumes copies share nothing (no common database or
origin): the USL's κ says how far that assumption is off for shared parts.
"""

from __future__ import annotations

import math

from harness.measure.units import format_value
from harness.orchestrate.capacity_level import Level
from harness.orchestrate.capacity_search import (
    BISECTED,
    LEVEL_LIMIT,
    LOWEST_BROKE,
    NO_BREAK,
    STOPPED_BOUND,
    Found,
)
from harness.run.session import EXIT_ON_SIGNAL

EXIT_ANSWERED, EXIT_LOWEST_BROKE, EXIT_BOUND = 0, 1, 3
UNIT = (
    "one copy of the stack as measured (all its components, at the size and on the "
    "machine this search ran on)"
)


def nearest_limit(components: dict | None) -> dict | None:
    """The component whose CPU use was nearest its limit (or, when none has a
    limit, the busiest), with why; None when the platform recorded none."""
    if not components:
        return None
    limited = {name: c for name, c in components.items() if c.get("limit")}
    if limited:
        name = max(limited, key=lambda n: limited[n]["cores"] / limited[n]["limit"])
        use = limited[name]
        return {
            "name": name,
            "cores": use["cores"],
            "limit": use["limit"],
            "why": f"{name} used {use['cores']:.3g} of its {use['limit']:g} cores "
            f"({use['cores'] / use['limit']:.0%}), the nearest to its limit",
        }
    name = max(components, key=lambda n: components[n]["cores"])
    return {
        "name": name,
        "cores": components[name]["cores"],
        "limit": None,
        "why": f"{name} was the busiest ({components[name]['cores']:.3g} cores); no "
        f"component has a CPU limit, so none was nearest one",
    }


def _slo_text(row: dict) -> str:
    bound = "<=" if row["op"] == "max" else ">="
    return (
        f"{row['metric']} ({row['phase']}) {format_value(row['observed'], row['unit'])}, "
        f"wanted {bound} {format_value(row['threshold'], row['unit'])}"
    )


def _culprit(level: Level) -> dict:
    component = nearest_limit(level.components)
    return {
        "slos": [_slo_text(r) for r in level.broken],
        "component": component,
        "component_note": None
        if component
        else "the platform recorded no per-component CPU use (summary.json has no components)",
        "unhealthy": list(level.unhealthy),
    }


def headroom(forecast: int | None, capacity: float | None, at_least: bool) -> dict | None:
    """The forecast against the capacity (viewers), and the stack units it takes."""
    if forecast is None or not capacity:
        return None
    units = math.ceil(forecast / capacity)
    return {
        "forecast": forecast,
        "capacity": capacity,
        "share_of_forecast": capacity / forecast,
        "units": units,
        "unit": UNIT,
        "capacity_is_lower_bound": at_least,
        "text": f"forecast {forecast:,} viewers; one unit held {capacity:,.0f} "
        f"({capacity / forecast:.2%} of it): {'at most ' if at_least else ''}"
        f"{units:,} units needed, assuming units share nothing",
    }


def answer(
    found: Found, levels: dict[float, Level], forecast: int | None, on_viewers: bool
) -> dict:
    """capacity.json's "answer" (see the module's docstring)."""
    bound = found.stop == STOPPED_BOUND
    held = None if bound or found.held is None else found.held
    result = {
        "stop": found.stop,
        "held": found.held,
        "broke": found.broke,
        "capacity": held,
        "capacity_is_lower_bound": found.stop == NO_BREAK,
        "held_run": _run(levels, found.held),
        "broke_run": _run(levels, found.broke),
        "broken_by": _culprit(levels[found.broke]) if found.broke is not None else None,
        "headroom": headroom(forecast, held, found.stop == NO_BREAK) if on_viewers else None,
    }
    if bound:
        last = levels[found.levels[-1][0]]
        result["generator"] = last.run.summary.get("generator")
    return result


def _run(levels: dict[float, Level], value: float | None) -> str | None:
    return None if value is None else levels[value].run.run_dir.name


def exit_code(found: Found, levels: dict[float, Level]) -> int:
    """0 answered (bisected, no break up to --max, or the level limit); 1 even
    the lowest level broke; 3 generator-bound; a signal's code when stopped by one."""
    if found.stop == STOPPED_BOUND:
        return EXIT_BOUND
    if found.stop == LOWEST_BROKE:
        return EXIT_LOWEST_BROKE
    if found.stop in (BISECTED, NO_BREAK, LEVEL_LIMIT):
        return EXIT_ANSWERED
    code = levels[found.levels[-1][0]].run.exit_code  # interrupted
    return code if code in EXIT_ON_SIGNAL.values() else EXIT_LOWEST_BROKE
