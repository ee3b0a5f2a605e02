"""The verdict when the load generator was saturated: SLOs judged on such
seconds are generator-bound, never pass or fail; the run exits 3 when that is
all that kept it from passing, 1 when anything failed on its own; the summary
says how many processes the load needed, and the live status line says so too."""

from __future__ import annotations

import pytest

from harness.generator.truth import GeneratorTruth
from harness.status_line import describe
from harness.summary import console_tables, generator_line
from harness.verdict import exit_code, judge
from tests.unit.test_verdict import fault, second, slo


def run(count: int, saturated: set[int], cpu: float = 0.5, lag: float = 0.01,
        warmup: int = 0, **kwargs) -> list:
    """Seconds measured by one process, saturated by its loop lag in `saturated`;
    the first `warmup` in phase warmup, the others in match."""
    data = [second(n, "warmup" if n < warmup else "match", **kwargs) for n in range(count)]
    for s in data:
        s.window.generator = GeneratorTruth.of_process(
            cpu, 0.4 if s.window.second in saturated else lag)
    return data


def test_an_slo_on_saturated_seconds_is_generator_bound_whatever_it_observed():
    for errors in (0, 50):  # it would pass, it would fail: neither says anything
        verdict = judge([slo("error_ratio.segment", "1%")], run(10, {3}, errors=errors), [],
                        "match")
        (row,) = verdict["slos"]
        assert row["result"] == "generator-bound" and row["generator_bound_seconds"] == 1
        assert verdict["demand"] == verdict["result"] == "generator-bound"
        assert exit_code(verdict) == 3
        assert "saturated in 1 of 10 s: 1 SLO(s) generator-bound" in verdict["headline"]


def test_a_failure_on_its_own_beside_a_generator_bound_row_exits_1():
    data = run(10, {8}, warmup=5, errors=50)  # the generator kept up in warmup
    verdict = judge([slo("error_ratio.segment", "1%", phase="warmup"),
                     slo("error_ratio.segment", "1%", phase="match")], data, [], "match")
    assert [r["result"] for r in verdict["slos"]] == ["fail", "generator-bound"]
    assert verdict["result"] == "fail" and exit_code(verdict) == 1


def test_seconds_outside_the_span_do_not_bind_it():
    data = run(20, {15})  # saturated inside the fault's window only
    verdict = judge([slo("error_ratio.segment", "1%")], data, [fault(injected=12.0,
                                                                     reverted=16.0)], "match")
    demand = [r for r in verdict["slos"] if r["judged_for"] == "demand"]
    assert [r["result"] for r in demand] == ["pass"]
    (f,) = verdict["faults"]
    assert f["result"] == "generator-bound" and "saturated in" in f["why"]
    assert verdict["result"] == "generator-bound" and exit_code(verdict) == 3


def test_a_fault_whose_recovery_window_was_saturated_is_generator_bound():
    data = run(30, {22})  # after the revert (20), inside the 5 s recovery budget
    verdict = judge([], data, [fault()], "match")
    assert verdict["faults"][0]["result"] == "generator-bound"


def test_strict_degraded_beside_generator_bound_is_a_failure_of_its_own():
    data = run(30, {2}, errors=0)
    for s in data[10:20]:  # the fault broke its SLO, then recovered within budget
        s.window.requests["segment"].failures = 50
    verdict = judge([], data, [fault(recovered=2.0, budget=5.0)], "match", strict=True)
    assert verdict["faults"][0]["result"] == "degraded"
    assert verdict["result"] == "generator-bound" and exit_code(verdict) == 1
    verdict["strict"] = False
    assert exit_code(verdict) == 3


def test_seconds_not_measured_are_judged_as_before():
    data = [second(n) for n in range(10)]  # an old run: no generator truth at all
    verdict = judge([slo("error_ratio.segment", "1%")], data, [], "match")
    assert verdict["result"] == "pass" and verdict["slos"][0]["generator_bound_seconds"] == 0


@pytest.mark.parametrize("cpu, processes, needed, says", [
    (1.7, 2, 2, "its CPU fits 2 process(es)"),
    (0.95, 1, 2, "needs at least 2 worker processes (peak 0.95 cores / 0.9 per process)"),
    (2.8, 2, 4, "run it with --workers 4"),
])
def test_the_console_says_how_many_processes_the_load_needed(cpu, processes, needed, says):
    truth = {"seconds_measured": 10, "seconds_saturated": 3, "processes": processes,
             "peak_cpu_cores": cpu, "busiest_process_cores": cpu / processes,
             "worst_lag_p99_s": 0.4, "processes_needed": needed, "cpu_bound_cores": 0.9,
             "lag_bound_s": 0.1}
    line = generator_line({"generator": truth})
    assert "SATURATED in 3 of 10 s" in line and says in line
    assert generator_line({"generator": None}).endswith("not measured (a run recorded before "
                                                        "generator truth)")
    assert generator_line({"generator": {**truth, "seconds_saturated": 0}}).startswith(
        "load generator: kept up")


def test_the_live_status_line_says_when_the_generator_is_saturated():
    calm, starved = run(2, {1})
    assert "SATURATED" not in describe(calm)
    assert describe(starved).endswith("LOAD GENERATOR SATURATED")
