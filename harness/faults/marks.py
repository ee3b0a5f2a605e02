"""Faults done by hand, on the record: `harness mark start|end NAME` tells a
running run that someone broke (or mended) something outside kickoff.

The mark goes into the run's fault journal with the moment it was given;
the run takes new marks once a second (MarkInbox, in its session) and
writes each into events.jsonl as a fault of kind
"marked by hand": fault_scheduled and fault_injected at the start mark,
fault_reverted at the end mark, each at the moment the mark was given. From
there the summary, the verdict (during:/recovery: spans, impact, recovery)
and the reports treat it like any fault. The run answers each mark in its
journal (taken, or why not), which `harness mark` waits for.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from harness.faults.journal import Journal, journals_dir, run_journals
from harness.faults.owner import is_live, who
from harness.spec.errors import InfrastructureMissing, InvalidInput

log = logging.getLogger(__name__)
MARKED = "marked by hand"  # the kind of fault a mark makes
DEFAULT_BUDGET_S = 30.0  # a marked fault's recovery budget, as a scheduled fault's default
ANSWER_WITHIN_S = 5.0  # the run takes new marks once a second
Event = Callable[..., None]  # recorder.event(kind, match_s, **fields)


# --- the side that marks ------------------------------------------------------


def running_run(choice: str | None) -> Journal:
    """The journal of the run a mark is for: the only live run, or the one
    `choice` names by PID or run folder."""
    live = [j for j in run_journals() if is_live(j.owner)]
    where = f"(journals in {journals_dir()}, KICKOFF_STATE_DIR={journals_dir().parent})"
    if not live:
        raise InfrastructureMissing(f"no run is going to mark a fault in {where}")
    if choice is not None:
        chosen = [j for j in live if _names(choice, j.owner or {})]
        if len(chosen) != 1:
            raise InvalidInput(
                f"--run {choice}: {'several' if chosen else 'no'} running run(s) "
                f"match; going: {'; '.join(who(j.owner) for j in live)}"
            )
        return chosen[0]
    if len(live) > 1:
        raise InvalidInput(
            f"{len(live)} runs are going ({'; '.join(who(j.owner) for j in live)}"
            f"); choose one with --run PID or --run FOLDER"
        )
    return live[0]


def mark(
    journal: Journal, action: str, name: str, budget_s: float | None = None, target: str = "-"
) -> dict:
    """Give the run a mark and wait for its answer: what it recorded. budget_s:
    the recovery budget (None: the scenario's faults_by_hand says, else 30 s)."""
    request = {
        "id": uuid.uuid4().hex[:12],
        "action": action,
        "name": name,
        "epoch": time.time(),
        "recovery_budget_s": budget_s,
        "target": target,
    }
    owner = journal.owner
    if not journal.ask(request):
        raise InfrastructureMissing(f"{who(owner)} ended before it could take the mark")
    deadline = time.monotonic() + ANSWER_WITHIN_S
    while time.monotonic() < deadline:
        answer = next((m.get("answer") for m in journal.marks() if m["id"] == request["id"]), None)
        if answer is not None:
            if "error" in answer:
                raise InvalidInput(f"mark {action} {name}: {answer['error']}")
            return answer
        if not is_live(journal.owner):
            break
        time.sleep(0.1)
    raise InfrastructureMissing(
        f"{who(owner)} did not take the mark within {ANSWER_WITHIN_S:g} s (is it still going?)"
    )


# --- the run's side -------------------------------------------------------------


class MarkInbox:
    """The run's end: takes new marks and records them as faults. `declared`:
    the scenario's faults_by_hand (name: recovery budget), announced when the
    run starts so one never marked is judged as never injected; `scheduled`:
    the names of the timeline's faults; `second`: the run's wall second now;
    `match`: match time of a wall second."""

    def __init__(
        self,
        journal: Journal,
        event: Event,
        declared: dict[str, float],
        scheduled: list[str],
        second: Callable[[], float],
        match: Callable[[float], float],
    ) -> None:
        self.journal, self.event, self.second, self.match = journal, event, second, match
        self.declared, self.scheduled = declared, set(scheduled)
        self.open: set[str] = set()  # started, not yet ended
        self.ended: set[str] = set()

    def announce(self, match_s: float) -> None:
        """The declared faults, at the run's start (`match_s`)."""
        for name, budget in self.declared.items():
            self._scheduled(name, match_s, None, "-", budget)

    def _scheduled(
        self, name: str, match_s: float, second: float | None, target: str, budget: float
    ) -> None:
        self.event(
            "fault_scheduled",
            match_s,
            fault=name,
            fault_kind=MARKED,
            target=target,
            driver=MARKED,
            components_hit=[],
            scheduled_second=second,
            revert_scheduled_second=None,
            lasts_until_end=False,
            self_healing=False,
            recovery_budget_s=budget,
            marked_by_hand=True,
        )

    def take(self) -> None:
        """Record every mark given since the last call."""
        for request in self.journal.marks():
            if "answer" not in request:
                self._answer(request)

    def _answer(self, request: dict) -> None:
        name, action = request["name"], request["action"]
        problem = self._problem(name, action)
        if problem:
            self.journal.answer(request["id"], {"error": problem})
            return
        # When the mark was given, on the run's clock (it is taken up to a second later).
        second = round(max(0.0, self.second() - (time.time() - request["epoch"])), 3)
        match_s = self.match(second)
        if action == "start":
            self.open.add(name)
            if name not in self.declared:
                self._scheduled(
                    name,
                    match_s,
                    second,
                    request["target"],
                    request["recovery_budget_s"] or DEFAULT_BUDGET_S,
                )
            self.event(
                "fault_injected",
                match_s,
                fault=name,
                fault_kind=MARKED,
                target=request["target"],
                second=second,
                scheduled_second=second,
                delay_ms=None,
            )
        else:
            self.open.discard(name)
            self.ended.add(name)
            self.event(
                "fault_reverted",
                match_s,
                fault=name,
                second=second,
                scheduled_second=None,
                delay_ms=None,
            )
        self.journal.answer(request["id"], {"second": second, "match_s": match_s})
        log.info("%s: %s marked by hand at %g s of the run", name, action, second)

    def _problem(self, name: str, action: str) -> str | None:
        if action not in ("start", "end"):
            return f"unknown action {action!r} (start or end)"
        if name in self.scheduled:
            return f"{name!r} is a fault of the scenario's timeline; choose another name"
        if action == "start" and (name in self.open or name in self.ended):
            return f"{name!r} was marked already in this run; choose another name"
        if action == "end" and name not in self.open:
            return f"{name!r} was not started (harness mark start {name} first)"
        return None


def _names(choice: str, owner: dict) -> bool:
    """Whether `choice` names the run of `owner` by its PID or run folder."""
    return (
        choice == str(owner["pid"])
        or Path(choice).resolve() == Path(owner["run_dir"])
        or choice.rstrip("/") == Path(owner["run_dir"]).name
    )
