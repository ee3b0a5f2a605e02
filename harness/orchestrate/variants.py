"""Variants of a scenario an orchestrator runs: the same audience at another
peak, without its faults, with other faults, under another name. Each variant
goes through every scenario rule again (harness.scenario.replace)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from harness import scenario as scenarios
from harness.scenario import AudiencePoint, Fault, Phase, Scenario, Timeline
from harness.scenario.rules import SLO_PHASES


def peak_viewers(scenario: Scenario) -> int:
    """The most concurrent viewers the scenario's audience asks for (scale applied)."""
    return round(max(p.viewers for p in scenario.audience.points) * scenario.audience.scale)


def at_peak(scenario: Scenario, viewers: int) -> Scenario:
    """The same audience curve, scaled so that its peak is `viewers`."""
    most = max(p.viewers for p in scenario.audience.points)
    audience = dataclasses.replace(scenario.audience, scale=viewers / most)
    return scenarios.replace(scenario, audience=audience)


def with_faults(scenario: Scenario, faults: Sequence[Fault]) -> Scenario:
    """The scenario with exactly `faults` (none: a control run of it). SLOs
    judged during or after a fault it no longer has are left out."""
    kept = {f.name for f in faults}
    slos = tuple(s for s in scenario.slos if fault_of(s.phase) in kept | {None})
    return scenarios.replace(scenario, faults=tuple(faults), slos=slos)


def fault_of(phase: str) -> str | None:
    """The fault an SLO phase (during:<fault>, recovery:<fault>) names, else None."""
    kind, colon, fault = phase.partition(":")
    return fault if colon and kind in ("during", "recovery") else None


def named(scenario: Scenario, name: str) -> Scenario:
    """The scenario under another name (its run folder is named after it)."""
    return scenarios.replace(scenario, name=name)


def held_at_peak(scenario: Scenario, viewers: int, ramp: float, hold: float,
                 joining: float) -> Scenario:
    """`viewers` reached quickly and held: in `ramp` match seconds all but a
    `joining` share of them arrive, that share then steadily through the
    `hold` (so someone presses play at every moment of it). The timeline is
    0 .. ramp + hold, one phase named after the scenario's peak phase. The
    scenario's faults, halt conditions (a halt would cut the hold short) and
    SLOs of phases the variant no longer has are left out."""
    first = round(viewers * (1 - joining))
    points = (AudiencePoint(0.0, 0), AudiencePoint(ramp, first),
              AudiencePoint(ramp + hold, viewers))
    audience = dataclasses.replace(scenario.audience, points=points, scale=1.0)
    peak = scenario.timeline.peak
    timeline = Timeline(0.0, ramp + hold, (Phase(peak, 0.0),), peak)
    slos = tuple(s for s in scenario.slos if s.phase in (*SLO_PHASES, peak))
    return scenarios.replace(scenario, audience=audience, timeline=timeline, faults=(),
                             halt_if=(), slos=slos)
