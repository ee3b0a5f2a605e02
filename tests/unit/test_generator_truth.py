"""Generator truth on a real process: a busy loop reads as CPU, a call that
blocks the event loop reads as loop lag, a stall still going on when the
second closes is counted in it, the machine's figures are what /proc/stat
says; and the per-second record merges across processes and reads back from
JSON, old windows without it as "not measured", older ones without the
machine's figures as machine "not read"."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import gevent
import pytest
from gevent import monkey

from harness.measure.machine import MachineMeter, MachineSecond
from harness.measure.saturation import run_summary
from harness.measure.truth import (CPU_BOUND, LAG_BOUND_S, GeneratorTruth, Monitor, merged,
                                     p99)
from harness.load.collector import Collector
from harness.measure.window import Window

blocking_sleep = monkey.get_original("time", "sleep")  # the loop cannot run meanwhile


def os_cpu() -> float:
    """The CPU this process used, as the kernel's 10 ms ticks count it."""
    times = os.times()
    return times.user + times.system


def burn(seconds: float) -> None:
    """Keep one core busy hashing, without yielding to the event loop, until the
    process has spent `seconds` of CPU (on a shared machine that takes longer)."""
    end = time.process_time() + seconds
    digest = b"kickoff"
    while time.process_time() < end:
        digest = hashlib.sha256(digest).digest()


@pytest.fixture
def monitor():
    monitor = Monitor()
    monitor.start()
    gevent.sleep(0.1)
    monitor.read()  # measure from here
    yield monitor
    monitor.stop()


def test_a_busy_loop_reads_as_cpu_the_kernel_counted(monitor):
    started, cpu_before = time.monotonic(), os_cpu()
    burn(1.0)
    truth = monitor.read()
    kernel_cores = (os_cpu() - cpu_before) / (time.monotonic() - started)
    assert truth.cpu_cores == pytest.approx(kernel_cores, abs=0.05)
    # A core, less what the machine's other work took from it (5 people share 2 cores here).
    assert truth.cpu_cores > 0.25
    assert truth.processes == 1 and truth.cpu_max_cores == truth.cpu_cores
    assert truth.over_bounds == int(truth.cpu_cores >= CPU_BOUND or truth.lag_p99_s > LAG_BOUND_S)


def test_a_blocking_call_in_a_greenlet_reads_as_loop_lag_not_cpu(monitor):
    gevent.spawn(blocking_sleep, 0.4).join()
    gevent.sleep(0.2)  # the probe wakes, late, and is counted
    truth = monitor.read()
    assert 0.3 < truth.lag_p99_s < 1.0
    assert truth.cpu_cores < CPU_BOUND
    assert truth.over_bounds == 1


def test_an_idle_process_keeps_up(monitor):
    gevent.sleep(1.0)
    truth = monitor.read()
    assert truth.cpu_cores < 0.1 and truth.lag_p99_s < LAG_BOUND_S
    assert truth.over_bounds == 0
    assert 0.0 <= truth.machine_idle_share <= 1.0 and 0.0 <= truth.machine_steal_share <= 1.0
    assert truth.run_queue >= 1 and truth.cpus == os.cpu_count()  # the reader runs itself


def test_a_stall_going_on_at_the_read_counts_in_the_seconds_it_held_up_only(monitor):
    blocking_sleep(0.4)  # the loop is still held when the second closes
    stalled = monitor.read()
    assert monitor.read() == stalled  # a second closed right after, catching up, shares it
    gevent.sleep(0.5)
    after = monitor.read()
    assert stalled.lag_p99_s > 0.3 and stalled.over_bounds == 1
    assert after.lag_p99_s < LAG_BOUND_S and after.over_bounds == 0


def test_the_bounds():
    assert GeneratorTruth.of_process(CPU_BOUND, 0.0).over_bounds == 1
    assert GeneratorTruth.of_process(CPU_BOUND - 0.01, LAG_BOUND_S).over_bounds == 0
    assert GeneratorTruth.of_process(0.1, LAG_BOUND_S + 0.001).over_bounds == 1
    assert p99([]) == 0.0 and p99([0.5, 0.01, 0.02]) == 0.5
    assert p99([i / 1000 for i in range(1, 201)]) == 0.198  # nearest rank 198 of 200


def test_processes_merge_by_adding_counts_and_keeping_the_worst():
    total = merged([GeneratorTruth.of_process(0.95, 0.02, 0.40, 0.0, 2, 2), None,
                    GeneratorTruth.of_process(0.30, 0.25, 0.05, 0.12, 5, 4),
                    GeneratorTruth.of_process(0.4, 0.01)])  # the machine not read
    assert total == GeneratorTruth(processes=3, over_bounds=2, cpu_cores=pytest.approx(1.65),
                                   cpu_max_cores=0.95, lag_p99_s=0.25, machine_idle_share=0.05,
                                   machine_steal_share=0.12, run_queue=5, cpus=2)
    assert merged([None, None]) is None


def test_windows_carry_the_truth_through_merge_and_json():
    a, b = Window(4, attempts=1), Window(4, attempts=2)
    a.generator = GeneratorTruth.of_process(0.5, 0.01)
    b.generator = GeneratorTruth.of_process(0.92, 0.03)
    unmeasured = Window(4)
    total = Window(4)
    for window in (unmeasured, a, b):
        total.merge(Window.from_json(window.to_json()))
    assert total.generator == GeneratorTruth(2, 1, pytest.approx(1.42), 0.92, 0.03)
    assert total.generator.machine_idle_share is None  # not read by either
    assert a.generator.processes == 1  # merging copied, never shared
    assert Window.from_json(total.to_json()) == total


def test_a_window_from_before_the_machine_was_read_still_loads():
    old = {"processes": 1, "saturated": 1, "cpu_cores": 0.2, "cpu_max_cores": 0.2,
           "lag_p99_s": 0.3}  # as runs wrote it then: "saturated" for over the bounds
    truth = Window.from_json({**Window(0).to_json(), "generator": old}).generator
    assert truth == GeneratorTruth(1, 1, 0.2, 0.2, 0.3)
    assert (truth.machine_idle_share, truth.run_queue, truth.cpus) == (None, None, None)


def test_an_old_window_without_it_reads_as_not_measured():
    old = Window(3, attempts=2).to_json()
    del old["generator"]
    assert Window.from_json(old).generator is None
    assert Window.from_json({**old, "generator": None}).generator is None


@pytest.mark.parametrize("generator, problem", [
    ({"processes": 1, "over_bounds": 2, "cpu_cores": 0.1, "cpu_max_cores": 0.1,
      "lag_p99_s": 0}, "window.generator.over_bounds: 2 is more than its 1 processes"),
    ({"processes": 1, "over_bounds": 0, "cpu_cores": -1, "cpu_max_cores": 0.1, "lag_p99_s": 0},
     "window.generator.cpu_cores"),
    ({"processes": 1, "over_bounds": 0, "cpu_cores": 0.1}, "window.generator: wants"),
    ({"processes": 1, "over_bounds": 0, "cpu_cores": 0.1, "cpu_max_cores": 0.1,
      "lag_p99_s": 0, "machine_idle_share": 1.5}, "window.generator.machine_idle_share"),
    ({"processes": 1, "over_bounds": 0, "cpu_cores": 0.1, "cpu_max_cores": 0.1,
      "lag_p99_s": 0, "run_queue": 2, "weather": 1}, "window.generator: wants"),
    ([1, 2], "window.generator"),
])
def test_a_damaged_truth_is_refused_by_field(generator, problem):
    data = {**Window(0).to_json(), "generator": generator}
    with pytest.raises(ValueError, match=problem):
        Window.from_json(data)


def test_every_window_a_collector_closes_says_how_its_process_did():
    collector = Collector()
    try:
        gevent.sleep(0.3)
        first = collector.close(0, time.monotonic())
        burn(0.3)
        second = collector.close(1, time.monotonic())
    finally:
        collector.stop()
    assert first.generator.processes == 1 and first.generator.cpu_cores < 0.2
    # 0.3 s of CPU in the second window: at least 0.1 cores even if others took two thirds
    assert second.generator.cpu_cores > first.generator.cpu_cores + 0.1


def test_the_machine_reads_what_proc_stat_says(tmp_path):
    stat = tmp_path / "stat"

    def write(user: int, idle: int, iowait: int, steal: int, running: int) -> None:
        stat.write_text(f"cpu  {user} 0 0 {idle} {iowait} 0 0 {steal} 0 0\n"
                        f"cpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2\nprocs_running {running}\n")

    write(100, 800, 50, 0, 1)
    meter = MachineMeter(stat)
    write(160, 820, 60, 10, 5)  # of 100 jiffies: 60 user, 20 idle, 10 iowait, 10 stolen
    assert meter.read() == MachineSecond(0.3, 0.1, 5, os.cpu_count())
    stat.unlink()  # not Linux, or not readable: not measured, never an error
    assert meter.read() == MachineSecond(None, None, None, os.cpu_count())


def test_a_cpu_hog_beside_it_reads_as_a_core_less_idle():
    meter = MachineMeter()
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        meter.read()  # from here, the hog runs the whole time
        time.sleep(0.7)
        busy = meter.read()
    finally:
        hog.kill()
        hog.wait()
    cores = os.cpu_count()
    # One core of `cores` went to the hog (less what others on the machine took from it).
    assert busy.idle_share <= 1 - 0.8 / cores
    assert busy.run_queue >= 2  # the hog and the reader
    assert Path("/proc/stat").is_file()


def test_a_run_summary_counts_saturated_seconds_and_the_processes_the_peak_needs():
    truths = list(enumerate([None, GeneratorTruth(2, 0, 0.8, 0.45, 0.02),
                             GeneratorTruth(2, 1, 1.85, 0.95, 0.03)]))
    summary = run_summary(truths)
    assert summary == {"seconds_measured": 2, "seconds_over_bounds": 1, "seconds_saturated": 0,
                       "stalls": 1, "largest_stall_s": 0.03, "processes": 2,
                       "peak_cpu_cores": 1.85, "busiest_process_cores": 0.95,
                       "worst_lag_p99_s": 0.03, "processes_needed": 3,  # 1.85 / 0.9, rounded up
                       "cpu_bound_cores": CPU_BOUND, "lag_bound_s": LAG_BOUND_S,
                       "sustained_s": 3, "share": 0.25,
                       "cause": {"cause": "processes", "seconds": 1,
                                 "busiest_process_cores": 0.95, "machine_idle_share": None,
                                 "machine_steal_share": None, "run_queue": None, "cpus": None}}
    assert run_summary([(0, GeneratorTruth(1, 0, 0.5, 0.5, 0.01))])["processes_needed"] == 1
    assert run_summary([(0, GeneratorTruth(1, 0, 0.5, 0.5, 0.01))])["cause"] is None
    assert run_summary([(0, None)]) is None
