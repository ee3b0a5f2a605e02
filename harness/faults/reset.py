"""harness reset: take back whatever faults runs that are over left on the stack.

First every fault in the journal of a run that is over (ended, or its
process gone: what a killed harness left behind) is reverted with the
driver it was injected with; a run still going keeps its faults (it reverts
them itself), and `harness reset` says whose they are. Then, to be sure,
every driver resets each stack a platform runs here (the registry's
platforms say which), except a stack a live run has faults planned on,
whatever KICKOFF_STATE_DIR it uses (the machine's registry of live runs:
harness/faults/live_runs.py): Toxiproxy without a toxic and with every link
enabled, containers unpaused, started and reconnected, local processes
continued and started.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.faults.journal import Journal, run_journals
from harness.faults.live_runs import live_runs
from harness.faults.owner import described, is_live, who
from harness.faults.registry import driver
from harness.platforms.base import state_dir
from harness.platforms.registry import PLATFORMS
from harness.spec.errors import HarnessError


def _stack_contexts() -> list[dict]:
    """The drivers' contexts of every platform's stack that runs here now."""
    contexts: list[dict] = []
    for spec in PLATFORMS.values():
        contexts += [c for c in spec.running_contexts() if c not in contexts]
    return contexts


class Reset:
    """What a reset did (`done`), could not do (`failed`: still journalled)
    and left to runs still going (`left`), one line each."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.failed: list[str] = []
        self.left: list[str] = []
        self._touched: list[dict] = []  # the contexts reverts went through
        self._busy: list[dict] = []  # the owners of live runs with faults planned

    def journals(self, journals: Sequence[Journal]) -> None:
        """Revert what the journals of runs that are over hold; note the live ones."""
        for journal in journals:
            owner = journal.owner
            if not is_live(owner):
                self._revert(journal)
                continue
            if owner.get("faults"):
                self._busy.append(owner)  # of this state folder, perhaps of another host
            names = sorted({e["fault"] for e in journal.entries().values()})
            if names:
                self.left.append(
                    f"not reverted: {', '.join(names)} of {who(owner)}: that run "
                    f"is still going and reverts its own faults"
                )

    def _revert(self, journal: Journal) -> None:
        whose = who(journal.owner)
        for entry_id, entry in journal.entries().items():
            what = f"{entry['fault']} ({entry['kind']} on {entry['target']}) of {whose}"
            try:
                driver(entry["context"]).revert(entry["undo"])
            except HarnessError as error:
                self.failed.append(f"could not revert {what}: {error}")
                continue
            journal.remove(entry_id)
            self.done.append(f"reverted {what}")
            if entry["context"] not in self._touched:
                self._touched.append(entry["context"])
        journal.forget()

    def stacks(self) -> None:
        """Reset each stack running here, and each a revert went through,
        unless a live run has faults on it (under any state folder)."""
        try:
            busy = self._busy + live_runs()
        except HarnessError as error:  # which stacks live runs use cannot be told
            self.failed.append(f"no stack reset: {error}")
            return
        running = _stack_contexts()
        for context in running + [c for c in self._touched if c not in running]:
            owner = next((o for o in busy if context in o.get("stack", [])), None)
            if owner is not None:
                self.left.append(
                    f"not reset: {described(context)}: {who(owner)} is still "
                    f"going with faults on it (its KICKOFF_STATE_DIR="
                    f"{owner.get('state_dir', state_dir())}); reset again once "
                    f"it is over"
                )
                continue
            try:
                self.done += driver(context).reset()
            except HarnessError as error:
                self.failed.append(f"{context['driver']}: {error}")


def reset() -> Reset:
    """Revert what runs that are over left, then reset the stacks (see the module)."""
    found = Reset()
    found.journals(run_journals())
    found.stacks()
    return found
