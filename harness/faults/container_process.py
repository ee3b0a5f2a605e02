"""A container's main process signalled from this machine, but only when /proc
proves that the PID the engine reported is that process here.

Why signal locally at all: Docker's own kill marks the container as stopped by
an operator, and restart policies then leave it down; a signal from outside
is a crash, which the policy handles as production would. Why proof: the PID
comes from the engine, which may number processes in another PID namespace
or on another machine, where the same number here is some other process.

The proof, all read while a pidfd pins the process (so the PID cannot be
reused between the check and the signal, which goes through that pidfd):
- our /proc numbers processes as we do (it shows us as os.getpid());
- /proc/PID/cgroup names the container's full id: it is in that container;
- /proc/PID/status NSpid is exactly [PID, 1]: it is the first process of a PID
  namespace one level below ours, so the engine numbers processes as we do
  and this is the container's main process, not one it started or exec'd.
The kernel start time against the engine's State.StartedAt is not used: the
process exists before the engine records StartedAt (most of a second here,
more under load), so a tolerance could neither prove nor rule out anything
the checks above do not.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def signal_main_process(container_id: str, pid: int, signum: int) -> bool:
    """Send `signum` to the container's main process from here if `pid` (as the
    engine reported it) provably is that process; False if not proven or not
    delivered (not here, gone, or not ours to signal): ask the engine then."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # no such process here, or pid 0 (not running)
        return False
    try:
        if not is_main_process(container_id, pid):
            return False
        signal.pidfd_send_signal(pidfd, signum)
        return True
    except OSError:
        return False
    finally:
        os.close(pidfd)


def is_main_process(container_id: str, pid: int) -> bool:
    """Whether the local process `pid` is the main process of the container
    `container_id` (its full id), read from /proc as the module says."""
    if len(container_id) != 64:  # a short id could be part of another's
        return False
    try:
        ours = _nspids("self") == [os.getpid()]
        in_container = any(
            container_id in line.split(":", 2)[-1]
            for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        )
        return ours and in_container and _nspids(str(pid)) == [pid, 1]
    except OSError:
        return False


def _nspids(pid: str) -> list[int]:
    """The process's PID in each namespace from /proc's down to its own ([] if not shown)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(n) for n in line.split()[1:]]
    return []
