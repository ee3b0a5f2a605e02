"""CPU time of a local process and everything it started, from /proc.

Used twice a run per component (at its start and its end), so one pass over
/proc is cheap enough: a process's children are those whose parent it is.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process, else None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _tree_stats(pid: int) -> dict[int, float]:
    """{pid: CPU seconds} of `pid` and its descendants alive now."""
    stats = {
        int(entry): stat
        for entry in os.listdir("/proc")
        if entry.isdigit()
        if (stat := _stat(entry)) is not None
    }
    found, pending = {}, [pid]
    while pending:
        current = pending.pop()
        if current in stats and current not in found:
            found[current] = stats[current][1]
            pending += [child for child, (parent, _) in stats.items() if parent == current]
    return found


def tree(pid: int) -> list[int]:
    """`pid` and its descendants alive now (none if `pid` is gone)."""
    return list(_tree_stats(pid))


def tree_seconds(pid: int) -> float:
    """CPU seconds used so far by `pid` and its descendants alive now."""
    return sum(_tree_stats(pid).values())
