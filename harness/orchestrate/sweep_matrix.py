"""The blast-radius matrix: for one fault's run, a cell per user journey
(harness.orchestrate.sweep_journeys), judged from the run's recorded
seconds; and the single points of failure of a whole sweep.

A cell is judged on the seconds the fault was in (injection to revert):
- fail: a hard check broke (people could not start, playback failed,
  requests failed beyond the threshold), or the journey was not back within
  its thresholds by the end of the run;
- degraded: only soft checks broke (slower starts, rebuffering, latency),
  and the journey came back;
- pass: every check held; no data: nobody made that journey while the fault
  was in (no new viewer of that client, no request of that group).
Its worst figure is the checked figure nearest its threshold (or furthest
beyond it). Time to recover: from the revert, until the first of HOLD
seconds in a row in which none of the journey's checks broke (a second
without data breaks nothing), in wall seconds; only for broken journeys.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from harness.orchestrate.sweep_journeys import GROUP, Check, Journey
from harness.runfolder.recorder import Second

PASS, DEGRADED, FAIL, NO_DATA = "pass", "degraded", "fail", "no data"
NOT_EXERCISED = "not exercised"  # no request of the group in the whole run: not this audience's
HOLD = 3  # seconds in a row within the thresholds: recovered
MIN_TAIL = 2  # or the rest of the run, when it is at least this long


def _inside(second: Second, start: float, stop: float) -> bool:
    """Whether a second ([n, n+1)) overlaps [start, stop) of wall seconds."""
    return second.window.second + 1 > start and second.window.second < stop


def _severity(check: Check, value: float) -> float:
    """How far a figure is toward (< 1) or beyond (> 1) its threshold."""
    if check.op == "max":
        return value / check.threshold if check.threshold else (math.inf if value else 0.0)
    return check.threshold / value if value else math.inf


def worst(journey: Journey, figures: dict[str, float | None]) -> dict | None:
    """The checked figure nearest or furthest beyond its threshold; None without data."""
    measured = [
        (check, value)
        for check in journey.checks
        if (value := figures.get(check.metric)) is not None
    ]
    if not measured:
        return None
    check, value = max(measured, key=lambda pair: _severity(*pair))
    return {**check.to_json(), "value": value, "broken": check.broken(value)}


def _broken(journey: Journey, figures: dict[str, float | None]) -> list[Check]:
    return [check for check in journey.checks if check.broken(figures[check.metric])]


def recovered_after(journey: Journey, seconds: Sequence[Second], reverted: float) -> float | None:
    """Wall seconds from the revert until the journey held its thresholds for
    HOLD seconds in a row (or the run's last MIN_TAIL or more); None: never."""
    tail = [s for s in seconds if s.window.second + 1 > reverted]
    for index, second in enumerate(tail):
        run = tail[index : index + HOLD]
        long_enough = len(run) == HOLD or (len(run) >= MIN_TAIL and index + len(run) == len(tail))
        if long_enough and not any(_broken(journey, journey.figures([s.window])) for s in run):
            return round(max(0.0, second.window.second - reverted), 3)
    return None


def cell(journey: Journey, seconds: Sequence[Second], injected: float, reverted: float) -> dict:
    """The journey's cell for a fault in force from `injected` to `reverted` (wall seconds)."""
    during = [s.window for s in seconds if _inside(s, injected, reverted)]
    figures = journey.figures(during)
    broken = _broken(journey, figures)
    back = recovered_after(journey, seconds, reverted) if broken else None
    if journey.key.startswith(f"{GROUP}:") and all(
        value is None for value in journey.figures([s.window for s in seconds]).values()
    ):
        verdict = NOT_EXERCISED
    elif all(value is None for value in figures.values()):
        verdict = NO_DATA
    elif any(check.hard for check in broken) or (broken and back is None):
        verdict = FAIL
    else:
        verdict = DEGRADED if broken else PASS
    return {
        "journey": journey.name,
        "verdict": verdict,
        "worst": worst(journey, figures),
        "figures": figures,
        "broken": [check.metric for check in broken],
        "recovered_after_s": back,
    }


def row_cells(
    journeys: Sequence[Journey], seconds: Sequence[Second], injected: float, reverted: float
) -> dict[str, dict]:
    """Every journey's cell for one fault, by journey key."""
    return {j.key: cell(j, seconds, injected, reverted) for j in journeys}


def failing_by_second(journeys: Sequence[Journey], seconds: Sequence[Second]) -> dict[str, list]:
    """Second by second, each journey's first hard figure (the share of its
    people or requests that failed; None without data), for the report's chart."""
    found: dict[str, list] = {"second": [s.window.second for s in seconds]}
    for journey in journeys:
        metric = next(check.metric for check in journey.checks if check.hard)
        found[journey.key] = [journey.figures([s.window])[metric] for s in seconds]
    return found


def single_points_of_failure(rows: Sequence[dict]) -> list[dict]:
    """The faults that failed a journey, with the journeys they failed."""
    return [
        {
            "fault": row["fault"],
            "target": row["target"],
            "kind": row["kind"],
            "fails": [c["journey"] for c in row["cells"].values() if c["verdict"] == FAIL],
        }
        for row in rows
        if any(c["verdict"] == FAIL for c in row.get("cells", {}).values())
    ]
