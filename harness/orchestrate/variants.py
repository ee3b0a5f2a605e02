"""Variants of a scenario an orchestrator runs: the same audience at another
peak or with a steeper rush, without its faults (on its own time map), with other faults, with a
component down for the whole run, under another name. Each variant goes
through every scenario rule again (harness.scenario.replace)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from itertools import pairwise

from harness import scenario as scenarios
from harness.generator.schedule import Schedule
from harness.scenario import AudiencePoint, Fault, Phase, Scenario, Timeline
from harness.scenario.rules import SLO_PHASES


def peak_viewers(scenario: Scenario) -> int:
    """The most concurrent viewers the scenario's audience asks for (scale
    applied): its curve's peak, or with arrivals (the open model) the most
    that its curve and arrivals imply at once, second by second."""
    audience = scenario.audience
    if not audience.opens:
        return round(max(p.viewers for p in audience.points) * audience.scale)
    schedule = Schedule(scenario)
    return max(
        schedule.implied(scenario.match(second))
        for second in range(math.ceil(scenario.wall_duration) + 1)
    )


def at_peak(scenario: Scenario, viewers: int) -> Scenario:
    """The same audience (curve and arrivals alike), scaled so that its peak is
    `viewers`. ValueError when the audience never has anyone to scale."""
    most = peak_viewers(scenario)
    if most <= 0:
        raise ValueError("its audience has no viewers at any moment, so there is no peak to scale")
    audience = dataclasses.replace(
        scenario.audience, scale=scenario.audience.scale * viewers / most
    )
    return scenarios.replace(scenario, audience=audience)


def rush(scenario: Scenario) -> tuple[int, float] | None:
    """The audience curve's steepest rising segment (the index of its first
    point) and how fast it adds viewers: net concurrent viewers per wall
    second of the run (scale and time_scale applied); None when the curve
    never rises."""
    points, audience = scenario.audience.points, scenario.audience
    rates = [
        ((b.viewers - a.viewers) * audience.scale / (scenario.wall(b.at) - scenario.wall(a.at)), i)
        for i, (a, b) in enumerate(pairwise(points))
        if b.viewers > a.viewers
    ]
    if not rates:
        return None
    rate, index = max(rates)
    return index, rate


def at_rush_rate(scenario: Scenario, rate: float) -> Scenario:
    """The same curve and peak, but its steepest rise adds `rate` viewers per
    wall second: the rise ends where it did and starts later, the audience
    holding its level before it until then. ValueError when the curve never
    rises, or `rate` is slower than its own rush (the rise would have to
    start before the point it rises from)."""
    found = rush(scenario)
    if found is None:
        raise ValueError("its audience curve never rises, so it has no rush to make steeper")
    index, own = found
    if rate < own * (1 - 1e-9):
        raise ValueError(
            f"{rate:g} viewers/s is slower than its own rush ({own:g} viewers/s); "
            f"the arrival axis only makes the rush steeper"
        )
    points = scenario.audience.points
    low, high = points[index], points[index + 1]
    rising_s = (high.viewers - low.viewers) * scenario.audience.scale / rate  # wall seconds
    # Milliseconds keep the written time short; never at the rise's end.
    begins = min(round(scenario.match(scenario.wall(high.at) - rising_s), 3), high.at - 0.001)
    held = (AudiencePoint(begins, low.viewers),) if begins > low.at else ()
    audience = dataclasses.replace(
        scenario.audience, points=points[: index + 1] + held + points[index + 1 :]
    )
    return scenarios.replace(scenario, audience=audience)


def with_component_down(scenario: Scenario, component: str, kind: str) -> Scenario:
    """The scenario without its own faults and with `component` down from the
    timeline's start to its end, by a fault of `kind` (one that keeps a
    component down for its `for`), named without-<component>."""
    timeline = scenario.timeline
    down = Fault(
        f"without-{component}", kind, component, timeline.start, timeline.end - timeline.start, {}
    )
    return with_faults(scenario, (down,))


def with_faults(scenario: Scenario, faults: Sequence[Fault]) -> Scenario:
    """The scenario with exactly `faults` (none: a control run of it) and no
    fault done by hand. SLOs judged during or after a fault it no longer has
    are left out."""
    kept = {f.name for f in faults}
    slos = tuple(s for s in scenario.slos if s.fault in kept | {None})
    return scenarios.replace(scenario, faults=tuple(faults), faults_by_hand=(), slos=slos)


def control_of(scenario: Scenario) -> Scenario:
    """The scenario without its faults, on its own time map: the faults' real-time
    stretches stay (as timeline.real_time), so that a second of the control is
    the same match time as that second of the scenario."""
    control = with_faults(scenario, ())
    timeline = dataclasses.replace(control.timeline, real_time=tuple(scenario.time_map.slow))
    return scenarios.replace(control, timeline=timeline)


def named(scenario: Scenario, name: str) -> Scenario:
    """The scenario under another name (its run folder is named after it)."""
    return scenarios.replace(scenario, name=name)


def held_at_peak(
    scenario: Scenario, viewers: int, ramp: float, hold: float, joining: float
) -> Scenario:
    """`viewers` reached quickly and held: in `ramp` match seconds all but a
    `joining` share of them arrive, that share then steadily through the
    `hold` (so someone presses play at every moment of it). The timeline is
    0 .. ramp + hold, one phase named after the scenario's peak phase. The
    scenario's faults, halt conditions (a halt would cut the hold short),
    arrivals, push spikes and leaving moments (they belong to its own
    timeline) and SLOs of phases the variant no longer has are left out."""
    first = round(viewers * (1 - joining))
    points = (
        AudiencePoint(0.0, 0),
        AudiencePoint(ramp, first),
        AudiencePoint(ramp + hold, viewers),
    )
    audience = dataclasses.replace(
        scenario.audience, points=points, scale=1.0, arrivals=(), watch=None, push=(), leaving=()
    )
    peak = scenario.timeline.peak
    timeline = Timeline(0.0, ramp + hold, (Phase(peak, 0.0),), peak)
    slos = tuple(s for s in scenario.slos if s.phase in (*SLO_PHASES, peak))
    return scenarios.replace(
        scenario,
        audience=audience,
        timeline=timeline,
        faults=(),
        faults_by_hand=(),
        halt_if=(),
        slos=slos,
    )
