"""The local platform's supervisor (supervisor.py) as the platform drives it:
starting it detached beside the stack, stopping it, and its settings file
(its pid, how long it waits before starting a killed component again, and
the components faults hold down, which it must leave down)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys

from harness.platforms.detached import spawn, wait_gone
from harness.platforms.process_records import ProcessRecords, write_atomically
from harness.platforms.process_tree import process_start_time

log = logging.getLogger(__name__)
DEFAULT_RESTART_AFTER = 5.0  # seconds the supervisor waits before starting a killed component


class SupervisorControl:
    """The supervisor of the stack whose processes `records` holds (and whose lock it shares)."""

    def __init__(self, records: ProcessRecords) -> None:
        self.records = records
        self.file = records.root / "supervisor.json"

    def settings(self) -> dict:
        """{"restart_after": seconds, "holds": components not to restart, "pid", "started"}."""
        try:
            return json.loads(self.file.read_text())
        except (FileNotFoundError, ValueError):
            return {"restart_after": DEFAULT_RESTART_AFTER, "holds": []}

    def pid(self) -> int | None:
        """The supervisor's pid while it runs."""
        settings = self.settings()
        alive = "pid" in settings and process_start_time(settings["pid"]) == settings["started"]
        return settings["pid"] if alive else None

    def described(self) -> str | None:
        """What it does, for `harness stack status` (None: it does not run)."""
        pid = self.pid()
        if pid is None:
            return None
        after = self.settings()["restart_after"]
        return f"supervisor pid {pid}: restarts a killed component after {after:g} s"

    def hold(self, component: str, held: bool = True) -> None:
        """Keep it from restarting `component` (a fault holds it down), or let it again."""
        with self.records.locked():
            settings = self.settings()
            holds = set(settings["holds"])
            holds = holds | {component} if held else holds - {component}
            write_atomically(self.file, {**settings, "holds": sorted(holds)})

    def start(self, restart_after: float) -> None:
        """Start it, or tell the running one the new `restart_after`."""
        if self.pid() is not None:
            write_atomically(self.file, {**self.settings(), "restart_after": restart_after})
            return
        command = [sys.executable, "-m", "harness.platforms.supervisor", str(self.records.root)]
        pid, started = spawn(command, self.records.root / "logs" / "supervisor.log")
        write_atomically(
            self.file,
            {"pid": pid, "started": started, "restart_after": restart_after, "holds": []},
        )
        log.info(
            "started the supervisor (pid %d; restarts killed components after %g s)",
            pid,
            restart_after,
        )

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL) and forget its settings."""
        pid = self.pid()
        if pid is not None:
            started = self.settings()["started"]
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not wait_gone(lambda: process_start_time(pid) == started):
                os.kill(pid, signal.SIGKILL)
        self.file.unlink(missing_ok=True)
