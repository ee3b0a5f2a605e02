"""The verdict on hand-made time series: thresholds exactly met, empty
phases, faults that never revert, overlapping faults, missing and NaN
seconds, a broken SLO failing the run even when its fault recovered within
budget, and degraded: SLOs held, viewers noticed, back within budget."""

from __future__ import annotations

import math

import pytest

from harness.measure.metrics import PLAYER_GROUPS
from harness.runfolder.recorder import Second
from harness.judge.verdict import DEFAULT_DEMAND, exit_code, judge, span_of
from harness.measure.slo import Slo
from harness.measure.window import Window


def second(n: int, phase: str = "match", errors: int = 0, requests: int = 100,
           stalled_s: float = 0.0, played_s: float = 10.0, starts: int = 0,
           startup: float | None = None) -> Second:
    window = Window(n, playing=10, played_s=played_s, stalled_s=stalled_s, starts=starts)
    for index in range(requests):
        window.tally("segment").add(0.01, ok=index >= errors)
    if startup is not None:
        window.startup.add(startup)
    return Second(window, 1_700_000_000 + n, float(n), phase, 10, 10)


def seconds(count: int, **kwargs) -> list[Second]:
    return [second(n, **kwargs) for n in range(count)]


def fault(name: str = "f", injected: float | None = 10.0, reverted: float | None = 20.0,
          recovered: float | None = 2.0, budget: float = 5.0, healing: bool = False,
          until_end: bool = False, baseline: int = 10, impact: float | None = None) -> dict:
    return {"name": name, "injected_second": injected, "reverted_second": reverted,
            "lasts_until_end": until_end, "recovery_from": "inject" if healing else "revert",
            "recovered_after_s": recovered, "recovery_budget_s": budget,
            "baseline_seconds": baseline, "status": "reverted", "impact_detected_after_s": impact}


def slo(metric: str, bound: float | str, phase: str = "overall", op: str = "max") -> Slo:
    return Slo.read({"metric": metric, op: bound, "phase": phase})


def test_a_value_exactly_at_the_threshold_passes():
    data = seconds(10, errors=1)  # 1% of segment requests fail, every second
    verdict = judge([slo("error_ratio.segment", "1%")], data, [], "match")
    (row,) = verdict["slos"]
    assert row["observed"] == pytest.approx(0.01) and row["result"] == "pass"
    assert verdict["result"] == "pass" and exit_code(verdict) == 0
    verdict = judge([slo("error_ratio.segment", 0.0099)], data, [], "match")
    assert verdict["result"] == "fail" and exit_code(verdict) == 1


def test_min_thresholds_and_durations():
    data = seconds(5, starts=1, startup=2.0)
    verdict = judge([slo("average_bitrate_kbps", 1500, op="min"),
                     slo("startup_time_p95", "2500ms")], data, [], "match")
    results = [(r["metric"], r["result"]) for r in verdict["slos"]]
    # these windows played at 0 kbps: below the minimum
    assert results == [("average_bitrate_kbps", "fail"), ("startup_time_p95", "pass")]
    assert verdict["demand"] == "fail"


def test_an_empty_phase_is_no_data_and_fails():
    data = seconds(10, phase="pre-match")
    verdict = judge([slo("error_ratio", "5%", phase="first-half")], data, [], "pre-match")
    (row,) = verdict["slos"]
    assert (row["result"], row["observed"], row["seconds"]) == ("no data", None, 0)
    assert verdict["result"] == "fail"
    assert "no data" in verdict["headline"]


def test_demand_is_judged_on_seconds_no_fault_disturbed():
    data = seconds(40)
    data[15:20] = [second(n, errors=100) for n in range(15, 20)]  # all failing during the fault
    faults = [fault(injected=15.0, reverted=20.0, recovered=0.0, budget=5.0)]
    verdict = judge([slo("error_ratio", "1%")], data, faults, "match")
    demand = [r for r in verdict["slos"] if r["judged_for"] == "demand"]
    # 15..20 left out: the stack was back in its band at the revert
    assert demand[0]["result"] == "pass" and demand[0]["seconds"] == 35
    # the fault is judged on defaults (it has no SLO of its own): broken, though it
    # recovered in budget: a broken SLO, default or not, fails
    (judged,) = verdict["faults"]
    assert judged["result"] == "fail" and judged["why"] == "SLO broken: error_ratio.segment"
    assert verdict["result"] == "fail" and exit_code(verdict) == 1
    assert all(r["default"] for r in verdict["slos"] if r["judged_for"] == "f")
    # recovery not measured: the whole budget (20..25) counts as disturbed too
    unmeasured = judge([slo("error_ratio", "1%")], data, [fault(injected=15.0, reverted=20.0,
                                                              recovered=None, budget=5.0)],
                       "match")
    assert unmeasured["slos"][0]["seconds"] == 30


@pytest.mark.parametrize("recovered, budget, impact, result", [
    (5.0, 5.0, 1.0, "degraded"),  # noticed, back exactly at the budget: within it
    (5.0, 5.0, None, "pass"),  # nobody noticed it
    (5.1, 5.0, 1.0, "fail"),
    (None, 5.0, 1.0, "fail"),  # never back in the band
])
def test_degraded_is_noticed_but_held_and_back_within_budget(recovered, budget, impact, result):
    data = seconds(30)
    data[10:20] = [second(n, errors=5) for n in range(10, 20)]  # noticed, within the SLO's 10%
    faults = [fault(recovered=recovered, budget=budget, impact=impact)]
    verdict = judge([slo("error_ratio", "1%"), slo("error_ratio", "10%", phase="during:f")],
                    data, faults, "match")
    assert verdict["demand"] == "pass"
    assert verdict["faults"][0]["result"] == result
    assert verdict["result"] == result
    assert exit_code(verdict) == (1 if result == "fail" else 0)
    verdict["strict"] = True  # --strict: degraded exits 1 too
    assert exit_code(verdict) == (0 if result == "pass" else 1)
    if result == "degraded":
        assert "viewers noticed it after 1 s" in verdict["faults"][0]["why"]


def test_a_broken_slo_of_a_fault_that_recovered_within_budget_fails_the_run():
    data = seconds(30)
    data[10:20] = [second(n, errors=80) for n in range(10, 20)]  # 80% failing while it lasts
    faults = [fault(recovered=2.0, budget=5.0, impact=0.5)]
    verdict = judge([slo("error_ratio", "1%"), slo("error_ratio", "5%", phase="during:f")],
                    data, faults, "match")
    assert verdict["demand"] == "pass"
    (judged,) = verdict["faults"]
    assert judged["result"] == "fail" and judged["why"] == "SLO broken: error_ratio"
    assert verdict["result"] == "fail" and exit_code(verdict) == 1
    assert verdict["headline"].startswith("FAIL — error_ratio 80.00% (wanted <= 5.00%) in "
                                          "during:f (10s..20s of the run)")


def test_a_fault_whose_slos_hold_and_that_recovers_passes():
    faults = [fault(recovered=0.0)]
    verdict = judge([slo("error_ratio", "1%"), slo("error_ratio", "1%", phase="during:f"),
                     slo("error_ratio", "1%", phase="recovery:f")], seconds(30), faults, "match")
    assert verdict["faults"][0]["result"] == "pass" and verdict["result"] == "pass"
    spans = [r["seconds"] for r in verdict["slos"] if r["judged_for"] == "f"]
    assert spans == [10, 5]  # during [10, 20), recovery [20, 25)


def test_a_fault_that_never_reverts_is_judged_to_the_end_of_the_run():
    faults = [fault(injected=10.0, reverted=30.0, until_end=True, recovered=None)]
    data = seconds(30)
    verdict = judge([slo("error_ratio", "1%", phase="during:f")], data, faults, "match")
    (row,) = [r for r in verdict["slos"] if r["judged_for"] == "f"]
    assert row["seconds"] == 20 and row["result"] == "pass"
    assert verdict["faults"][0]["result"] == "fail"  # no recovery within its budget was seen
    assert "not back in its band" in verdict["faults"][0]["why"]


def test_a_self_healing_fault_recovers_from_its_injection():
    faults = [fault(injected=10.0, reverted=30.0, until_end=True, healing=True, recovered=3.0,
                    budget=10.0)]
    _, recovery = span_of("recovery:f", seconds(30), faults, "match")
    assert [s.window.second for s in recovery] == list(range(10, 20))
    assert judge([], seconds(30), faults, "match")["faults"][0]["result"] == "pass"
    # it is in effect until its budget ends, not to the end of the run (nothing reverts
    # a crash the supervisor restarts until the run is over): the demand after it counts
    _, during = span_of("during:f", seconds(30), faults, "match")
    assert [s.window.second for s in during] == list(range(10, 20))
    _, overall = span_of("overall", seconds(30), faults, "match")
    assert [s.window.second for s in overall] == list(range(10)) + list(range(20, 30))


def test_overlapping_faults_are_each_judged_on_their_own_window():
    data = seconds(60)
    data[20:30] = [second(n, errors=100) for n in range(20, 30)]  # only while b is on
    faults = [fault("a", injected=10.0, reverted=40.0, recovered=1.0, budget=5.0),
              fault("b", injected=20.0, reverted=30.0, recovered=12.0, budget=5.0)]
    verdict = judge([slo("error_ratio", "10%", phase="during:a"),
                     slo("error_ratio", "10%", phase="during:b")], data, faults, "match")
    (row_a,) = [r for r in verdict["slos"] if r["judged_for"] == "a"]
    assert row_a["observed"] == pytest.approx(10 / 30)  # a's window holds b's errors too
    results = {f["name"]: f["result"] for f in verdict["faults"]}
    assert results == {"a": "fail", "b": "fail"}  # each broke its SLO: a on b's errors too
    assert verdict["faults"][1]["why"] == "SLO broken: error_ratio"


def test_missing_and_nan_seconds():
    data = [second(n) for n in range(10) if n not in (3, 4, 5)]  # three seconds never recorded
    verdict = judge([slo("error_ratio", "1%")], data, [], "match")
    assert verdict["slos"][0]["seconds"] == 7 and verdict["result"] == "pass"
    nan = second(0)
    nan.window.played_s = math.nan  # a corrupt window: rebuffering cannot be computed
    verdict = judge([slo("rebuffering_ratio", "1%")], [nan], [], "match")
    assert verdict["slos"][0]["result"] == "no data"


def test_defaults_apply_when_a_scenario_gives_no_slos():
    verdict = judge([], seconds(10, starts=1, startup=1.0), [], "match", groups=PLAYER_GROUPS)
    assert [r["metric"] for r in verdict["slos"]] == [o.metric for o in DEFAULT_DEMAND]
    assert all(r["default"] for r in verdict["slos"])


def test_a_default_naming_a_group_applies_only_to_a_run_with_that_group():
    data = seconds(10, starts=1, startup=1.0)  # segment requests only
    by_data = judge([], data, [fault()], "match")  # the groups are the data's: no playlist
    named = {r["metric"] for r in by_data["slos"]}
    assert "error_ratio.segment" in named and "latency_p99.playlist" not in named
    assert {o.metric for o in DEFAULT_DEMAND} - named == {"latency_p99.playlist"}
    declared = judge([], data, [fault()], "match", groups=("login", *PLAYER_GROUPS))
    playlist = [r for r in declared["slos"] if r["metric"] == "latency_p99.playlist"]
    assert [r["result"] for r in playlist] == ["no data"]  # declared, never requested


def test_an_slo_on_a_group_requested_in_no_second_is_no_data():
    verdict = judge([slo("error_ratio.login", "1%"), slo("requests_per_second.login", 1,
                                                         op="min")],
                    seconds(10), [], "match", groups=("login", *PLAYER_GROUPS))
    assert [(r["observed"], r["result"]) for r in verdict["slos"]] == [(None, "no data"),
                                                                        (0.0, "fail")]


def test_a_fault_never_injected_fails_and_an_incomplete_run_fails():
    faults = [fault(injected=None, reverted=None, recovered=None)]
    verdict = judge([], seconds(10), faults, "match")
    assert verdict["faults"][0]["result"] == "fail"
    assert "never injected" in verdict["faults"][0]["why"]
    halted = judge([slo("error_ratio", "1%")], seconds(10), [], "match",
                   outcome="halted: error_ratio above 50% for 30 s")
    assert halted["result"] == "fail" and "did not complete" in halted["headline"]


def test_starts_refused_with_a_4xx_lead_the_headline_before_what_followed_from_them():
    data = seconds(10)
    for s in data[2:]:
        s.window.attempts = s.window.start_failures = 3
        s.window.start_failure_reasons = {"journey step 'token': HTTP 401": 2, "player": 1}
    verdict = judge([slo("startup_time_p95", "4s"), slo("video_start_failure_ratio", "1%")],
                    data, [], "match")
    assert verdict["headline"].startswith(
        "FAIL — 16 start(s) failed on a 4xx answer: journey step 'token': HTTP 401 x16; "
        "video_start_failure_ratio 100.00% (wanted <= 1.00%) in overall; "
        "startup_time_p95 no data"), verdict["headline"]
    # a 5xx is the platform's answer under load, judged by the SLOs alone
    for s in data[2:]:
        s.window.start_failure_reasons = {"journey step 'token': HTTP 503": 3}
    verdict = judge([slo("video_start_failure_ratio", "1%")], data, [], "match")
    assert verdict["headline"].startswith("FAIL — video_start_failure_ratio 100.00%")
