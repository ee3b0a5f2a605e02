"""Attribution of an experiment's breaches to the fault or to load, on
hand-made recorded seconds: a breach the control has too is load, one only
the experiment has is the fault's, a much worse one on top of a control that
breaks is both, one the control cannot judge (no data, a load generator
whose shortfall could have changed whether the control breaks it) unknown,
one a single stall of the control's generator could not change judged as usual; during:/recovery: rows are judged on the control's seconds
of the fault's own span; the controls' seconds kept in the experiment's folder
read back as recorded, and a damaged line is named."""

from __future__ import annotations

import json

import pytest
from junitparser import JUnitXml

from harness.spec.errors import InvalidInput
from harness.measure.truth import GeneratorTruth
from harness.judge.attribution import (BOTH, FAULT, LOAD, UNKNOWN, attribute, mark,
                                             read_controls, store_controls)
from harness.runfolder.recorder import WINDOWS
from harness.report.junit import render_junit
from harness.judge.summary import attribution_table
from harness.judge.verdict import judge
from harness.measure.slo import Slo
from tests.unit.test_verdict import fault, second, seconds, slo

RUSH = fault("cut-auth", injected=10.0, reverted=20.0, recovered=1.0, budget=5.0)


def _experiment(slos: list[Slo], data, faults=(RUSH,)) -> dict:
    return judge(slos, data, list(faults), "match")


def _attributed(slos, experiment, controls, faults=(RUSH,)) -> list[dict]:
    """The attributed rows of the SLOs given (not of the defaults judge() adds)."""
    verdict = _experiment(slos, experiment, faults)
    named = [(f"control-{n}", data) for n, data in enumerate(controls, start=1)]
    return [row for row in attribute(verdict, list(faults), "match", named)["rows"]
            if not row["phase"].startswith("peak")
            and (row["metric"], row["phase"]) in {(s.metric, s.phase) for s in slos}]


def _failing_in(data, span: range, errors: int = 100):
    return [second(s.window.second, errors=errors) if s.window.second in span else s
            for s in data]


def test_a_breach_only_the_experiment_has_is_the_faults_and_judged_on_its_span():
    experiment = _failing_in(seconds(40), range(10, 20))
    # The control fails outside the fault's span only: that must not count.
    control = _failing_in(seconds(40), range(30, 40))
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")],
                         experiment, [control])
    assert row["cause"] == FAULT and row["cause_words"] == "caused by the fault cut-auth"
    assert (row["experiment"], row["control"], row["difference"]) == (1.0, 0.0, 1.0)
    assert row["experiment_seconds"] == row["control_seconds"] == 10  # injection to revert
    recovery = _failing_in(seconds(40), range(20, 25))
    (row,) = _attributed([slo("error_ratio", "1%", phase="recovery:cut-auth")],
                         recovery, [control])
    assert row["cause"] == FAULT and row["control_seconds"] == 5  # the revert plus its budget


def test_a_breach_the_control_has_too_is_load():
    experiment = _failing_in(seconds(40), range(0, 40), errors=5)
    control = _failing_in(seconds(40), range(0, 40), errors=5)
    (row,) = _attributed([slo("error_ratio", "1%")], experiment, [control])
    assert row["cause"] == LOAD and row["cause_words"].startswith("caused by load")
    assert row["difference"] == 0.0
    # demand is judged on the seconds the fault did not disturb, in both runs alike
    assert row["experiment_seconds"] == row["control_seconds"] == 40 - 11


def test_a_breach_much_worse_than_the_controls_is_load_made_worse_by_the_fault():
    experiment = _failing_in(seconds(40), range(0, 40), errors=30)
    control = _failing_in(seconds(40), range(0, 40), errors=5)
    (row,) = _attributed([slo("error_ratio", "1%")], experiment, [control])
    assert row["cause"] == BOTH
    assert row["cause_words"] == "caused by load, made worse by the fault cut-auth"
    # with no fault injected, nothing made it worse: two runs of one audience differ by chance
    (row,) = _attributed([slo("error_ratio", "1%")], experiment, [control], faults=())
    assert row["cause"] == LOAD


def test_nothing_broken_nothing_attributed_and_the_headline_says_so():
    verdict = _experiment([slo("error_ratio", "1%")], seconds(40))
    attribution = attribute(verdict, [RUSH], "match", [("control-1", seconds(40))])
    assert attribution == {"controls": ["control-1"], "rows": []}
    mark(verdict, attribution)
    assert verdict["headline"].endswith("control control-1: no breach to attribute")


def test_a_control_without_data_in_the_span_leaves_the_cause_unknown():
    experiment = _failing_in(seconds(40), range(10, 20))
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")], experiment,
                         [seconds(8)])  # the control stopped before the fault's span
    assert row["cause"] == UNKNOWN and row["control"] is None and row["control_seconds"] == 0
    assert "has no data" in row["words"]


def test_a_control_whose_generator_was_saturated_in_the_span_leaves_the_cause_unknown():
    experiment = _failing_in(seconds(40), range(10, 20))
    control = seconds(40)
    for s in control[11:17]:  # six seconds in a row: sustained, more than half of the span
        s.window.generator = GeneratorTruth.of_process(0.5, 0.4)
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")], experiment,
                         [control])
    assert row["cause"] == UNKNOWN and row["controls"][0]["generator_bound"]
    assert "load generator could have changed whether it breaks" in row["words"]
    assert "saturated in 6 of its 10 s" in row["words"]


def test_a_stall_that_could_not_change_the_controls_verdict_leaves_it_judged():
    experiment = _failing_in(seconds(40), range(10, 20))
    control = seconds(40)
    control[12].window.generator = GeneratorTruth.of_process(0.5, 0.4)  # one stall of 0.4 s
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")], experiment,
                         [control])
    assert row["cause"] == FAULT and not row["controls"][0]["generator_bound"]


def test_a_stall_that_could_have_made_the_control_break_leaves_the_cause_unknown():
    experiment = _failing_in(seconds(40), range(10, 20))
    control = _failing_in(seconds(40), range(12, 14), errors=10)  # 2% over its 10 s
    control[12].window.generator = GeneratorTruth.of_process(0.5, 0.4)  # ... with a stall
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")], experiment,
                         [control])
    # Without the stall's second and the next, the control had no errors: it may not break.
    assert row["cause"] == UNKNOWN and "fail as observed, pass without" in row["words"]


def test_with_two_controls_either_one_breaking_makes_it_load():
    experiment = _failing_in(seconds(40), range(10, 20))
    before, after = seconds(40), _failing_in(seconds(40), range(10, 20))
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")], experiment,
                         [before, after])
    assert row["cause"] == LOAD and row["control_run"] == "control-2"
    (row,) = _attributed([slo("error_ratio", "1%", phase="during:cut-auth")], experiment,
                         [before, seconds(40)])
    assert row["cause"] == FAULT


def test_the_cause_is_said_in_the_headline_junit_and_console(tmp_path):
    verdict = _experiment([slo("error_ratio", "1%", phase="during:cut-auth"),
                           slo("startup_time_p95", "4s")],  # no data in either run
                          _failing_in(seconds(40), range(10, 20)))
    attribution = attribute(verdict, [RUSH], "match", [("control-1", seconds(40))])
    mark(verdict, attribution)
    # the fault's breach first, then the one nobody can attribute
    said = verdict["headline"].split("; against control control-1: ")[1]
    assert said.startswith("error_ratio in during:cut-auth caused by the fault cut-auth (100% "
                           "with the fault over 10 s, 0% without over 10 s, +100%)")
    assert said.endswith("startup_time_p95 in overall cause unknown: the control run "
                         "control-1 has no data in this span")
    summary = {"scenario": "s", "outcome": "completed", "seconds_recorded": 40,
               "verdict": verdict}
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(summary))
    failed = {case.name.split(" ")[1]: case.result[0].message
              for suite in JUnitXml.fromfile(str(path)) for case in suite if not case.is_passed}
    assert "; caused by the fault cut-auth (100% with the fault over 10 s" in failed["error_ratio"]
    assert failed["startup_time_p95"].endswith("; cause unknown: the control run control-1 "
                                               "has no data in this span")
    table = attribution_table(attribution)
    assert "caused by the fault cut-auth" in table and "control control-1" in table


def test_the_controls_seconds_kept_in_the_experiment_folder_read_back(tmp_path):
    controls = []
    for name, count in (("20261127T080000Z_s-control", 12), ("20261127T080100Z_s-control", 9)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / WINDOWS).write_text("".join(json.dumps(s.to_json()) + "\n"
                                              for s in seconds(count)))
        controls.append(folder)
    experiment = tmp_path / "experiment"
    experiment.mkdir()
    store_controls(experiment, list(reversed(controls)))
    read = read_controls(experiment)
    assert [(name, len(data)) for name, data in read] == [(c.name, n) for c, n in
                                                          zip(controls, (12, 9))]
    assert read[0][1][3].to_json() == seconds(12)[3].to_json()
    assert read_controls(tmp_path / "elsewhere") == []


def test_a_damaged_control_file_is_refused_with_its_line(tmp_path):
    kept = tmp_path / "experiment" / "controls"
    kept.mkdir(parents=True)
    good = json.dumps(seconds(1)[0].to_json())
    (kept / "x-no-faults.windows.jsonl").write_text(f"{good}\nnot json\n{good}\n")
    with pytest.raises(InvalidInput, match=r"x-no-faults.windows.jsonl:2: not JSON"):
        read_controls(tmp_path / "experiment")
