"""harness reset: take back whatever faults are left on the stack.

First every fault the journal holds (what a killed harness left behind) is
reverted with the driver it was injected with; then, to be sure, every
driver resets each stack a platform runs here (the registry's platforms say
which): Toxiproxy without a toxic and with every link enabled, containers
unpaused, started and reconnected, local processes continued and started.
"""

from __future__ import annotations

from harness.errors import HarnessError
from harness.faults.journal import Journal
from harness.faults.registry import driver
from harness.platforms.registry import PLATFORMS


def _stack_contexts() -> list[dict]:
    """The drivers' contexts of every platform's stack that runs here now."""
    contexts: list[dict] = []
    for spec in PLATFORMS.values():
        contexts += [c for c in spec.running_contexts() if c not in contexts]
    return contexts


def reset(journal: Journal | None = None) -> tuple[list[str], list[str]]:
    """(what was done, what could not be done); the journal keeps the latter."""
    journal = journal or Journal()
    done, failed = [], []
    contexts = _stack_contexts()
    for entry_id, entry in journal.entries().items():
        what = f"{entry['fault']} ({entry['kind']} on {entry['target']})"
        try:
            driver(entry["context"]).revert(entry["undo"])
        except HarnessError as error:
            failed.append(f"could not revert {what}: {error}")
            continue
        journal.remove(entry_id)
        done.append(f"reverted {what}")
        if entry["context"] not in contexts:
            contexts.append(entry["context"])
    for context in contexts:
        try:
            done += driver(context).reset()
        except HarnessError as error:
            failed.append(f"{context['driver']}: {error}")
    return done, failed
