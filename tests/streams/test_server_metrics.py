"""Server metrics in a real run: a real Prometheus scraping itself, a live HLS
stream ffmpeg writes and nginx serves (free ports, no stack lock), and a
targets file naming three queries: one with a figure, one Prometheus refuses
(bad PromQL), one with no series. Each second records the first's figure and
the other two as missing, said on the console and in events.jsonl once each,
never as 0; timeseries.csv and summary.json carry them, and SLOs on the first
pass and fail as its figures say (exit 1 naming the failing one)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from tests.cli import harness
from tests.streams.external import external_scenario
from tests.streams.servers import live_encoder, nginx, own_state, prometheus, wait_for_window

QUERIES = {
    "rss_mb": "process_resident_memory_bytes / 1e6",
    "broken": "rate(prometheus_http_requests_total[",
    "absent": "no_such_metric_here_total",
}


SLOS = """\
slos:
  - {metric: server.rss_mb, max: 100000}
  - {metric: server.rss_mb, min: 1}
  - {metric: server.rss_mb, max: 1}
"""


def _run(folder: Path, slos: str) -> tuple[object, Path]:
    www = folder / "www"
    with prometheus(folder / "prometheus") as api, nginx(www, folder / "nginx") as (base, _), \
            live_encoder("hls-ts", www, 60) as manifest:
        wait_for_window(www, "hls-ts", 3)
        queries = "".join(f"  {name}: '{query}'\n" for name, query in QUERIES.items())
        (folder / "targets.yaml").write_text(
            f"edge: {base}\nprometheus: {api}\nserver_metrics:\n{queries}")
        scenario = external_scenario(folder, "server", f"{base}/{manifest}", "6s", slos)
        result = harness("run", str(scenario), "--results-dir", str(folder / "results"),
                         timeout=90, env=own_state(folder))
    (run_dir,) = (folder / "results").iterdir()
    return result, run_dir


def test_each_second_records_the_figure_and_the_missing_queries_with_why(tmp_path):
    result, run_dir = _run(tmp_path, SLOS)
    assert result.returncode == 1, result.stderr  # the third SLO: Prometheus uses over 1 MB
    lines = [json.loads(line) for line in (run_dir / "server.jsonl").read_text().splitlines()]
    windows = (run_dir / "windows.jsonl").read_text().splitlines()
    assert sorted(line["second"] for line in lines) == list(range(len(windows)))
    for line in lines:
        rss = line["values"]["rss_mb"]
        assert isinstance(rss, float) and 1 < rss < 10_000, line  # Prometheus' own RSS in MB
        assert line["values"]["broken"] is None and line["values"]["absent"] is None, line
        assert "bad_data" in line["missing"]["broken"], line
        assert line["missing"]["absent"] == "no series", line
        assert "rss_mb" not in line["missing"], line
    events = [json.loads(e) for e in (run_dir / "events.jsonl").read_text().splitlines()]
    said = [(e["metric"], e["problem"]) for e in events if e["kind"] == "server_metric_missing"]
    assert sorted(name for name, _ in said) == ["absent", "broken"], said
    assert "server metric broken missing: bad_data" in result.stderr, result.stderr
    assert "server metric absent missing: no series" in result.stderr, result.stderr
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "server.jsonl" in manifest["files"]

    rows = list(csv.DictReader((run_dir / "timeseries.csv").open()))
    assert len(rows) == len(windows)
    assert list(rows[0])[-3:] == ["server.rss_mb", "server.broken", "server.absent"]
    by_second = {line["second"]: line for line in lines}
    for row in rows:
        assert float(row["server.rss_mb"]) == round(by_second[int(row["second"])]["values"]
                                                    ["rss_mb"], 6)
        assert row["server.broken"] == "" and row["server.absent"] == ""  # missing, not 0
    summary = json.loads((run_dir / "summary.json").read_text())
    block = summary["server"]
    assert block["prometheus"].startswith("http://127.0.0.1:")
    figures = [line["values"]["rss_mb"] for line in lines]
    rss = block["metrics"]["rss_mb"]
    assert rss["query"] == QUERIES["rss_mb"] and rss["seconds_missing"] == 0
    assert (rss["min"], rss["max"]) == (min(figures), max(figures))
    assert rss["seconds_with_figure"] == len(windows) and rss["problems"] == {}
    broken, absent = block["metrics"]["broken"], block["metrics"]["absent"]
    assert broken["seconds_with_figure"] == 0 and broken["seconds_missing"] == len(windows)
    assert broken["max"] is None and list(broken["problems"].values()) == [len(windows)]
    assert absent["problems"] == {"no series": len(windows)}
    rows = [r for r in summary["verdict"]["slos"] if r["metric"] == "server.rss_mb"]
    assert [(r["op"], r["threshold"], r["result"]) for r in rows] == [
        ("max", 100000, "pass"), ("min", 1, "pass"), ("max", 1, "fail")]
    assert rows[0]["observed"] == max(figures) and rows[1]["observed"] == min(figures)
    assert rows[0]["unit"] == "number"
    assert summary["verdict"]["result"] == "fail"
    assert "server.rss_mb" in summary["verdict"]["headline"], summary["verdict"]["headline"]
    assert "server.rss_mb" in result.stdout
    assert "server.rss_mb" in (run_dir / "junit.xml").read_text()
    # report.html draws each on the run's time axis: a line with a figure, nothing without.
    page = (run_dir / "report.html").read_text()
    charts = dict(re.findall(r'<svg[^>]*data-chart="server-([a-z_]+)"(.*?)</svg>', page, re.S))
    assert sorted(charts) == sorted(QUERIES)
    assert re.search(r'data-series="rss_mb"><path d="M[^"]+ L', charts["rss_mb"])
    assert 'data-series="broken"></g>' in charts["broken"]
    assert 'data-series="absent"></g>' in charts["absent"]
    # The folder alone gives the same summary and time series again.
    before = (run_dir / "timeseries.csv").read_text()
    again = harness("report", str(run_dir))
    assert again.returncode == 1, again.stderr
    assert json.loads((run_dir / "summary.json").read_text()) == summary
    assert (run_dir / "timeseries.csv").read_text() == before
