"""A local component's processes, from /proc: its process group, and the
descendants that left it (PostgreSQL's backends each start a session of
their own), so that a signal reaches all of them, as a container's would."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def _stat(pid_dir: Path) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if gone."""
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_start_time(pid: int) -> int | None:
    """The kernel's start time of a live pid, or None if gone or a zombie."""
    fields = _stat(Path(f"/proc/{pid}"))
    if fields is None or fields[0] in ("Z", "X"):  # a zombie is dead, whoever is to reap it
        return None
    return int(fields[19])


def descendants(pid: int) -> dict[int, int]:
    """Every live descendant of pid, with its start time."""
    children: dict[int, list[int]] = {}
    for pid_dir in Path("/proc").glob("[0-9]*"):
        fields = _stat(pid_dir)
        if fields is not None and fields[0] not in ("Z", "X"):
            children.setdefault(int(fields[1]), []).append(int(pid_dir.name))
    found: dict[int, int] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            started = process_start_time(child)
            if started is not None:
                found[child] = started
                todo.append(child)
    return found


def _strays(leader: int) -> dict[int, int]:
    """Descendants of the group's leader that are in another process group."""
    strays = {}
    for pid, started in descendants(leader).items():
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(pid) != leader:
                strays[pid] = started
    return strays


def signal_tree(leader: int, sig: signal.Signals) -> None:
    """Send sig to the process group led by `leader` and to its strays. The
    group is frozen while they are looked for, so none forks one unseen (a
    recycled pid is never signalled: its start time differs)."""
    os.killpg(leader, signal.SIGSTOP)
    strays = _strays(leader)
    os.killpg(leader, sig)
    for pid, started in strays.items():
        if process_start_time(pid) == started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    if sig != signal.SIGSTOP:  # let a caught signal (SIGTERM) be handled
        with contextlib.suppress(ProcessLookupError):
            os.killpg(leader, signal.SIGCONT)
