"""What the OS says about the machine a load generator process runs on, each
second: how much of its CPU time was idle and how much a hypervisor stole
(from /proc/stat's `cpu` line, over the second), how many threads were
runnable at the read (`procs_running`: the run queue, the reader included)
and how many CPUs it has. With them a struggling generator can be told
apart: CPUs busy with other work, or a loop held up by its own work
(harness.measure.cause).

Where /proc/stat cannot be read (not Linux), every figure but the CPU count
is None: not measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class MachineSecond:
    """One second of the machine, as the OS tells it."""

    idle_share: float | None  # idle (and waiting on I/O) of all CPUs' time, 0..1
    steal_share: float | None  # stolen by a hypervisor, of all CPUs' time, 0..1
    run_queue: int | None  # threads runnable at the read, the reader included
    cpus: int | None  # os.cpu_count()


def _read(path: Path) -> tuple[tuple[int, int, int] | None, int | None]:
    """((total, idle, steal) jiffies of all CPUs, procs_running); Nones when unreadable."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, ValueError):
        return None, None
    jiffies, running = None, None
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        try:
            if name == "cpu":
                # user nice system idle iowait irq softirq steal (guest is counted in user)
                values = [int(v) for v in rest.split()[:8]]
                values += [0] * (8 - len(values))
                jiffies = (sum(values), values[3] + values[4], values[7])
            elif name == "procs_running":
                running = int(rest)
        except ValueError:
            return None, None
    return jiffies, running


class MachineMeter:
    """Reads the machine's figures since its last read (or its creation)."""

    def __init__(self, path: Path = PROC_STAT) -> None:
        self._path = path
        self._since, _ = _read(path)

    def read(self) -> MachineSecond:
        now, running = _read(self._path)
        idle = steal = None
        if now is not None and self._since is not None and now[0] > self._since[0]:
            total = now[0] - self._since[0]
            idle = min(1.0, max(0.0, (now[1] - self._since[1]) / total))
            steal = min(1.0, max(0.0, (now[2] - self._since[2]) / total))
        self._since = now
        return MachineSecond(idle, steal, running, os.cpu_count())
