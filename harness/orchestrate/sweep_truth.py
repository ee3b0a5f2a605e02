"""Whether the load generator could have changed a sweep cell's verdict, by
the verdict's rule (harness.judge.verdict, harness.measure.saturation) on the
seconds of the fault's run.

A cell (harness.orchestrate.sweep_matrix) is judged as observed; steady,
on the run's seconds without the saturated ones; and clean, without the
saturated seconds, each stall second and the second after it, every time
check (startup, latency) widened by the largest stall while the fault was
in. The cell could have changed when more than half of the seconds the
fault was in were saturated, when steady differs from observed (the load
not all made can move it either way), or when clean is better than
observed (fail to degraded or pass, degraded to pass): a stall only makes
figures worse, so a clean cell that is worse or has no data changes
nothing. A cell's figures mix time checks and counts, so its clean cell
leaves the stall seconds out of both and widens the time checks (the verdict
shortens the durations measured in them instead): a little more lenient for
a time check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from harness.judge.verdict import run_marks
from harness.measure.saturation import in_span
from harness.orchestrate.sweep_journeys import Journey
from harness.orchestrate.sweep_matrix import DEGRADED, FAIL, PASS, cell
from harness.runfolder.recorder import Second

RANK = {FAIL: 0, DEGRADED: 1, PASS: 2}  # the verdicts a stall can only have made worse


def _inside(second: Second, start: float, stop: float) -> bool:
    return second.window.second + 1 > start and second.window.second < stop


def could_change(
    journey: Journey, seconds: Sequence[Second], injected: float, reverted: float
) -> str | None:
    """Why the generator could have changed the journey's cell; None: it could not."""
    found = run_marks(seconds)
    span = in_span(found, [s.window.second for s in seconds if _inside(s, injected, reverted)])
    if not span:
        return None
    if span.mostly_saturated:
        return f"saturated in {len(span.saturated)} of the {span.seconds} s the fault was in"
    observed = cell(journey, seconds, injected, reverted)["verdict"]
    if span.saturated:
        steady = cell(
            journey,
            [s for s in seconds if s.window.second not in span.saturated],
            injected,
            reverted,
        )["verdict"]
        if steady != observed:
            return f"{observed} as observed, {steady} without its saturated seconds"
    widened = Journey(
        journey.key,
        journey.name,
        tuple(
            replace(check, threshold=check.threshold + span.largest_stall)
            if check.unit == "s"
            else check
            for check in journey.checks
        ),
    )
    clean = cell(
        widened, [s for s in seconds if s.window.second not in span.dropped], injected, reverted
    )["verdict"]
    if observed in RANK and clean in RANK and RANK[clean] > RANK[observed]:
        return f"{observed} as observed, {clean} without its stalls"
    return None


def generator_bound(
    journeys: Sequence[Journey], seconds: Sequence[Second], injected: float, reverted: float
) -> dict[str, str]:
    """Each journey whose cell the generator could have changed: its key, and why."""
    found = {}
    for journey in journeys:
        why = could_change(journey, seconds, injected, reverted)
        if why:
            found[journey.key] = why
    return found
