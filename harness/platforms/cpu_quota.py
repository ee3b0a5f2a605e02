"""CPU quotas for the local platform's processes, as containers have them.

Where this user may write the kernel's CPU controller (cgroup v1's cpu
hierarchy, as root), a component with a quota gets a group of its own,
kickoff-<component>, with that many cores per period; its process joins the
group before it runs its program, so whatever it forks (nginx's workers)
stays inside. Elsewhere the local stack has its application limits only
(`available()` says which).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

CPU_ROOT = Path("/sys/fs/cgroup/cpu")  # cgroup v1's cpu controller
PERIOD_US = 100_000


def available() -> bool:
    """Whether local processes can be given CPU quotas here."""
    return (CPU_ROOT / "cpu.cfs_quota_us").exists() and os.access(CPU_ROOT, os.W_OK)


def _group(component: str) -> Path:
    return CPU_ROOT / f"kickoff-{component}"


def confine(component: str, cores: float) -> Callable[[], None]:
    """Make the component's group with its quota; what its new process runs
    (before its program) to join it."""
    group = _group(component)
    group.mkdir(exist_ok=True)
    (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
    (group / "cpu.cfs_quota_us").write_text(str(round(cores * PERIOD_US)))
    procs = str(group / "cgroup.procs")

    def join() -> None:
        with open(procs, "w") as out:
            out.write(str(os.getpid()))

    return join


def release(component: str) -> None:
    """Remove the component's group (the kernel refuses while a process is in it)."""
    with contextlib.suppress(FileNotFoundError, OSError):
        _group(component).rmdir()
