"""The report layer on a hand-made run folder: junit.xml read by a JUnit parser
and checked against the format CI servers read, report.html's content, its
escaping, its charts' gaps and size, and what it shows before a verdict exists.
(How the page renders in a real browser: tests/report/test_chromium.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml
from lxml import etree
from lxml import html as lxml_html

from harness.report import charts, write_reports
from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.timeline import MAX_POINTS
from harness.measure.units import format_change, format_value
from tests.report import sample

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "junit.xsd")))
# A resource the page would load: src/href/url()/@import pointing anywhere but into the page.
EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?!#)[a-z]*:?//"""
                      r"""|url\(\s*["']?\s*(?!#)|@import)""", re.IGNORECASE)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, dict]:
    run_dir = tmp_path_factory.mktemp("run")
    return run_dir, sample.full_run(run_dir)


@pytest.fixture(scope="module")
def page(run) -> lxml_html.HtmlElement:
    run_dir, summary = run
    write_reports(run_dir, summary)
    return lxml_html.fromstring((run_dir / "report.html").read_text(encoding="utf-8"))


def _junit(summary: dict, tmp_path: Path) -> JUnitXml:
    """The summary's junit.xml, valid against the XSD, as a JUnit parser reads it."""
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(summary), encoding="utf-8")
    XSD.assertValid(etree.parse(str(path)))
    return JUnitXml.fromfile(str(path))


def _failures(xml: JUnitXml) -> dict[str, Failure]:
    return {case.name: result for suite in xml for case in suite for result in case.result
            if isinstance(result, Failure)}


# --- units --------------------------------------------------------------------

@pytest.mark.parametrize("value, unit, text", [
    (0.045, "s", "45 ms"), (4.8, "s", "4.8 s"), (4.0, "s", "4 s"), (0.0, "s", "0 s"),
    (12.345, "s", "12.3 s"), (0.0123, "ratio", "1.23%"), (0.01, "ratio", "1%"),
    (0.0, "ratio", "0%"), (1520.4, "kbps", "1,520 kbps"), (39.27, "per_hour", "39.3/h"),
    (70.9, "per_s", "70.9/s"), (None, "s", "no data"), (None, "ratio", "no data"),
])
def test_values_read_by_their_unit(value, unit, text):
    assert format_value(value, unit) == text


def test_changes_are_signed():
    assert (format_change(1.083), format_change(-0.05)) == ("+108%", "-5%")
    assert format_change(None) == "-"  # a baseline of 0 has no relative change


# --- junit.xml ------------------------------------------------------------------

def test_junit_has_one_case_per_slo_row_fault_and_regression_and_counts_that_match(run,
                                                                                  tmp_path):
    _, summary = run
    xml = _junit(summary, tmp_path)
    [suite] = list(xml)
    verdict = summary["verdict"]
    failing = sum(s["result"] in ("fail", "no data") for s in verdict["slos"]) \
        + sum(f["result"] == "fail" for f in verdict["faults"]) \
        + sum(r["worse"] for r in summary["regressions"])
    assert suite.name == "kickoff.kickoff-sample"
    assert suite.tests == len(verdict["slos"]) + len(verdict["faults"]) \
        + len(summary["regressions"]) == len(list(suite))
    assert suite.failures == failing == len(_failures(xml)) == 5
    regression = [case for case in suite if "regression" in case.classname and not case.is_passed]
    assert "1.2 s in the baseline run, 2.5 s now" in regression[0].result[0].message
    assert (suite.errors, suite.skipped, suite.time) == (0, 0, 120.0)
    assert suite.timestamp == "2026-05-28T20:26:40"
    assert {p.name: p.value for p in suite.properties()} == {
        "scenario": "kickoff-sample", "outcome": "completed", "platform": "local",
        "time_scale": "5", "fault_time_scale": "5", "seed": "7",
        "verdict": "fail"}
    root = etree.fromstring(render_junit(summary).encode())
    assert root.findtext("testsuite/system-out") == verdict["headline"]
    assert root.get("tests") == "9" and root.get("failures") == "5"


def test_junit_failures_carry_observed_against_threshold(run, tmp_path):
    _, summary = run
    failures = _failures(_junit(summary, tmp_path))
    startup = failures["peak: startup_time_p95 <= 4 s"]
    assert (startup.type, startup.message) == ("slo", "observed 4.8 s > threshold 4 s")
    bitrate = failures["overall: average_bitrate_kbps >= 1,500 kbps"]
    assert bitrate.message == "observed 1,210 kbps < threshold 1,500 kbps"
    no_data = failures["during:origin-a-dies: error_ratio.segment <= 0.5%"]
    assert (no_data.type, no_data.message) == ("no-data", "no data in phase during:origin-a-dies")
    recovery = failures["origin-a-dies: recovered within budget"]
    assert (recovery.type, recovery.message) == ("recovery", "recovered after 45 s, budget 30 s")
    assert "auth-redis-cut: recovered within budget" not in failures
    classnames = {case.name: case.classname for suite in _junit(summary, tmp_path)
                  for case in suite}
    assert classnames["peak: startup_time_p95 <= 4 s"] == "kickoff.kickoff-sample.demand"
    assert classnames["origin-a-dies: recovered within budget"] == \
        "kickoff.kickoff-sample.origin-a-dies"


@pytest.mark.parametrize("outcome, failed", [("completed", False), ("interrupted (SIGINT)", True)])
def test_junit_without_a_verdict_has_one_case_for_the_run(outcome, failed, tmp_path):
    summary = sample.summary_of(sample.seconds(10))
    summary["outcome"] = outcome
    xml = _junit(summary, tmp_path)
    [suite] = list(xml)
    [case] = list(suite)
    assert case.name == "run completed"
    assert (suite.tests, suite.failures, case.is_passed) == (1, int(failed), not failed)
    assert {p.name: p.value for p in suite.properties()}["verdict"] == "not evaluated"


def test_junit_stays_well_formed_with_any_text_in_the_data(tmp_path):
    summary = sample.summary_of(sample.seconds(3))
    summary["scenario"] = 'a<b>&"c"'
    summary["started_utc"] = None  # no run_started event: the suite has no timestamp
    summary["outcome"] = "failed: OSError: \x1b[31mbroken\x00 pipe & <more>"
    xml = _junit(summary, tmp_path)
    [suite] = list(xml)
    [case] = list(suite)
    assert suite.name == 'kickoff.a<b>&"c"' and suite.timestamp is None
    assert case.result[0].message == "run failed: OSError: \\x1b[31mbroken\\x00 pipe & <more>"


def test_the_schema_rejects_what_ci_servers_would_not_read():
    def valid(document: str) -> bool:
        return XSD.validate(etree.fromstring(document))

    assert valid('<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
                 '<testcase name="t" classname="c" time="0"/></testsuite></testsuites>')
    assert not valid('<testsuites><testsuite name="s" failures="0" errors="0"/></testsuites>')
    assert not valid('<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
                     '<testcase name="t" classname="c" time="0"><failure message="m"/>'
                     '</testcase></testsuite></testsuites>')
    assert not valid('<testsuites><testsuite name="s" tests="1" failures="0" errors="0" '
                     'timestamp="2026-05-28T20:26:40Z"/></testsuites>')


# --- report.html ------------------------------------------------------------------

def test_write_reports_writes_both_files_into_the_run_folder(run, page):
    run_dir, _ = run
    assert write_reports(run_dir, run[1]) == [run_dir / "report.html", run_dir / "junit.xml"]
    assert XSD.validate(etree.parse(str(run_dir / "junit.xml")))


def test_banner_shows_the_verdict_and_the_run(page):
    banner = page.xpath("//header")[0]
    assert "fail" in banner.classes
    text = banner.text_content()
    for expected in ("kickoff-sample", sample.DESCRIPTION, "FAIL", sample.VERDICT["headline"],
                     "completed", "2026-05-28T20:26:40.000Z", "local", "100 of 100 wanted"):
        assert expected in text
    assert banner.xpath(".//dd")[4].text_content() == "7"  # the seed


def _rows(page, table: str) -> list[list[str]]:
    return [[cell.text_content() for cell in row.xpath("td")]
            for row in page.xpath(f"//table[@class='{table}']/tbody/tr")]


def test_slo_rows_format_values_by_unit_and_mark_the_failing(page):
    rows = _rows(page, "slos")
    assert rows[0] == ["demand", "peak (kickoff-rush)", "startup_time_p95", "≤ 4 s", "4.8 s",
                       "-", "fail"]  # "-": the load generator had no shortfall in its span
    assert rows[1][3:5] == ["≤ 1%", "0.4%"]
    assert rows[2][3:5] == ["≥ 1,500 kbps", "1,210 kbps"]
    assert rows[3][2:] == ["error_ratio.segment default", "≤ 0.5%", "no data", "-", "no data"]
    assert rows[4][3:5] == ["≤ 1 s", "350 ms"]
    marks = [row.get("class") for row in page.xpath("//table[@class='slos']/tbody/tr")]
    assert marks == ["failing", None, "failing", "failing", None]


def test_fault_rows_show_times_delays_recovery_and_result(page):
    dies, cut = _rows(page, "faults")
    assert dies == ["origin-a-dies", "process-kill", "origin-a", "T+00:00", "T+00:00+40 ms",
                    "T+01:00+10 ms", "1 s", "45 sfrom revert", "3.2 s", "30 s", "fail"]
    assert cut == ["auth-redis-cut", "link-cut", "auth-redis", "T+02:30", "T+02:30+20 ms",
                   "injected (not reverted: self-healing)", "none seen", "never", "never",
                   "60 s", "pass"]


def test_regressions_and_phases_are_tabled(page):
    assert _rows(page, "regressions") == [
        ["startup_time_p95", "peak", "1.2 s", "2.5 s", "+108%", "±20%"],
        ["latency_p99", "overall", "200 ms", "190 ms", "-5%", "±20%"]]
    phases = [row[0] for row in _rows(page, "phases")]
    assert phases == ["pre-match", "kickoff-rush peak", "first-half", "overall"]
    assert [row[0] for row in _rows(page, "requests")] == ["auth", "catalog", "playlist",
                                                          "segment", "all requests"]


def test_charts_mark_kickoff_phases_and_fault_windows(page):
    charts = page.xpath("//svg[@data-chart]")
    assert [c.get("data-chart") for c in charts] == ["viewers", "requests", "latency", "startup"]
    for chart in charts:
        assert chart.xpath("./title")[0].text
        assert len(chart.xpath(".//g[@data-marker='kickoff']")) == 1
        assert [g.get("data-marker") for g in chart.xpath(".//g[contains(@class, 'phase')]")] \
            == ["pre-match", "kickoff-rush", "first-half"]
        assert [g.get("data-fault") for g in chart.xpath(".//g[@class='fault']")] \
            == ["origin-a-dies", "auth-redis-cut"]
        assert chart.xpath(".//g[@class='legend']/text")


def test_a_second_without_requests_is_a_gap_not_a_zero(page):
    [latency] = page.xpath("//svg[@data-chart='latency']")
    for series in latency.xpath(".//g[@class='series']"):
        [path] = series.xpath("./path")
        assert path.get("d").count("M") == 2, series.get("data-series")  # broken once


def test_no_resource_is_referenced_outside_the_page(run, page):
    text = (run[0] / "report.html").read_text(encoding="utf-8")
    assert not EXTERNAL.findall(text)
    assert not page.xpath("//script | //link | //img | //iframe | //object | //embed")
    assert EXTERNAL.search('<img src="http://example.invalid/x.png">')  # the check can see


def test_text_from_the_data_is_escaped(tmp_path):
    summary = sample.summary_of(sample.seconds(5), faults=[dict(sample.FAULTS[0],
                                                                name="<script>x</script>")])
    summary["scenario"] = "<b>bold</b>"
    text = render_html(summary, sample.seconds(5), [{"kind": "<i>", "note": "</td>"}])
    assert "<script>" not in text and "<b>bold" not in text and "<i>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text and "&lt;b&gt;bold&lt;/b&gt;" in text


def test_a_run_without_verdict_or_faults_says_so(tmp_path):
    summary = sample.summary_of(sample.seconds(20))
    page = lxml_html.fromstring(render_html(summary, sample.seconds(20), []))
    banner = page.xpath("//header")[0]
    assert "not-evaluated" in banner.classes
    assert "NOT EVALUATED" in banner.text_content()
    assert "Not evaluated" in page.xpath("//section[@id='slos']")[0].text_content()
    assert not page.xpath("//section[@id='faults' or @id='regressions']")
    assert len(page.xpath("//svg[@data-chart]")) == 4
    assert not page.xpath("//g[@class='fault']")


def test_a_long_run_is_charted_in_at_most_max_points(tmp_path):
    seconds = sample.seconds(7200)
    text = render_html(sample.summary_of(seconds), seconds, [])
    page = lxml_html.fromstring(text)
    for chart in page.xpath("//svg[@data-chart]"):
        svg = etree.tostring(chart)
        assert len(svg) < 120_000, chart.get("data-chart")
        for path in chart.xpath(".//g[@class='series']/path"):
            assert len(re.findall(r"[ML]", path.get("d"))) <= MAX_POINTS


def test_a_fault_the_stack_heals_is_shaded_until_its_budget_ends_not_to_the_end():
    recorded = sample.seconds(200)
    crash, cut = charts._spans(sample.FAULTS, recorded, recorded[-1].match_s)
    assert crash.end == 60.05  # reverted: shaded until its revert
    # self-healing, never reverted: injected at 90.02 s of the run, a 60 s budget
    assert cut.start == 150.1 and cut.end == sample.match_s(150) < recorded[-1].match_s
