"""A run whose journey named its own request groups, end to end through the
measuring and judging layers: a run folder recorded by hand (tests/report/
sample.py) with the groups `token` and `playback-info` besides the player's,
read back by `harness report` into summary.json, console and HTML tables,
charts and JUnit; and compared with a baseline run that had other groups."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lxml import html as lxml_html

from harness.run.halt import HaltWatch
from harness.measure.metrics import PLAYER_GROUPS, REQUEST_KINDS, metric_names
from harness.runfolder.recorder import TIMESERIES, Second, columns
from harness.judge.regression import compared, deltas
from harness.report.charts import JOURNEY_COLOURS, PLAYER_COLOURS, _group_series
from harness.report.junit import render_junit
from harness.report.timeline import bins
from harness.scenario import HaltCondition
from harness.judge.summary import console_tables, delta_table
from harness.measure.window import Window
from tests.cli import harness
from tests.report import sample

USER_REQUESTS = (("token", 0.02, 0.05), ("playback-info", 0.04, 0.03),
                 ("playlist", 0.5, 0.008), ("segment", 0.5, 0.03))
GROUPS = ["playback-info", "token", *PLAYER_GROUPS]  # journey groups sorted, then the player's
SLOS = [{"metric": "error_ratio.token", "max": "5%", "phase": "overall"},
        {"metric": "latency_p99.playback-info", "max": "2s", "phase": "peak"},
        {"metric": "error_ratio.segment", "max": "50%", "phase": "overall"}]


def _run_folder(run_dir: Path, requests: sample.Requests, slos: list[dict]) -> Path:
    """A run folder as `harness run` leaves it, with its scenario's SLOs."""
    sample.build_run(run_dir, requests)
    return sample.with_scenario(run_dir, {**sample.SCENARIO, "slos": slos})


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> tuple[Path, dict, str]:
    """The user-group run after `harness report`: folder, summary.json, stdout."""
    run_dir = _run_folder(tmp_path_factory.mktemp("users") / "run", USER_REQUESTS, SLOS)
    result = harness("report", str(run_dir))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return run_dir, json.loads((run_dir / "summary.json").read_text()), result.stdout


def test_the_summary_has_the_runs_groups_in_every_phase(reported):
    _, summary, _ = reported
    assert summary["schema_version"] == 5
    assert summary["request_groups"] == GROUPS
    for span in summary["phases"] + [summary["overall"]]:
        assert list(span["metrics"]) == metric_names(GROUPS)
    overall = summary["overall"]["metrics"]
    assert overall["requests_per_second.token"] > 0 and overall["error_ratio.token"] > 0
    assert not any(".catalog" in name or ".auth" in name for name in summary["metric_units"])
    assert summary["metric_units"]["latency_p99.playback-info"] == "s"


def test_slos_on_user_groups_are_judged_and_defaults_stay_away(reported):
    _, summary, stdout = reported
    rows = summary["verdict"]["slos"]
    assert [(r["metric"], r["unit"]) for r in rows] == [
        ("error_ratio.token", "ratio"), ("latency_p99.playback-info", "s"),
        ("error_ratio.segment", "ratio")]
    assert all(r["observed"] is not None and not r["default"] for r in rows)
    token = summary["overall"]["metrics"]["error_ratio.token"]
    assert rows[0]["result"] == ("pass" if token <= 0.05 else "fail")
    assert "error_ratio.token" in stdout


def test_console_and_html_tables_list_the_groups_in_order(reported):
    run_dir, summary, stdout = reported
    console_rows = [line.split()[0] for line in console_tables(summary).split(
        "requests (overall)", 1)[1].splitlines()[2:2 + len(GROUPS)]]
    assert console_rows == GROUPS
    assert "requests (overall)" in stdout
    page = lxml_html.fromstring((run_dir / "report.html").read_text(encoding="utf-8"))
    rows = page.xpath("//table[@class='requests']/tbody/tr")
    assert [r.xpath("td")[0].text_content() for r in rows] == [*GROUPS, "all requests"]


def test_the_requests_chart_draws_each_group(reported):
    run_dir, _, _ = reported
    page = lxml_html.fromstring((run_dir / "report.html").read_text(encoding="utf-8"))
    [chart] = page.xpath("//svg[@data-chart='requests']")
    assert [g.get("data-series") for g in chart.xpath(".//g[@class='series']")] == [
        *GROUPS, "failed"]
    colours = {g.get("data-series"): g.xpath("./path")[0].get("stroke")
               for g in chart.xpath(".//g[@class='series']")}
    assert colours["segment"] == PLAYER_COLOURS["segment"]
    assert colours["playback-info"] == JOURNEY_COLOURS[0] and colours["token"] == JOURNEY_COLOURS[1]


def test_many_journey_groups_stay_told_apart():
    groups = [f"step-{n:02}" for n in range(2 * len(JOURNEY_COLOURS))] + list(PLAYER_GROUPS)
    points = bins(sample.seconds(3), groups)
    series = _group_series(groups, points)
    assert [s.label for s in series] == groups
    assert len({(s.colour, s.dashed) for s in series}) == len(groups)
    assert all(v == 0 for s in series[:-2] for v in s.values)  # declared, never requested


def test_junit_carries_the_user_group_slos(reported):
    run_dir, summary, _ = reported
    text = (run_dir / "junit.xml").read_text(encoding="utf-8")
    assert text == render_junit(summary)
    assert "overall: error_ratio.token &lt;= 5%" in text
    assert "peak: latency_p99.playback-info &lt;= 2 s" in text


def test_timeseries_has_columns_for_the_declared_groups(reported):
    run_dir, _, _ = reported
    with open(run_dir / TIMESERIES, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames) == columns(GROUPS)
    assert {f"{kind}.token" for kind in REQUEST_KINDS} <= set(reader.fieldnames)
    assert len(rows) == sample.SECONDS
    assert sum(float(r["requests_per_second.token"]) for r in rows) > 0


def test_a_group_in_one_run_only_is_listed_not_compared(reported, tmp_path):
    """The baseline's journey had `login` where this run has `token`."""
    _, summary, _ = reported
    baseline_requests = (("login", 0.02, 0.05), ("playback-info", 0.04, 0.03),
                         ("playlist", 0.5, 0.008), ("segment", 0.5, 0.03))
    baseline_slos = [{"metric": "error_ratio.login", "max": "5%", "phase": "overall"},
                     *SLOS[1:]]
    baseline_dir = _run_folder(tmp_path / "baseline", baseline_requests, baseline_slos)
    assert harness("report", str(baseline_dir)).returncode in (0, 1)
    baseline = json.loads((baseline_dir / "summary.json").read_text())
    assert baseline["request_groups"] == ["login", "playback-info", *PLAYER_GROUPS]

    rows = deltas(summary["verdict"]["slos"], baseline["verdict"]["slos"])
    assert [(r["metric"], r["only_in"]) for r in rows] == [
        ("error_ratio.token", "this run"), ("latency_p99.playback-info", None),
        ("error_ratio.segment", None), ("error_ratio.login", "baseline")]
    assert [r["metric"] for r in compared(rows)] == ["latency_p99.playback-info",
                                                     "error_ratio.segment"]
    assert not any(r["worse"] for r in rows if r["only_in"])
    token, login = rows[0], rows[-1]
    assert token["baseline"] is None and token["observed"] is not None
    assert login["observed"] is None and login["baseline"] is not None
    table = delta_table(rows, "baseline")
    assert "only in this run" in table and "only in baseline" in table

    junit = render_junit({**summary, "regressions": rows})
    assert junit.count("no worse than the baseline") == 2  # only the rows both runs have
    shown = harness("compare", str(baseline_dir), str(Path(reported[0])))
    assert shown.returncode == 0, shown.stderr
    assert "only in this run" in shown.stdout and "error_ratio.login" in shown.stdout


def test_a_halt_condition_watches_a_user_group_and_a_second_without_it_breaks_the_streak():
    watch = HaltWatch([HaltCondition("error_ratio.token", 0.5, None, 2)])

    def second(number: int, failed: int | None) -> Second:
        window = Window(number)
        window.tally("segment").add(0.01, ok=True)
        if failed is not None:  # None: no token request this second
            for index in range(4):
                window.tally("token").add(0.01, ok=index >= failed)
        return Second(window, 0.0, float(number), "match", 1, 1)

    assert watch.check(second(0, 3)) is None  # held 1 s of 2
    assert watch.check(second(1, None)) is None  # no token data: the streak breaks
    assert watch.check(second(2, 4)) is None
    assert watch.check(second(3, 4)) == "error_ratio.token above 50% for 2 s"
