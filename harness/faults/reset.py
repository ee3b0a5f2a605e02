"""harness reset: take back whatever faults are left on the stack.

First every fault the journal holds (what a killed harness left behind) is
reverted with the driver it was injected with; then, to be sure, every
driver resets the whole reference stack where it runs: Toxiproxy without a
toxic and with every link enabled, containers unpaused, started and
reconnected, local processes continued and started.
"""

from __future__ import annotations

from harness import health
from harness.errors import HarnessError, InfrastructureMissing
from harness.faults.drivers import LOCAL_TOXIPROXY, driver
from harness.faults.journal import Journal
from harness.platforms.base import state_dir
from harness.platforms.docker import PROJECT, DockerPlatform
from harness.platforms.local import LocalPlatform
from kickoff_stack.topology import TOXIPROXY_PORT


def _stack_contexts() -> list[dict]:
    """The drivers' contexts for the reference stack wherever it runs here."""
    contexts = []
    if health.port_open(TOXIPROXY_PORT):
        contexts.append({"driver": "toxiproxy", "api": LOCAL_TOXIPROXY})
    if LocalPlatform().is_managed():
        contexts.append({"driver": "process", "state_dir": str(state_dir())})
    try:
        if DockerPlatform().is_managed():
            contexts.append({"driver": "docker", "project": PROJECT, "host": None})
    except InfrastructureMissing:
        pass  # no Docker engine: no container of the stack to reset
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
