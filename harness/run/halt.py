"""Abort conditions: "halt if X for Y seconds", watched once a second."""

from __future__ import annotations

from collections.abc import Sequence

from harness.measure.aggregate import value_of
from harness.measure.metrics import checked_metric
from harness.runfolder.recorder import Second
from harness.scenario import HaltCondition


def describe(condition: HaltCondition) -> str:
    unit = checked_metric(condition.metric).unit
    bound, value = (
        ("above", condition.above) if condition.above is not None else ("below", condition.below)
    )
    shown = f"{value:.0%}" if unit == "ratio" else f"{value:g}{' s' if unit == 's' else ''}"
    return f"{condition.metric} {bound} {shown} for {condition.lasting:g} s"


class HaltWatch:
    def __init__(self, conditions: Sequence[HaltCondition]) -> None:
        self.conditions = list(conditions)
        self._held = [0] * len(self.conditions)  # consecutive seconds each has held

    def check(self, second: Second) -> str | None:
        """The condition that has now held long enough, described; else None.
        A second without a value (no requests, no viewers) breaks the streak."""
        for index, condition in enumerate(self.conditions):
            value = value_of(condition.metric, [second.window])
            if value is None:
                breached = False
            elif condition.above is not None:
                breached = value > condition.above
            else:  # a condition has above or below
                breached = condition.below is not None and value < condition.below
            self._held[index] = self._held[index] + 1 if breached else 0
            if self._held[index] >= condition.lasting:
                return describe(condition)
        return None
