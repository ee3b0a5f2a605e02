"""Generator truth from the files: a recorded run folder whose windows say the
load generator was saturated in most of its peak and stalled once later
gives timeseries columns that mark both, charts that shade the one and mark
the other, a generator-bound peak SLO row (and a passing overall one) in
summary.json, the console, junit.xml and report.html, and exit code 3 from
`harness report`; `harness compare` never calls a generator-bound row worse;
a folder from before generator truth still reads, as "not measured"."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from junitparser import Error, JUnitXml
from lxml import etree
from lxml import html as lxml_html

from harness.measure.truth import GeneratorTruth
from harness.runfolder.manifest import reseal
from harness.runfolder.recorder import WINDOWS, Recorder, Second, read_seconds, write_timeseries
from harness.report.html import render_html
from harness.judge.regression import deltas
from harness.report.results import write_results
from harness.judge.summary import delta_table
from harness.measure.window import Window
from tests.cli import harness
from tests.report import sample

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "junit.xsd")))
# The peak phase (kickoff-rush) is seconds 35..70: saturated in 20 of its 36 seconds in a row;
# second 100 (first-half) a stall.
SATURATED = set(range(40, 60))
STALL = 100


def truth(second: int) -> GeneratorTruth:
    return GeneratorTruth.of_process(0.4, 0.35 if second in SATURATED | {STALL} else 0.01,
                                     0.55, 0.0, 1, 2)


def text(run_dir: Path) -> str:
    return (run_dir / "report.html").read_text(encoding="utf-8")


def rewrite_windows(run_dir: Path, change) -> None:
    """Apply change(window JSON) to every second of the run folder."""
    lines = []
    for line in (run_dir / WINDOWS).read_text().splitlines():
        record = json.loads(line)
        change(record["window"])
        lines.append(json.dumps(record))
    (run_dir / WINDOWS).write_text("\n".join(lines) + "\n")
    reseal(run_dir)  # as if the run had recorded them so


@pytest.fixture(scope="module")
def bound_run(tmp_path_factory) -> tuple[Path, dict]:
    run_dir = sample.recorded_run(tmp_path_factory.mktemp("bound") / "run")
    rewrite_windows(run_dir, lambda w: w.update(generator=truth(w["second"]).to_json()))
    return run_dir, write_results(run_dir)


def test_the_verdict_from_the_files_is_generator_bound(bound_run):
    run_dir, summary = bound_run
    verdict = summary["verdict"]
    assert [(r["phase"], r["result"], r["saturated_seconds"], r["stall_seconds"])
            for r in verdict["slos"]] == [("overall", "pass", 20, 1),
                                          ("peak", "generator-bound", 20, 0)]
    assert verdict["slos"][1]["generator_why"] == "saturated in 20 of its 36 s"
    assert verdict["result"] == "generator-bound"
    assert verdict["headline"].startswith(
        "GENERATOR-BOUND — the load generator (saturated in 20 of 120 s, 1 stall(s) up to "
        "0.35 s) could have changed the verdict of 1 SLO(s)")
    assert (summary["generator"]["seconds_saturated"], summary["generator"]["stalls"]) == (20, 1)
    assert summary["generator"]["processes_needed"] == 1
    assert json.loads((run_dir / "summary.json").read_text())["verdict"] == verdict
    again = harness("report", str(run_dir))
    assert again.returncode == 3, again.stderr
    assert "GENERATOR-BOUND" in again.stdout
    assert "load generator: SATURATED in 20 of 120 s, stalled 1 time(s), up to 0.350 s" \
        in again.stdout
    assert "work blocking the process's loop (a journey step, a slow disk): the machine had " \
        "idle CPU (idle 55%, run queue 1 on 2 cores, steal 0%)" in again.stdout


def test_junit_has_generator_bound_rows_as_errors_not_failures(bound_run):
    run_dir, _ = bound_run
    XSD.assertValid(etree.parse(str(run_dir / "junit.xml")))
    xml = JUnitXml.fromfile(str(run_dir / "junit.xml"))
    results = [result for suite in xml for case in suite for result in case.result]
    assert len(results) == 1 and all(isinstance(r, Error) for r in results)
    assert results[0].type == "generator-bound"
    assert results[0].message == ("the load generator could have changed this result "
                                  "(saturated in 20 of its 36 s): not judged on the stack")
    (suite,) = list(xml)
    assert (suite.errors, suite.failures) == (1, 0)


def test_the_report_marks_the_saturated_seconds_the_stall_and_rows(bound_run):
    run_dir, _ = bound_run
    page = lxml_html.fromstring(text(run_dir))
    banner = page.xpath("//header")[0]
    assert "generator-bound" in banner.classes
    assert "saturated 20 of 120 s, 1 stall(s) up to 0.35 s" in banner.text_content()
    rows = page.xpath("//table[@class='slos']/tbody/tr")
    assert [row.get("class") for row in rows] == [None, "bound"]
    assert "20 s saturated, stall 350 ms" in rows[0].text_content()
    assert "saturated in 20 of its 36 s" in rows[1].text_content()
    assert "seconds in which the load generator was saturated" in page.text_content()
    # The HTML parser does not close SVG's empty elements: read the shading from the text.
    charts = re.findall(r"<svg data-chart.*?</svg>", text(run_dir))
    assert len(charts) == 4
    for chart in charts:
        widths = re.findall(r'<g class="saturated"><title>[^<]*</title><rect x="[\d.]+" '
                            r'y="[\d.]+" width="([\d.]+)"', chart)
        stalls = re.findall(r'<g class="stall"><title>([^<]*)</title><rect x="[\d.]+" '
                            r'y="[\d.]+" width="([\d.]+)"', chart)
        assert len(widths) == 1  # seconds 40-59 as one stretch
        assert len(stalls) == 1 and stalls[0][0].startswith("load generator stalled 0.35 s")
        assert float(widths[0]) == pytest.approx(20 * float(stalls[0][1]), rel=0.05)


def test_timeseries_columns_carry_the_truth_and_its_marks(tmp_path):
    recorder = Recorder(tmp_path, ["segment"])
    seconds = [Second(Window(n, generator=truth(n) if n else None), 1.7e9 + n, float(n),
                      "match", 1, 1) for n in (0, 40, 41, 42, 60)]
    for second in seconds:
        recorder.second(second)
    recorder.close()

    def generator_columns() -> list[dict]:
        with open(tmp_path / "timeseries.csv", newline="") as handle:
            return [{k: v for k, v in row.items() if k.startswith("generator_")}
                    for row in csv.DictReader(handle)]

    live = generator_columns()
    assert live[0] == dict.fromkeys(live[0], "")  # not measured: empty cells
    # While the run goes, the first two of a row read as stalls: the third is saturated.
    assert [(r["generator_saturated"], r["generator_stall_s"]) for r in live[1:]] == \
        [("0", "0.35"), ("0", "0.35"), ("1", "0.0"), ("0", "0.0")]
    assert live[1] == {"generator_processes": "1", "generator_over_bounds": "1",
                       "generator_saturated": "0", "generator_stall_s": "0.35",
                       "generator_cpu_cores": "0.4", "generator_cpu_max_cores": "0.4",
                       "generator_lag_p99_s": "0.35", "generator_machine_idle_share": "0.55",
                       "generator_machine_steal_share": "0.0", "generator_run_queue": "1",
                       "generator_cpus": "2"}
    write_timeseries(tmp_path, seconds, ["segment"])  # at the end: the whole run's marks
    assert [(r["generator_saturated"], r["generator_stall_s"]) for r in generator_columns()[1:]] \
        == [("1", "0.0"), ("1", "0.0"), ("1", "0.0"), ("0", "0.0")]


def test_a_run_folder_from_before_generator_truth_reads_as_not_measured(tmp_path):
    run_dir = sample.recorded_run(tmp_path / "old")
    rewrite_windows(run_dir, lambda w: w.pop("generator"))
    assert '"generator"' not in (run_dir / WINDOWS).read_text()
    result = harness("report", str(run_dir))
    assert result.returncode == 0, result.stderr
    assert "load generator: not measured" in result.stdout
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["generator"] is None and summary["verdict"]["result"] == "pass"


def test_compare_never_calls_a_generator_bound_row_worse(bound_run, tmp_path):
    _, bound = bound_run
    good = write_results(sample.recorded_run(tmp_path / "good"))
    rows = deltas(bound["verdict"]["slos"], good["verdict"]["slos"], tolerance=0.0)
    assert [r["generator_bound"] for r in rows] == [None, "this run"]
    assert not rows[1]["worse"]
    assert "GENERATOR-BOUND (this run)" in delta_table(rows, "good")
    back = deltas(good["verdict"]["slos"], bound["verdict"]["slos"], tolerance=0.0)
    assert [r["generator_bound"] for r in back] == [None, "baseline"]


def test_the_report_marks_generator_bound_regressions_and_faults(bound_run, tmp_path):
    run_dir, bound = bound_run
    good = write_results(sample.recorded_run(tmp_path / "good"))
    regressions = deltas(bound["verdict"]["slos"], good["verdict"]["slos"])
    fault = {**sample.FAULTS[0]}
    judged = [{"name": fault["name"], "result": "generator-bound", "why": "saturated"}]
    summary = {**bound, "regressions": regressions, "faults": [fault],
               "verdict": {**bound["verdict"], "faults": judged}}
    page = lxml_html.fromstring(render_html(summary, read_seconds(run_dir), []))
    rows = page.xpath("//table[@class='regressions']/tbody/tr")
    assert [row.get("class") for row in rows][1] == "bound"
    assert "(generator-bound: this run)" in rows[1].text_content()
    (row,) = page.xpath("//table[@class='faults']/tbody/tr")
    assert row.get("class") == "bound" and "generator-bound" in row.text_content()
