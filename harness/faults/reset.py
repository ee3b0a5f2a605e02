"""harness reset: take back whatever faults runs that are over left on the stack.

First every fault in the journal of a run that is over (ended, or its
process gone: what a killed harness left behind) is reverted with the
driver it was injected with; a run still going keeps its faults (it reverts
them itself), and `harness reset` says whose they are. Then, to be sure,
every driver resets each stack a platform runs here (the registry's
platforms say which), except a stack a live run has faults planned on:
Toxiproxy without a toxic and with every link enabled, containers unpaused,
started and reconnected, local processes continued and started.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.errors import HarnessError
from harness.faults.journal import Journal, run_journals
from harness.faults.owner import described, is_live, who
from harness.faults.registry import driver
from harness.platforms.registry import PLATFORMS


@dataclass
class ResetDone:
    done: list[str] = field(default_factory=list)  # what was reverted or reset
    failed: list[str] = field(default_factory=list)  # what could not be (still journalled)
    left: list[str] = field(default_factory=list)  # what belongs to runs still going


def _stack_contexts() -> list[dict]:
    """The drivers' contexts of every platform's stack that runs here now."""
    contexts: list[dict] = []
    for spec in PLATFORMS.values():
        contexts += [c for c in spec.running_contexts() if c not in contexts]
    return contexts


def _revert_journal(journal: Journal, found: ResetDone, contexts: list[dict]) -> None:
    for entry_id, entry in journal.entries().items():
        what = f"{entry['fault']} ({entry['kind']} on {entry['target']})"
        try:
            driver(entry["context"]).revert(entry["undo"])
        except HarnessError as error:
            found.failed.append(f"could not revert {what} of {who(journal.owner)}: {error}")
            continue
        journal.remove(entry_id)
        found.done.append(f"reverted {what} of {who(journal.owner)}")
        if entry["context"] not in contexts:
            contexts.append(entry["context"])
    journal.forget()


def reset() -> ResetDone:
    """Revert what runs that are over left; the journal keeps what failed."""
    found, contexts = ResetDone(), _stack_contexts()
    busy: list[tuple[dict, dict]] = []  # (context, the live run with faults planned on it)
    for journal in run_journals():
        owner = journal.owner
        if not is_live(owner):
            _revert_journal(journal, found, contexts)
            continue
        if owner.get("faults"):
            busy += [(context, owner) for context in owner.get("stack", [])]
        names = sorted({e["fault"] for e in journal.entries().values()})
        if names:
            found.left.append(f"not reverted: {', '.join(names)} of {who(owner)}: that run is "
                              f"still going and reverts its own faults")
    for context in contexts:
        owner = next((o for c, o in busy if c == context), None)
        if owner is not None:
            found.left.append(f"not reset: {described(context)}: {who(owner)} is still going "
                              f"with faults on it")
            continue
        try:
            found.done += driver(context).reset()
        except HarnessError as error:
            found.failed.append(f"{context['driver']}: {error}")
    return found
