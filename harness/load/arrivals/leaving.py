"""Viewers leaving the player and coming back: a viewer's stays in the audience.

Who leaves at a moment of `audience.leaving` is decided by the viewer's
number: viewer n leaves when the fractional part of (n + 1) times the golden
ratio is below the moment's share. That sequence spreads evenly over any run
of numbers, so of the viewers watching then (arrivals are numbered in order,
so are the viewers of the curve) the share that leaves is the written one
within a viewer or two, and every process of a distributed run decides alike.
When, within the moment's `within`, and when back, within `back_within`, is
drawn from the run's seed and the viewer's number.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

GOLDEN = (math.sqrt(5) - 1) / 2


@dataclass(frozen=True)
class Leaving:
    """A moment viewers leave the player: `share` of those watching go within
    `within` of `at`, run the journey's leaving flow `flow` on the way out,
    and come back from `back` (within `back_within`), or never (back None)."""

    name: str
    at: float  # match seconds
    share: float
    within: float  # match seconds
    flow: str | None = None  # a flow of the journey's `leaving`
    back: float | None = None  # match seconds; None: they leave for good
    back_within: float = 0.0  # match seconds over which they come back


@dataclass(frozen=True)
class Stay:
    """A stretch a viewer is in the audience (watching, or trying to)."""

    start: float  # match seconds
    end: float  # match seconds; math.inf: until the run ends
    flow: str | None = None  # the journey's leaving flow the viewer runs when it ends


def leaves(number: int, share: float) -> bool:
    """Whether viewer `number` is of the `share` that leaves (see the module's docstring)."""
    return ((number + 1) * GOLDEN) % 1.0 < share


def stays(
    start: float, end: float, number: int, leaving: Sequence[Leaving], seed: int
) -> tuple[Stay, ...]:
    """The stays of a viewer who is in the audience from `start` to `end`
    (match seconds; math.inf: to the run's end), with its breaks cut out."""
    found: list[Stay] = []
    here = start
    for index, moment in enumerate(leaving):
        if not leaves(number, moment.share):
            continue
        draw = random.Random(f"{seed}:{number}:leaving:{index}")
        gone = moment.at + draw.random() * moment.within
        if gone <= here:  # not there yet when it left, or still away
            continue
        if gone >= end:
            break
        found.append(Stay(here, gone, moment.flow))
        if moment.back is None:
            return tuple(found)
        here = moment.back + draw.random() * moment.back_within
        if here >= end:
            return tuple(found)
    found.append(Stay(here, end))
    return tuple(found)


def present_share(leaving: Sequence[Leaving], match_s: float) -> float:
    """The share of a fixed audience still watching at `match_s`: what the
    leaving moments take away on average (for the curve's viewers)."""
    share = 1.0
    for moment in leaving:
        gone = _progress(match_s, moment.at, moment.within)
        back = 0.0 if moment.back is None else _progress(match_s, moment.back, moment.back_within)
        share *= 1 - moment.share * gone * (1 - back)
    return share


def _progress(match_s: float, at: float, within: float) -> float:
    """How far a uniform spread over [at, at + within] is at `match_s`, 0 to 1."""
    if match_s < at:
        return 0.0
    return 1.0 if within <= 0 or match_s >= at + within else (match_s - at) / within
