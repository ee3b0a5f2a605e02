"""A master and real `harness worker` processes on Locust's transport, no
stack needed (the audience is empty): the plan reaches the workers, their
windows of each second are merged, and a worker killed with SIGKILL is
waited for at most the grace, then reported lost once Locust marks it
missing, while the run goes on."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil

import pytest

from harness.spec.errors import InfrastructureMissing
from harness.generator import audience
from harness.generator.address import Address
from harness.generator.master import GRACE, MasterSource
from harness.generator.plan import plan_of
from harness.generator.spawn import LocalWorkers, free_port
from harness.load.collector import Collector
from harness.platforms.hosts import LOOPBACK
from harness.scenario import loads

EMPTY = """\
name: empty
description: workers with nobody to run
timeline: {start: 0s, end: 30s}
audience:
  viewers: [{at: 0s, viewers: 0}]
  stream: http://127.0.0.1:9/live.m3u8
"""


def master(tmp_path, workers: int, processes: int | None = None) -> MasterSource:
    """A master for `workers` workers, and `processes` (default as many) started."""
    scenario = loads(EMPTY, tmp_path / "empty.yaml")
    collector = Collector()
    env = audience.environment(scenario, None, None, collector,
                               audience.shape(scenario, scenario.wall_duration))
    bind = Address(LOOPBACK, free_port())
    source = MasterSource(env, collector, plan_of(scenario, None, None, None, workers), bind)
    source.workers = LocalWorkers(processes or workers, bind)
    return source


def test_windows_merge_and_a_killed_worker_is_lost_not_fatal(tmp_path):
    source = master(tmp_path, 2)
    try:
        source.wait_for_workers(60)
        zero = source.start()
        for second in range(2):
            measured = source.window(second)
            assert measured.window.second == second and measured.notes == []
            assert time.perf_counter() - zero < second + 1 + GRACE
        source.workers.processes[0].send_signal(signal.SIGKILL)
        notes, second = [], 2
        while not any(n.kind == "worker_lost" for n in notes) and second < 12:
            measured = source.window(second)
            # never more than the grace past the second's end, whoever is missing
            assert time.perf_counter() - zero < second + 1 + GRACE + 0.5
            notes += measured.notes
            second += 1
        lost = [n for n in notes if n.kind == "worker_lost"]
        assert len(lost) == 1 and lost[0].fields["viewers"] == 0
        assert lost[0].fields["why"] == "no heartbeat"
        assert {n.fields["worker"] for n in notes} == {lost[0].fields["worker"]}
        assert all(n.kind in ("window_missing", "worker_lost") for n in notes)
        # the other worker goes on, and is no longer kept waiting for the lost one
        started = time.perf_counter()
        measured = source.window(second)
        assert measured.notes == [] and time.perf_counter() - started < GRACE
    finally:
        source.stop()
    survivor = source.workers.processes[1]
    assert survivor.returncode == 0  # it left on the master's quit


def test_a_run_that_lost_every_worker_ends(tmp_path):
    source = master(tmp_path, 1)
    try:
        source.wait_for_workers(60)
        source.start()
        source.workers.processes[0].send_signal(signal.SIGKILL)
        notes = []
        with pytest.raises(InfrastructureMissing, match="every worker of the run was lost"):
            for second in range(12):
                notes += source.window(second).notes
        assert [n.kind for n in notes if n.kind == "worker_lost"] == ["worker_lost"]
    finally:
        source.stop()


KILLED_MASTER = """import time
from harness.generator.address import Address
from harness.generator.spawn import LocalWorkers, free_port
workers = LocalWorkers(2, Address("127.0.0.1", free_port()))
print(" ".join(str(p.pid) for p in workers.processes), flush=True)
time.sleep(60)
"""


def test_local_workers_do_not_outlive_a_killed_master():
    master_process = subprocess.Popen([sys.executable, "-c", KILLED_MASTER],
                                      stdout=subprocess.PIPE, text=True)
    pids = [int(pid) for pid in master_process.stdout.readline().split()]
    assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
    master_process.kill()
    master_process.wait()
    gone, alive = psutil.wait_procs([psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)],
                                    timeout=10)
    assert alive == []


def test_workers_that_do_not_come_end_the_wait_with_exit_3(tmp_path):
    scenario = loads(EMPTY, tmp_path / "empty.yaml")
    collector = Collector()
    env = audience.environment(scenario, None, None, collector)
    source = MasterSource(env, collector, plan_of(scenario, None, None, None, 2),
                          Address(LOOPBACK, free_port()))
    started = time.monotonic()
    try:
        with pytest.raises(InfrastructureMissing, match="0 of 2 workers joined within 1s"):
            source.wait_for_workers(1.0)
    finally:
        source.stop()
    assert time.monotonic() - started < 5


def test_a_worker_beyond_the_runs_count_is_sent_away(tmp_path):
    source = master(tmp_path, 1, processes=2)
    try:
        source.wait_for_workers(60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and all(p.poll() is None
                                                   for p in source.workers.processes):
            time.sleep(0.2)
        codes = sorted(p.poll() for p in source.workers.processes if p.poll() is not None)
        assert codes == [3]  # one was sent away (its numbers would collide), one stays
    finally:
        source.stop()
