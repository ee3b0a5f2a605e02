"""Runs side by side: what other runs' fault journals mean for a run about
to start. A run that injects no fault is never stopped by them. A run with
faults is never stopped by a run that is still going (it says which, when
their stacks are the same); it is refused when a run that is over (ended or
killed) left unreverted faults on the stack its own faults go to: those are
for `harness reset`. Journals of dead runs with nothing left in them are
cleared on the way."""

from __future__ import annotations

import logging

from harness.faults.journal import journals_dir, run_journals
from harness.faults.owner import is_live, same_stack, who
from harness.platforms.stack import Stack
from harness.spec.errors import InfrastructureMissing

log = logging.getLogger(__name__)


def check_before_run(stack: Stack, faults: int) -> None:
    """Refuse (InfrastructureMissing) to put `faults` on a stack that still
    holds a finished run's unreverted faults; note live runs on it."""
    if not faults:
        return
    mine = list(stack.contexts.values())
    for journal in run_journals():
        owner, entries = journal.owner, journal.entries()
        theirs = (owner or {}).get("stack", []) + [e["context"] for e in entries.values()]
        if is_live(owner):
            if same_stack(mine, theirs):
                log.warning(
                    "%s is running on this stack too (%d fault(s) planned); both runs' "
                    "faults will show in both",
                    who(owner),
                    len(owner.get("faults", [])),
                )
            continue
        if not entries:
            journal.forget()
        elif same_stack(mine, theirs):
            names = ", ".join(sorted({e["fault"] for e in entries.values()}))
            raise InfrastructureMissing(
                f"{who(owner)} is over but left {len(entries)} unreverted fault(s) ({names}) on "
                f"this stack (journal {journal.path}); run `harness reset` with the same "
                f"KICKOFF_STATE_DIR={journals_dir().parent} to revert them (it reverts only the "
                f"faults of runs that are over)"
            )
