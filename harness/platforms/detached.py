"""Programs that outlive the command starting them: each started in a
session of its own (so its whole group can be signalled at once, nginx's
workers too) with its output appended to a log, and stopped with SIGTERM,
then SIGKILL for what ignores it."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from harness.platforms.process_tree import process_start_time

STOP_TIMEOUT = 5.0  # seconds a process has to end after SIGTERM


def spawn(
    command: list[str], log_file: Path, env: dict[str, str] | None = None
) -> tuple[int, int | None]:
    """Start `command` detached, its output appended to `log_file`: its pid
    and start time (None: it exited at once)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return process.pid, process_start_time(process.pid)


def wait_gone(running: Callable[[], bool], timeout: float = STOP_TIMEOUT) -> bool:
    """Wait up to `timeout` seconds while `running()`; whether it stopped."""
    deadline = time.monotonic() + timeout
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running()
