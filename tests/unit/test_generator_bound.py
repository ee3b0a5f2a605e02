"""The verdict when the load generator struggled, on hand-made seconds: an
isolated stall keeps a pass and keeps a fail, also a pass whose only data
lies around the stall (a stall only makes figures look worse); a stall that
could turn a fail into a pass (slow starts measured across it, errors only in
its seconds) reads generator-bound, one that only touched a few of the
figure's samples does not; three seconds in a row over the
bounds are saturated and dropped, two are stalls; over the bounds in more
than a quarter of a span saturates it; a span more than half saturated is
generator-bound; a fault's recovery window matters only when it did not
recover within budget. The console says which it was (busy CPUs, blocking
work, too few processes) and the live status line what it knows so far."""

from __future__ import annotations

import pytest

from harness.measure.saturation import SATURATED, STALL, Streak, in_span, marks, run_summary
from harness.measure.truth import GeneratorTruth
from harness.measure.histogram import Histogram
from harness.run.status_line import StatusLine, describe
from harness.judge.summary import generator_line
from harness.judge.verdict import exit_code, judge
from tests.unit.test_verdict import fault, second, slo

LAG = 0.4  # a stall's size: the loop held up 0.4 s


def run(count: int, over: set[int], cpu: float = 0.3, warmup: int = 0, **kwargs) -> list:
    """Seconds measured by one process, over the bounds (by loop lag LAG) in `over`;
    the first `warmup` in phase warmup, the others in match."""
    data = [second(n, "warmup" if n < warmup else "match", **kwargs) for n in range(count)]
    for s in data:
        s.window.generator = GeneratorTruth.of_process(
            cpu, LAG if s.window.second in over else 0.01, 0.6, 0.0, 1, 2)
    return data


def test_an_isolated_stall_keeps_a_pass_and_keeps_a_fail():
    for errors, result in ((0, "pass"), (50, "fail")):
        verdict = judge([slo("error_ratio.segment", "1%")], run(10, {3}, errors=errors), [],
                        "match")
        (row,) = verdict["slos"]
        assert row["result"] == result and row["generator_why"] is None
        assert (row["stall_seconds"], row["saturated_seconds"], row["stall_s"]) == (1, 0, LAG)
        assert row["clean"] == pytest.approx(errors / 100)  # judged without seconds 3 and 4 too
        assert verdict["result"] == result and exit_code(verdict) == (result == "fail")
        assert "generator" not in verdict["headline"]


def test_a_stall_that_widens_a_time_figure_across_its_threshold_is_generator_bound():
    data = run(10, {5}, starts=1, startup=1.0)
    for s in data[5:7]:  # the slow starts were measured across the stall: its second and the next
        s.window.startup = Histogram()
        s.window.startup.add(4.2)
    (row,) = judge([slo("startup_time_p95", "4s")], data, [], "match")["slos"]
    # 4.2 s as observed fails; those starts less the 0.4 s stall pass: the stall could have done it
    assert row["observed"] == pytest.approx(4.2, rel=0.05)
    assert row["clean"] == pytest.approx(4.2 - LAG, rel=0.05)
    assert row["result"] == "generator-bound"
    assert row["generator_why"] == "fail as observed, pass without its stalls (up to 0.40 s)"


def test_a_stall_widens_only_what_was_measured_across_it():
    data = run(10, {5}, starts=1, startup=4.2)  # slow starts in every second, not only there
    (row,) = judge([slo("startup_time_p95", "4s")], data, [], "match")["slos"]
    # Only the starts of seconds 5 and 6 are shortened: the p95 of the ten is still 4.2 s.
    assert row["clean"] == pytest.approx(4.2, rel=0.05) and row["result"] == "fail"
    assert Histogram({0: 3}).shortened(0.5).percentile(1.0) == pytest.approx(0.5, rel=0.03)
    assert Histogram({0: 3}).shortened(2.0).count == 3  # no shorter than the floor, none lost


def test_a_pass_stands_whatever_a_stall_did():
    data = run(4, {0})  # a short run: every start in its first second, which stalled
    data[0].window.attempts = data[0].window.starts = 6
    (row,) = judge([slo("video_start_failure_ratio", "1%")], data, [], "match")["slos"]
    assert (row["observed"], row["result"]) == (0.0, "pass")  # no data without it: a stall
    # cannot have hidden a failure
    data = run(10, {4}, errors=1)  # 1% errors everywhere but around the stall
    for s in data[4:6]:
        s.window.requests["segment"].failures = 0
    (row,) = judge([slo("error_ratio.segment", "0.9%")], data, [], "match")["slos"]
    assert row["observed"] == pytest.approx(0.008) and row["clean"] == pytest.approx(0.01)
    assert row["result"] == "pass"  # leaving out the stall's good seconds never binds a pass


def test_errors_only_around_a_stall_are_generator_bound():
    data = run(20, {8})
    for s in data[8:10]:  # the stall's second and the next: what timed out in it
        s.window.requests["segment"].failures = 20
    verdict = judge([slo("error_ratio.segment", "1%")], data, [], "match")
    (row,) = verdict["slos"]
    assert row["observed"] == pytest.approx(0.02) and row["clean"] == 0.0
    assert row["result"] == "generator-bound" and verdict["result"] == "generator-bound"
    assert exit_code(verdict) == 3
    assert verdict["headline"].startswith(
        "GENERATOR-BOUND — the load generator (1 stall(s) up to 0.40 s) could have changed the "
        "verdict of 1 SLO(s): generator-bound, not judged on the stack")


def test_three_seconds_in_a_row_are_saturated_two_are_stalls():
    found = marks((s.window.second, s.window.generator) for s in run(30, {4, 5, 10, 11, 12, 20}))
    assert found.sustained == {10, 11, 12}
    assert [found.of(n) for n in (4, 5, 10, 12, 20, 21)] == [STALL, STALL, SATURATED, SATURATED,
                                                            STALL, None]
    data = run(30, {10, 11, 12}, errors=0)
    (row,) = judge([slo("error_ratio.segment", "1%")], data, [], "match")["slos"]
    assert (row["saturated_seconds"], row["stall_seconds"], row["result"]) == (3, 0, "pass")


def test_over_the_bounds_in_more_than_a_quarter_of_a_span_saturates_it():
    over = {1, 3, 5, 7}  # never two in a row, but 4 of 10 seconds
    found = marks((s.window.second, s.window.generator) for s in run(10, over))
    assert found.sustained == frozenset()
    assert in_span(found, range(10)).saturated == over
    assert in_span(found, range(10)).stalls == {}
    assert in_span(found, range(4, 10)).saturated == {5, 7}  # 2 of 6: a third
    assert in_span(found, range(6, 10)).stalls == {7: LAG}  # one alone is always a stall
    longer = marks((s.window.second, s.window.generator) for s in run(20, over))
    assert in_span(longer, range(5, 20)).stalls == {5: LAG, 7: LAG}  # 2 of 15: stalls
    assert not in_span(marks([(0, None)]), [0])


def test_a_span_more_than_half_saturated_is_generator_bound():
    data = run(10, {2, 3, 4, 5, 6, 7})  # 6 of 10 s: the load was mostly not there
    verdict = judge([slo("error_ratio.segment", "1%")], data, [], "match")
    (row,) = verdict["slos"]
    assert row["result"] == "generator-bound" and row["generator_why"] == \
        "saturated in 6 of its 10 s"
    assert "saturated in 6 of 10 s" in verdict["headline"]
    half = run(10, {2, 3, 4, 5, 6})  # exactly half: judged on the other half
    assert judge([slo("error_ratio.segment", "1%")], half, [], "match")["result"] == "pass"


def test_a_failure_on_its_own_beside_a_generator_bound_row_exits_1():
    data = run(10, set(range(5, 10)), warmup=5, errors=50)  # the generator kept up in warmup
    verdict = judge([slo("error_ratio.segment", "1%", phase="warmup"),
                     slo("error_ratio.segment", "1%", phase="match")], data, [], "match")
    assert [r["result"] for r in verdict["slos"]] == ["fail", "generator-bound"]
    assert verdict["result"] == "fail" and exit_code(verdict) == 1


def test_a_fault_is_generator_bound_only_when_the_generator_could_change_its_result():
    demand = [slo("error_ratio.segment", "1%")]
    data = run(30, {15})  # one stall inside the fault's window: its rows hold either way
    verdict = judge(demand, data, [fault(injected=12.0, reverted=16.0)], "match")
    assert verdict["faults"][0]["result"] == "pass" and verdict["result"] == "pass"
    saturated = run(30, {21, 22, 23})  # in the recovery window (20..25), recovered after 2 s
    assert judge([], saturated, [fault()], "match")["faults"][0]["result"] == "pass"
    never = judge([], saturated, [fault(recovered=None)], "match")
    assert never["faults"][0]["result"] == "generator-bound"
    assert "saturated in 3 s of its recovery window" in never["faults"][0]["why"]
    assert judge([], run(30, set()), [fault(recovered=None)], "match")["faults"][0]["result"] \
        == "fail"


def test_strict_degraded_beside_generator_bound_is_a_failure_of_its_own():
    data = run(30, set(range(0, 6)), warmup=8)  # 6 of the 8 warmup seconds saturated
    verdict = judge([slo("error_ratio.segment", "1%", phase="warmup")], data,
                    [fault(recovered=2.0, budget=5.0, impact=1.0)], "match", strict=True)
    assert verdict["demand"] == "generator-bound" and verdict["faults"][0]["result"] == \
        "degraded"
    assert verdict["result"] == "generator-bound" and exit_code(verdict) == 1
    verdict["strict"] = False
    assert exit_code(verdict) == 3


def test_seconds_not_measured_are_judged_as_before():
    data = [second(n) for n in range(10)]  # an old run: no generator truth at all
    verdict = judge([slo("error_ratio.segment", "1%")], data, [], "match")
    row = verdict["slos"][0]
    assert verdict["result"] == "pass" and row["saturated_seconds"] == row["stall_seconds"] == 0


def _summary(over: set[int], cpu: float, idle: float, queue: int, processes: int = 1) -> dict:
    truths = [(n, GeneratorTruth(processes, int(n in over), cpu, cpu / processes,
                                 LAG if n in over else 0.01, idle, 0.0, queue, 2))
              for n in range(10)]
    return {"generator": run_summary(truths)}


@pytest.mark.parametrize("cpu, idle, queue, says", [
    (0.4, 0.03, 5, "the machine's CPUs were busy (idle 3%, run queue 5 on 2 cores, steal 0%)"),
    (0.4, 0.60, 1, "work blocking the process's loop (a journey step, a slow disk): the machine "
                   "had idle CPU (idle 60%, run queue 1 on 2 cores, steal 0%)"),
    (0.4, 0.60, 3, "the machine's CPUs were busy"),  # more runnable than cores
    (0.95, 0.40, 2, "too few processes: the busiest used 0.95 cores of its one: run it with "
                    "--workers 2"),
])
def test_the_console_says_which_it_was(cpu, idle, queue, says):
    line = generator_line(_summary({4, 5, 6}, cpu, idle, queue))
    assert line.startswith("load generator: SATURATED in 3 of 10 s")
    assert line.endswith(says) or says in line


def test_the_console_tells_stalls_from_saturation_and_old_runs_from_new():
    line = generator_line(_summary({4}, 0.3, 0.6, 1))
    assert line.startswith("load generator: kept up, stalled 1 time(s), up to 0.400 s")
    assert generator_line({"generator": None}).endswith("not measured (a run recorded before "
                                                        "generator truth)")
    assert generator_line(_summary(set(), 0.3, 0.6, 1)).startswith("load generator: kept up (")
    old = {**_summary({4, 5, 6}, 0.4, 0.6, 1)["generator"]}
    old["cause"] = {**old["cause"], "cause": "unknown", "machine_idle_share": None}
    assert generator_line({"generator": old}).endswith(
        "work blocking the process's loop, or busy CPUs: this run did not read the machine's "
        "figures")


def test_the_live_status_line_says_a_stall_then_saturated_as_a_row_grows(tmp_path):
    streak = Streak()
    data = run(6, {1, 3, 4, 5})
    marked = [streak.add(s.window.generator) for s in data]
    assert marked == [None, STALL, None, STALL, STALL, SATURATED]
    assert describe(data[1], STALL).endswith("generator stalled 0.40 s")
    assert describe(data[5], SATURATED).endswith("LOAD GENERATOR SATURATED")
    assert "generator" not in describe(data[0])
    with open(tmp_path / "log", "w") as stream:  # not a terminal: plain lines
        line = StatusLine(stream)
        for s in data:
            line.show(s)
    printed = (tmp_path / "log").read_text().splitlines()
    # Every 5th second, and every second the generator struggled in.
    assert len(printed) == 5 and printed[-1].endswith("LOAD GENERATOR SATURATED")
