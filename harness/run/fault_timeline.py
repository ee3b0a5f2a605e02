"""Faults on the run's timeline: each planned and journalled a second ahead,
injected at its moment and reverted when its time is up, every step written
to events.jsonl with when it was due, when it happened and how late it came.
Each fault follows its own greenlet, so faults due at one moment are applied
concurrently, and so are their reverts.

`stop()` is the rollback: whatever is still injected when the run ends (its
end, Ctrl-C, SIGTERM, a halt, an exception) is reverted there.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import gevent

from harness.faults.journal import Journal
from harness.faults.kinds import FaultKind, parsed_params
from harness.faults.registry import KINDS, driver
from harness.faults.together import at_once
from harness.platforms.stack import Stack
from harness.scenario import Fault, Scenario
from harness.spec.errors import HarnessError

log = logging.getLogger(__name__)
Event = Callable[..., None]  # recorder.event(kind, match_s, **fields)
# How long before its moment a fault is planned and journalled (wall seconds).
PREPARED_AHEAD_S = 1.0


@dataclass
class FaultRun:
    """What happened to one fault in this run."""

    fault: Fault
    kind: FaultKind
    scheduled_second: float  # wall seconds from the run's zero
    revert_scheduled_second: float | None
    injected_second: float | None = None
    reverted_second: float | None = None
    status: str = "scheduled"
    entry_id: str | None = None
    undo: dict | None = None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _output(said: dict | None) -> dict:
    """A driver's word on a change, as an event's `output` field (none: no field)."""
    return {} if said is None else {"output": said}


def _ms_since(happened_second: float, since_second: float) -> int:
    """Milliseconds from `since` to when a step was done: from its planned
    moment, its lateness (delay_ms); from the driver's start, took_ms."""
    return round((happened_second - since_second) * 1000)


class FaultTimeline:
    def __init__(
        self,
        scenario: Scenario,
        faults: tuple[Fault, ...],
        event: Event,
        stack: Stack,
        journal: Journal | None = None,
    ) -> None:
        self.scenario = scenario
        self.event = event
        self.stack = stack
        self.journal = journal or Journal()
        self.contexts = stack.contexts
        self.drivers = {name: driver(context) for name, context in self.contexts.items()}
        self.runs = [self._plan(fault) for fault in faults]
        self._greenlets: list[gevent.Greenlet] = []
        self._zero = 0.0

    def _plan(self, fault: Fault) -> FaultRun:
        wall = self.scenario.wall(fault.at)
        until = self.scenario.wall(fault.at + fault.duration) if fault.duration else None
        return FaultRun(fault, KINDS[fault.kind], wall, until)

    def _now(self) -> float:
        return time.perf_counter() - self._zero

    def start(self, zero: float) -> None:
        """Schedule every fault against the run's zero (a perf_counter reading)."""
        self._zero = zero
        for run in self.runs:
            fault = run.fault
            self.event(
                "fault_scheduled",
                fault.at,
                fault=fault.name,
                fault_kind=fault.kind,
                target=fault.target,
                driver=run.kind.driver,
                components_hit=self.stack.components_hit(fault.target),
                scheduled_second=round(run.scheduled_second, 3),
                revert_scheduled_second=_rounded(run.revert_scheduled_second),
                lasts_until_end=fault.duration is None,
                self_healing=run.kind.heals_itself(fault.duration),
                recovery_budget_s=fault.recover_within,
            )
        self._greenlets = [gevent.spawn(self._follow, run) for run in self.runs]

    def _sleep_until(self, second: float) -> None:
        gevent.sleep(max(0.0, second - self._now()))

    def _follow(self, run: FaultRun) -> None:
        # The plan and the journal entry are ready before the moment: at the
        # moment only the change itself is left, for every fault due then at once.
        self._sleep_until(run.scheduled_second - PREPARED_AHEAD_S)
        params = self._prepare(run)
        if params is None:
            return
        self._sleep_until(run.scheduled_second)
        self._inject(run, params)
        if run.revert_scheduled_second is not None and run.status == "injected":
            self._sleep_until(run.revert_scheduled_second)
            try:
                self._revert(run, due=run.revert_scheduled_second)
            except HarnessError as error:  # still journalled: the run's end tries it again
                self._revert_failed(run, error)

    def _prepare(self, run: FaultRun) -> dict | None:
        """The fault's params, with its undo planned and journalled; None if it failed."""
        fault, kind = run.fault, run.kind
        try:
            params = parsed_params(kind, fault.params)
            run.undo = self.drivers[kind.driver].plan(fault, kind, params)
            run.entry_id = f"{self.scenario.name}:{fault.name}:{uuid.uuid4().hex[:8]}"
            self.journal.add(
                run.entry_id,
                {
                    "fault": fault.name,
                    "kind": kind.name,
                    "target": fault.target,
                    "context": self.contexts[kind.driver],
                    "undo": run.undo,
                    "journalled_utc": datetime.now(UTC).isoformat(),
                },
            )
        except HarnessError as error:
            self._failed(run, error)
            return None
        return params

    def _inject(self, run: FaultRun, params: dict) -> None:
        fault, kind = run.fault, run.kind
        started = self._now()
        assert run.undo is not None  # _prepare planned it
        try:
            said = self.drivers[kind.driver].apply(kind, params, run.undo)
        except HarnessError as error:
            self._failed(run, error)
            return
        run.injected_second = self._now()
        run.status = "injected"
        self.event(
            "fault_injected",
            self.scenario.match(run.injected_second),
            fault=fault.name,
            fault_kind=kind.name,
            target=fault.target,
            second=round(run.injected_second, 3),
            scheduled_second=round(run.scheduled_second, 3),
            delay_ms=_ms_since(run.injected_second, run.scheduled_second),
            took_ms=_ms_since(run.injected_second, started),
            **_output(said),
        )

    def _failed(self, run: FaultRun, error: HarnessError) -> None:
        run.status = f"failed: {error}"
        self.event("fault_failed", run.fault.at, fault=run.fault.name, error=str(error))
        log.warning("fault %s failed: %s", run.fault.name, error)
        try:
            self._revert(run)  # whatever part of it happened
        except HarnessError as revert_error:  # the journal keeps it for `harness reset`
            self._revert_failed(run, revert_error)

    def _revert_failed(self, run: FaultRun, error: HarnessError) -> None:
        self.event("fault_revert_failed", None, fault=run.fault.name, error=str(error))
        log.error(
            "fault %s could not be reverted: %s (it stays in the fault journal; "
            "`harness reset` tries again)",
            run.fault.name,
            error,
        )

    def _revert(self, run: FaultRun, due: float | None = None) -> None:
        """Undo the fault if anything of it may have happened; an injected
        fault's revert goes to events.jsonl, with its lateness when it was
        `due` then (not when the run ended first)."""
        if run.undo is None:
            return
        started = self._now()
        said = self.drivers[run.kind.driver].revert(run.undo)
        assert run.entry_id is not None  # journalled as soon as its undo was planned
        self.journal.remove(run.entry_id)
        run.undo = None
        if run.status != "injected":  # failed, or the run ended before its moment
            return
        run.reverted_second = self._now()
        run.status = "reverted"
        self.event(
            "fault_reverted",
            self.scenario.match(run.reverted_second),
            fault=run.fault.name,
            second=round(run.reverted_second, 3),
            scheduled_second=None if due is None else round(due, 3),
            delay_ms=None if due is None else _ms_since(run.reverted_second, due),
            took_ms=_ms_since(run.reverted_second, started),
            **_output(said),
        )

    def stop(self) -> list[str]:
        """Cancel what is still to come and revert what is still injected, all
        at once; the problems met on the way (each fault is still tried)."""
        gevent.killall(self._greenlets)
        for run in self.runs:
            if run.status == "scheduled":
                run.status = "not injected (the run ended first)"
        problems = []
        outcomes = at_once([partial(self._revert, run) for run in self.runs])
        for run, error in zip(self.runs, outcomes, strict=True):
            if error is None:
                continue
            if not isinstance(error, HarnessError):
                raise error
            problems.append(f"{run.fault.name}: {error}")
            self._revert_failed(run, error)
        return problems

    def probes(self) -> dict[str, Callable[[], str]]:
        """The health probes the drivers can ask, by component."""
        return {
            component: probe
            for driver_ in self.drivers.values()
            for component, probe in driver_.probes().items()
        }
