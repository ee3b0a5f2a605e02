"""A local component's signal reaches its whole process tree: its group, and
descendants that started a session of their own (as PostgreSQL's backends do)."""

import contextlib
import os
import signal
import subprocess
import time

from harness.platforms.process_tree import descendants, process_start_time, signal_tree

SETTLE_SECONDS = 5.0


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    return text[text.rindex(")") + 2]


def _wait(check, what: str) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_a_signal_reaches_the_group_and_its_strays_and_nothing_else():
    # A leader in a session of its own, one child in its group, one that left it.
    leader = subprocess.Popen(["sh", "-c", "sleep 30 & setsid sleep 30 & wait"],
                              start_new_session=True)
    bystander = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        _wait(lambda: len(descendants(leader.pid)) == 2, "the leader's children did not start")
        tree = descendants(leader.pid)
        assert {os.getpgid(pid) == leader.pid for pid in tree} == {True, False}
        everyone = [leader.pid, *tree]
        signal_tree(leader.pid, signal.SIGSTOP)  # delivered when each is next scheduled
        _wait(lambda: {_state(pid) for pid in everyone} == {"T"}, "not all stopped")
        signal_tree(leader.pid, signal.SIGCONT)
        _wait(lambda: "T" not in {_state(pid) for pid in everyone}, "not all continued")
        signal_tree(leader.pid, signal.SIGKILL)
        leader.wait(timeout=SETTLE_SECONDS)
        _wait(lambda: all(process_start_time(pid) != started for pid, started in tree.items()),
              "a process of the tree outlived SIGKILL")
        assert process_start_time(bystander.pid) is not None
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left, on a failure
            signal_tree(leader.pid, signal.SIGKILL)
        for process in (leader, bystander):
            process.kill()
            process.wait()
