"""A metric is one entry of the catalogue: peak_stalled_share, declared once in
harness/measure/metrics.py, is accepted by the validator and the JSON Schema,
judged by the verdict and attributed against a control, watched by a halt
condition, and shown by summary.json, the console and the report, where a
scenario names it; a run whose scenario does not name it reads as before."""

from __future__ import annotations

import dataclasses

import pytest

from harness import scenario
from harness.judge.attribution import attribute
from harness.judge.recorded_scenario import slos_of
from harness.judge.summary import console_tables, summarize
from harness.judge.verdict import judge
from harness.measure.aggregate import metrics_of, value_of
from harness.measure.metrics import VIEWER_METRICS, checked_metric, metric_names
from harness.measure.slo import Slo, span_problem
from harness.measure.window import Window
from harness.report.junit import render_junit
from harness.report.tables import phase_tables
from harness.run.halt import HaltWatch
from harness.runfolder.recorder import Second
from tests.unit.test_scenario import MINIMAL, conforms, problems, write
from tests.unit.test_verdict import fault

NAME = "peak_stalled_share"
FAULTED = MINIMAL + "faults:\n  - {name: cut, kind: process-kill, target: edge, at: 0s, for: 30s}\n"


def second(n: int, stalled: int = 0, phase: str = "match") -> Second:
    """A second of 10 viewers, `stalled` of them stalled at its end."""
    window = Window(n, playing=10 - stalled, stalled=stalled, played_s=10.0 - stalled,
                    stalled_s=float(stalled))
    for _ in range(20):
        window.tally("segment").add(0.01, ok=True)
    return Second(window, 1_700_000_000 + n, float(n), phase, 10, 10)


def run(stalled_at: dict[int, int], count: int = 30) -> list[Second]:
    return [second(n, stalled_at.get(n, 0)) for n in range(count)]


def test_its_figure_is_the_worst_seconds_share_and_no_viewers_is_no_data():
    windows = [Window(0, playing=8, stalled=2), Window(1, joining=1, playing=1, stalled=2),
               Window(2, playing=10)]
    assert value_of(NAME, windows) == pytest.approx(0.5)
    assert value_of(NAME, [Window(0), Window(1)]) is None
    # a ratio over the span (rebuffering) dilutes what one bad second shows
    assert value_of("rebuffering_ratio", [s.window for s in run({12: 5})]) < 0.02
    assert value_of(NAME, [s.window for s in run({12: 5})]) == pytest.approx(0.5)


def test_it_is_in_a_summary_only_where_a_scenario_names_it():
    windows = [s.window for s in run({12: 5})]
    assert NAME not in metrics_of(windows) and NAME not in metric_names(["segment"])
    assert metrics_of(windows, named={NAME})[NAME] == pytest.approx(0.5)
    assert NAME in metric_names(["segment"], {NAME})


def test_the_validator_and_the_schema_accept_it_in_an_slo_and_a_halt_condition(tmp_path):
    text = FAULTED + (f"slos:\n  - {{metric: {NAME}, max: 20%, phase: during:cut}}\n"
                      f"halt_if:\n  - {{metric: {NAME}, above: 90%, for: 5s}}\n")
    loaded = scenario.load(write(tmp_path, text))
    assert loaded.slos == (Slo(NAME, "max", 0.2, "during:cut"),)
    assert loaded.halt_if[0].above == 0.9
    written = loaded.to_dict()
    assert written["slos"] == [{"metric": NAME, "max": "20%", "phase": "during:cut"}]
    schema = scenario.json_schema()["properties"]["slos"]["items"]["properties"]["metric"]
    assert conforms(NAME, schema) and not conforms(NAME + ".segment", schema)
    # its unit is the catalogue's: a duration does not fit a ratio
    wrong = FAULTED + f"slos:\n  - {{metric: {NAME}, max: 2s}}\n"
    assert problems(tmp_path, wrong) == [
        f":9: slos[0].max: a duration fits only a time, and {NAME} is measured in ratio "
        "(write a number)"]


def test_a_metric_judged_only_over_some_spans_is_refused_elsewhere():
    entry = dataclasses.replace(checked_metric(NAME), spans=("fault", "recovery"))
    assert span_problem(entry, "during:cut") is None
    assert span_problem(entry, "recovery:cut") is None
    assert span_problem(entry, "peak") == (
        f"{NAME} is judged only over during:<fault> or recovery:<fault>, not over 'peak'")
    assert span_problem(checked_metric(NAME), "peak") is None


def test_the_verdict_judges_it_over_a_faults_span():
    slos = [Slo(NAME, "max", 0.2, "during:f")]
    cut = [fault(injected=10.0, reverted=20.0)]
    (row,) = [r for r in judge(slos, run({12: 5}), cut, "match")["slos"] if r["metric"] == NAME]
    assert (row["result"], row["observed"], row["unit"]) == ("fail", pytest.approx(0.5), "ratio")
    # the same stall outside the fault's span is no part of it
    (row,) = [r for r in judge(slos, run({25: 5}), cut, "match")["slos"] if r["metric"] == NAME]
    assert (row["result"], row["observed"]) == ("pass", 0.0)


def test_attribution_takes_it_against_a_control():
    slos = [Slo(NAME, "max", 0.2, "during:f")]
    cut = [fault(injected=10.0, reverted=20.0)]
    verdict = judge(slos, run({12: 5}), cut, "match")
    rows = attribute(verdict, cut, "match", [("control", run({}))])["rows"]
    (row,) = [r for r in rows if r["metric"] == NAME]
    assert (row["metric"], row["cause"], row["control"]) == (NAME, "fault", 0.0)


def test_a_halt_condition_watches_it_each_second(tmp_path):
    text = FAULTED + f"halt_if:\n  - {{metric: {NAME}, above: 40%, for: 2s}}\n"
    watch = HaltWatch(scenario.load(write(tmp_path, text)).halt_if)
    said = [watch.check(s) for s in run({3: 5, 4: 5})[:5]]
    assert said == [None, None, None, None, f"{NAME} above 40% for 2 s"]


def _summary(slos: list[dict]) -> dict:
    events = [{"kind": "run_started", "epoch": 1_700_000_000.0, "request_groups": ["segment"]},
              {"kind": "run_ended", "epoch": 1_700_000_030.0, "outcome": "completed"}]
    recorded = {"name": "t", "timeline": {"peak": "match"}, "slos": slos}
    seconds = run({12: 5})
    summary = summarize(recorded, seconds, events)
    summary["verdict"] = judge(slos_of(recorded), seconds, [], "match")
    return summary


def test_summary_console_report_and_junit_show_it_where_a_scenario_names_it():
    summary = _summary([{"metric": NAME, "max": "20%", "phase": "overall"}])
    assert summary["overall"]["metrics"][NAME] == pytest.approx(0.5)
    assert summary["metric_units"][NAME] == "ratio"
    console = console_tables(summary)
    assert "peak stalled" in console.splitlines()[0]
    assert any(NAME in line and "50.00%" in line and "FAIL" in line for line in console.splitlines())
    assert "<th class=\"number\">peak stalled</th>" in phase_tables(summary)
    assert NAME in render_junit(summary)
    plain = _summary([])
    assert NAME not in plain["overall"]["metrics"] and NAME not in plain["metric_units"]
    assert "peak stalled" not in console_tables(plain)


def test_it_is_in_the_catalogue_once_with_its_heading():
    entry = VIEWER_METRICS[NAME]
    assert (entry.unit, entry.better, entry.column, entry.always) == (
        "ratio", "lower", "peak stalled", False)
