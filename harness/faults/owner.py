"""Who a fault journal belongs to: the run's process (its PID with the
kernel's start time and boot, so a later process that got the same PID is
not taken for it), the run's folder and scenario, its platform, and the
drivers' contexts of its stack (what its faults go through), and the state
folder of its journal. Whether that run is still going decides what another
run and `harness reset` may do."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TypeGuard

from harness.platforms.base import state_dir
from harness.platforms.process_tree import process_start_time
from harness.platforms.stack import Stack

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return ""


def this_run(run_dir: Path, scenario: str, stack: Stack, faults: list[str]) -> dict:
    """The owner record of a run in this process (JSON-able); faults: the
    names of the faults on its timeline."""
    pid = os.getpid()
    return {
        "pid": pid,
        "process_start": process_start_time(pid),
        "boot_id": _boot_id(),
        "host": socket.gethostname(),
        "run_dir": str(run_dir.resolve()),
        "state_dir": str(state_dir().absolute()),
        "scenario": scenario,
        "platform": stack.platform,
        "stack": list(stack.contexts.values()),
        "faults": faults,
        "ended": False,
    }


def is_live(owner: dict | None) -> TypeGuard[dict]:
    """Whether the owner's run is still going: its process is there (the same
    one, not its PID reused) and it has not ended. A journal of another host
    (a state folder shared over the network) cannot be told: it counts as live."""
    if not owner or owner.get("ended"):
        return False
    if owner.get("host") != socket.gethostname():
        return True
    return owner.get("boot_id") == _boot_id() and process_start_time(owner["pid"]) == owner.get(
        "process_start"
    )


def who(owner: dict | None) -> str:
    """The owner for messages: 'run PID 1234 (results/2026..._kickoff)'."""
    if not owner:
        return "an unnamed run"
    where = "" if owner.get("host") == socket.gethostname() else f" on {owner.get('host')}"
    return f"run PID {owner['pid']}{where} ({owner['run_dir']})"


def same_stack(contexts: list[dict], other: list[dict]) -> bool:
    """Whether two runs' faults go through a driver context in common (one
    Toxiproxy, one Docker project, one set of local processes)."""
    return any(context in other for context in contexts)


def described(context: dict) -> str:
    """A driver context for messages: its driver, then its API or host."""
    values = [v for k, v in context.items() if k != "driver" and isinstance(v, str) and v]
    return " ".join([context["driver"], *values[:2]])
