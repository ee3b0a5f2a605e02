"""Whether the load generator could have changed a sweep cell's verdict, by
the verdict's rule (harness.verdict, harness.generator.saturation) on the
seconds of the fault's run.

A cell (harness.orchestrate.sweep_matrix) is judged again clean: on the
run's seconds without the saturated ones, each stall second and the second
after it, with every time check (startup, latency) widened by the largest
stall while the fault was in. The cell could have changed when that clean
verdict differs from the observed one, or when more than half of the seconds
the fault was in were saturated. A cell's figures mix time checks and
counts, so the stall seconds are left out of both (the verdict leaves them
in for a time figure and subtracts the stall instead): a little more
lenient for a time check, never a different mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from harness.generator.saturation import in_span
from harness.orchestrate.sweep_journeys import Journey
from harness.orchestrate.sweep_matrix import cell
from harness.recorder import Second
from harness.verdict import run_marks


def _inside(second: Second, start: float, stop: float) -> bool:
    return second.window.second + 1 > start and second.window.second < stop


def could_change(journey: Journey, seconds: Sequence[Second], injected: float,
                 reverted: float) -> str | None:
    """Why the generator could have changed the journey's cell; None: it could not."""
    found = run_marks(seconds)
    span = in_span(found, [s.window.second for s in seconds if _inside(s, injected, reverted)])
    if not span:
        return None
    if span.mostly_saturated:
        return f"saturated in {len(span.saturated)} of the {span.seconds} s the fault was in"
    widened = Journey(journey.key, journey.name, tuple(
        replace(check, threshold=check.threshold + span.largest_stall)
        if check.unit == "s" else check for check in journey.checks))
    observed = cell(journey, seconds, injected, reverted)["verdict"]
    clean = cell(widened, [s for s in seconds if s.window.second not in span.dropped],
                 injected, reverted)["verdict"]
    return None if clean == observed else \
        f"{observed} as observed, {clean} without the generator's shortfall"


def generator_bound(journeys: Sequence[Journey], seconds: Sequence[Second], injected: float,
                    reverted: float) -> dict[str, str]:
    """Each journey whose cell the generator could have changed: its key, and why."""
    found = {}
    for journey in journeys:
        why = could_change(journey, seconds, injected, reverted)
        if why:
            found[journey.key] = why
    return found
