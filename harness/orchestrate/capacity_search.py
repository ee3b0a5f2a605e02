"""The capacity search over one axis, apart from running anything: step the
level up until one breaks (or --max holds), then bisect between the last
level that held and the first that broke until they are within the
resolution. When the first level already breaks, step down instead until one
holds (or the lowest level breaks too), then bisect the same way. A level the
load generator could not make ends the search: it says nothing about the
stack (`measure` runs such a level twice before it says so). `measure` runs a
level and says how it went."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

HELD, BROKE, BOUND, INTERRUPTED = "held", "broke", "generator-bound", "interrupted"
# Why the search stopped.
BISECTED = "bisected"  # held and broke are within the resolution
NO_BREAK = "no break up to --max"
LOWEST_BROKE = "the lowest level broke"
STOPPED_BOUND = "generator-bound"
STOPPED_INTERRUPTED = "interrupted"
LEVEL_LIMIT = "level limit"
MAX_LEVELS = 24  # a search that has not converged by then stops (every loop is bounded)
# What a level counts, by axis (--axis), as the capacity report names its unit.
AXES = {
    "viewers": "concurrent viewers at the peak",
    "arrival": "viewers joining per second in the rush (net growth of concurrent viewers "
    "in the audience curve's steepest rise, per wall second of the run)",
}
DEFAULT_REACH = 8  # without --max: up to this many times the start


@dataclass(frozen=True)
class Step:
    """How the level goes up before the first break: times `factor`, or plus `add`."""

    factor: float | None = None
    add: float | None = None

    def after(self, value: float) -> float:
        if self.factor is not None:
            return value * self.factor
        assert self.add is not None  # a step is one or the other
        return value + self.add

    def before(self, value: float) -> float:
        if self.factor is not None:
            return value / self.factor
        assert self.add is not None  # a step is one or the other
        return value - self.add

    def __str__(self) -> str:
        return f"{self.factor:g}x" if self.factor is not None else f"+{self.add:g}"


@dataclass(frozen=True)
class Resolution:
    """How close held and broke must be: a share of the held level, or an amount."""

    share: float | None = None
    amount: float | None = None

    def reached(self, held: float, broke: float) -> bool:
        gap = broke - held
        if self.share is not None:
            return gap <= held * self.share
        assert self.amount is not None  # a resolution is one or the other
        return gap <= self.amount

    def __str__(self) -> str:
        return f"{self.share:.0%}" if self.share is not None else f"{self.amount:g}"


def parse_step(text: str) -> Step:
    """`2x` (times 2, more than 1) or `50` / `+50` (plus 50, more than 0); ValueError."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)x|\+?([0-9]+(?:\.[0-9]+)?)", text.strip())
    if match and match[1] and float(match[1]) > 1:
        return Step(factor=float(match[1]))
    if match and match[2] and float(match[2]) > 0:
        return Step(add=float(match[2]))
    raise ValueError(
        f"{text!r} is not a step (write a factor over 1 like 2x, or an amount over 0 like 50)"
    )


def parse_resolution(text: str) -> Resolution:
    """`10%` (of the held level, over 0) or an amount over 0 (`20`); ValueError."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(%?)", text.strip())
    if match and float(match[1]) > 0:
        return (
            Resolution(share=float(match[1]) / 100)
            if match[2]
            else Resolution(amount=float(match[1]))
        )
    raise ValueError(
        f"{text!r} is not a resolution (write a share of the held level like "
        f"10%, or an amount over 0 like 20)"
    )


@dataclass(frozen=True)
class Plan:
    start: float
    maximum: float
    step: Step = Step(factor=2.0)
    resolution: Resolution = Resolution(share=0.1)
    whole: bool = True  # levels are whole numbers (viewers); else tenths (viewers per second)
    minimum: float = 1.0  # the lowest level stepping down may reach

    def level(self, value: float) -> float:
        return float(round(value)) if self.whole else round(value, 1)

    @property
    def least(self) -> float:
        """The smallest move between levels: one viewer, or a tenth of one per second."""
        return 1.0 if self.whole else 0.1


@dataclass(frozen=True)
class Found:
    """Where the search stopped, and why."""

    stop: str  # one of the reasons above
    held: float | None  # the highest level that held below the lowest that broke
    broke: float | None  # the lowest level that broke
    levels: tuple[tuple[float, str], ...]  # every level in the order run, with its result


def search(plan: Plan, measure: Callable[[float], str]) -> Found:
    """Run levels through `measure` (value -> HELD, BROKE, BOUND or INTERRUPTED)."""
    levels: list[tuple[float, str]] = []
    held = broke = None
    value = plan.level(plan.start)
    for _ in range(MAX_LEVELS):
        result = measure(value)
        levels.append((value, result))
        stopped = {BOUND: STOPPED_BOUND, INTERRUPTED: STOPPED_INTERRUPTED}.get(result)
        if stopped:
            return Found(stopped, held, broke, tuple(levels))
        if result == HELD:
            held = value
        else:
            broke = value
        following = _next(plan, value, held, broke)
        if isinstance(following, str):
            return Found(following, held, broke, tuple(levels))
        value = following
    return Found(LEVEL_LIMIT, held, broke, tuple(levels))


def _next(plan: Plan, value: float, held: float | None, broke: float | None) -> float | str:
    """The next level to run, or why the search is over."""
    if broke is None:
        if value >= plan.maximum:
            return NO_BREAK
        # At least the least move up (or down), however small the step.
        up = max(plan.level(plan.step.after(value)), value + plan.least)
        return min(plan.level(up), plan.maximum)
    if held is None:
        if value <= plan.minimum:
            return LOWEST_BROKE
        down = min(plan.level(plan.step.before(value)), value - plan.least)
        return max(plan.level(down), plan.minimum)
    middle = plan.level((held + broke) / 2)
    if plan.resolution.reached(held, broke) or middle in (held, broke):
        return BISECTED
    return middle
