"""The local platform's parts that need no stack: the records of what it
started, detached processes, and its supervisor started, steered and stopped
for real (on an empty stack, it has nothing to restart)."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from harness.platforms.detached import spawn, wait_gone
from harness.platforms.local import LocalPlatform
from harness.platforms.process_records import ProcessRecords, is_alive
from harness.platforms.process_tree import process_start_time
from harness.platforms.supervisor_control import DEFAULT_RESTART_AFTER, SupervisorControl
from harness.spec.errors import HarnessError

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_record_is_alive_while_its_pid_runs_what_it_recorded(tmp_path):
    records = ProcessRecords(tmp_path)
    pid, started = spawn(SLEEP, tmp_path / "logs" / "sleeper.log")
    assert started == process_start_time(pid) and (tmp_path / "logs" / "sleeper.log").exists()
    try:
        with records.locked():
            records.save({
                "sleeper": {"pid": pid, "started": started},
                "recycled": {"pid": pid, "started": started - 1},  # same pid, another process
            })
        assert list(records.alive()) == ["sleeper"] and records.dead() == ["recycled"]
    finally:
        os.killpg(pid, signal.SIGTERM)
    assert wait_gone(lambda: is_alive({"pid": pid, "started": started}))
    assert records.dead() == ["sleeper", "recycled"]


def test_an_unreadable_state_file_is_one_line_naming_it(tmp_path):
    records = ProcessRecords(tmp_path)
    records.file.write_text("{half")
    with pytest.raises(HarnessError, match="stack.json: unreadable state file"):
        records.read()


def test_the_supervisor_starts_takes_holds_and_stops(tmp_path):
    platform = LocalPlatform(root=tmp_path, restart_after=2.0)
    control = platform.supervisor
    assert control.settings() == {"restart_after": DEFAULT_RESTART_AFTER, "holds": []}
    assert control.pid() is None and platform.supervision() is None
    assert not platform.is_managed()
    control.start(platform.restart_after)
    try:
        pid = control.pid()
        assert pid is not None and platform.is_managed()
        assert platform.supervision() == f"supervisor pid {pid}: restarts a killed component after 2 s"
        control.hold("catalog")
        control.hold("auth")
        control.hold("catalog", held=False)
        assert control.settings()["holds"] == ["auth"]
        control.start(3.0)  # running: only told the new delay
        assert control.pid() == pid and control.settings()["restart_after"] == 3.0
        assert SupervisorControl(platform.records).pid() == pid  # from another shell alike
    finally:
        control.stop()
    assert control.pid() is None and not control.file.exists()
    assert process_start_time(pid) is None
