"""Which it was when the load generator struggled, decided from the figures
of its troubled seconds (those over the bounds: stalls and saturated
seconds), in this order:

- PROCESSES, too few processes: in at least half of them the busiest
  process used CPU_BOUND (0.9) of a core or more. Its own work filled its
  core; more worker processes share it (`--workers N`).
- MACHINE, the machine's CPUs were busy: in at least half of them the
  machine had less than IDLE_BOUND (10%) of its CPU time idle, or more than
  STEAL_BOUND (10%) stolen by a hypervisor, or more threads runnable than it
  has CPUs (the reader counts itself: with one CPU hog per core, the run
  queue is one more than the cores). The process waited for a CPU.
- BLOCKING, work blocking the process's loop: it used less than its core
  while the machine had CPU to spare, yet its loop was held up: something in
  the process did not yield (a journey step that computes or calls without
  yielding, a slow disk, the process stopped and continued).
- UNKNOWN: the machine's figures were not read (a run recorded before they
  were, or not on Linux), and the process was not at its core's limit.

The figures said are over the troubled seconds: the mean idle and steal
shares, and the median run queue (each an instant's count: its median says
what was usual, where its longest may be a moment).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from harness.measure.truth import CPU_BOUND, GeneratorTruth

IDLE_BOUND = 0.10
STEAL_BOUND = 0.10
PROCESSES, MACHINE, BLOCKING, UNKNOWN = "processes", "machine", "blocking", "unknown"


def _busy(truth: GeneratorTruth) -> bool | None:
    """Whether the machine's CPUs were busy in this second; None: not read."""
    if truth.machine_idle_share is None:
        return None
    queued = truth.run_queue is not None and truth.cpus and truth.run_queue > truth.cpus
    return (
        truth.machine_idle_share < IDLE_BOUND
        or bool(queued)
        or (truth.machine_steal_share or 0.0) > STEAL_BOUND
    )


def cause(troubled: Sequence[GeneratorTruth | None]) -> dict | None:
    """The cause and the machine's figures of the troubled seconds; None without any."""
    seconds = [t for t in troubled if t is not None]
    if not seconds:
        return None
    half = len(seconds) / 2
    idle = [t.machine_idle_share for t in seconds if t.machine_idle_share is not None]
    steal = [t.machine_steal_share for t in seconds if t.machine_steal_share is not None]
    queues = [t.run_queue for t in seconds if t.run_queue is not None]
    busy = [_busy(t) for t in seconds]
    if sum(t.cpu_max_cores >= CPU_BOUND for t in seconds) >= half:
        found = PROCESSES
    elif not idle:
        found = UNKNOWN
    elif sum(bool(b) for b in busy) >= half:
        found = MACHINE
    else:
        found = BLOCKING
    return {
        "cause": found,
        "seconds": len(seconds),
        "busiest_process_cores": max(t.cpu_max_cores for t in seconds),
        "machine_idle_share": statistics.fmean(idle) if idle else None,
        "machine_steal_share": statistics.fmean(steal) if steal else None,
        "run_queue": statistics.median_high(queues) if queues else None,
        "cpus": min((t.cpus for t in seconds if t.cpus is not None), default=None),
    }


def _machine(found: dict) -> str:
    """ "idle 3%, run queue 5 on 2 cores, steal 0%" (what was read of it)."""
    parts = [f"idle {found['machine_idle_share']:.0%}"]
    if found["run_queue"] is not None:
        parts.append(
            f"run queue {found['run_queue']}"
            + (f" on {found['cpus']} cores" if found["cpus"] else "")
        )
    if found["machine_steal_share"] is not None:
        parts.append(f"steal {found['machine_steal_share']:.0%}")
    return ", ".join(parts)


def words(found: dict, processes: int, needed: int) -> str:
    """The cause in words, for the console and the report; `needed`: the
    processes the run's peak CPU needs (summary.json's processes_needed)."""
    if found["cause"] == PROCESSES:
        workers = max(needed, processes + 1)
        return (
            f"too few processes: the busiest used {found['busiest_process_cores']:.2f} "
            f"cores of its one: run it with --workers {workers}"
        )
    if found["cause"] == MACHINE:
        return f"the machine's CPUs were busy ({_machine(found)})"
    if found["cause"] == BLOCKING:
        return (
            f"work blocking the process's loop (a journey step, a slow disk): the machine "
            f"had idle CPU ({_machine(found)})"
        )
    return (
        "work blocking the process's loop, or busy CPUs: this run did not read the "
        "machine's figures"
    )
