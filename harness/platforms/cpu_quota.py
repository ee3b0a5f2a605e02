"""CPU quotas for the local platform's processes, as containers have them.

Where this user may write the kernel's CPU controller (cgroup v1's cpu
hierarchy, as root), a component with a quota gets a group of its own,
kickoff-<component>, with that many cores per period, and its process tree is
moved into it (the root first: whatever it forks from then on is born
inside). Elsewhere the local stack has its application limits only
(`available()` says which).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harness.platforms.proc_cpu import tree

CPU_ROOT = Path("/sys/fs/cgroup/cpu")  # cgroup v1's cpu controller
PERIOD_US = 100_000


def available() -> bool:
    """Whether local processes can be given CPU quotas here."""
    return (CPU_ROOT / "cpu.cfs_quota_us").exists() and os.access(CPU_ROOT, os.W_OK)


def _group(component: str) -> Path:
    return CPU_ROOT / f"kickoff-{component}"


def confine(component: str, cores: float, pid: int) -> None:
    """Give the component's group its quota and move `pid` and its descendants in."""
    group = _group(component)
    group.mkdir(exist_ok=True)
    (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
    (group / "cpu.cfs_quota_us").write_text(str(round(cores * PERIOD_US)))
    for member in [pid] + [p for p in tree(pid) if p != pid]:  # listed once the root is in
        with contextlib.suppress(ProcessLookupError, FileNotFoundError):
            (group / "cgroup.procs").write_text(str(member))


def release(component: str) -> None:
    """Remove the component's group (the kernel refuses while a process is in it)."""
    with contextlib.suppress(FileNotFoundError, OSError):
        _group(component).rmdir()
