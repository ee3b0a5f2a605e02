"""/metrics during a real run: a short run on a live stream ffmpeg writes and nginx
serves, scraped as it goes with prometheus-client's OpenMetrics parser and by a real
Prometheus (Debian's `prometheus`, on a free port of 127.0.0.1); the figures advance
and are the run folder's. The live page at the same address is watched in the same
run by a headless Chromium (live_page_look.py): its charts advance, and it shows the
run folder's figures. And a bad --metrics-bind stops the run before it starts, in
one line."""

from __future__ import annotations

import csv
import json
import math
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from tests import grafana
from tests.cli import HARNESS, assert_one_line_error, harness
from tests.streams.servers import (_answers, _stop, free_port, live_encoder, nginx, own_state,
                                   wait_for, wait_for_window)

SHAPE = "hls-ts"
FAULT = "by-hand"
MARKS = [(9, "start"), (12, "end")]  # (seconds recorded, `harness mark` that then)


def scenario_text(stream: str, fault: bool) -> str:
    """A run of 4 viewers on `stream`: 8 s (80 s of match at time_scale 10); or 20 s
    with a fault done by hand (`harness mark`) declared, marked after a baseline band
    (harness.judge.recovery: 5 s of warm-up, 3 of band) and ended with time to recover."""
    half = "100s" if fault else "40s"
    return yaml.safe_dump({
        "name": "live", "platform": "external", "targets": "targets.yaml", "time_scale": 10,
        "timeline": {"start": f"-{half}", "end": half},
        "audience": {"stream": stream, "viewers": [{"at": f"-{half}", "viewers": 4},
                                                   {"at": half, "viewers": 4}]},
        **({"faults_by_hand": [{"name": FAULT, "recover_within": "5s"}]} if fault else {}),
    })


OPENMETRICS = "application/openmetrics-text; version=1.0.0"
PROMETHEUS_CONF = """\
global: {{scrape_interval: 1s, scrape_timeout: 1s}}
scrape_configs:
  - job_name: kickoff
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
"""


def scrape(url: str) -> dict[tuple[str, tuple], float] | None:
    """Every sample at `url` as (name, labels) -> value; None when nothing answers."""
    request = urllib.request.Request(url, headers={"Accept": OPENMETRICS})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return None
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@contextmanager
def prometheus(work: Path, target_port: int) -> Iterator[str]:
    """A Prometheus of its own scraping 127.0.0.1:target_port every second; its URL."""
    work.mkdir()
    (work / "prometheus.yml").write_text(PROMETHEUS_CONF.format(port=target_port))
    port = free_port()
    with open(work / "prometheus.log", "w") as log:
        process = subprocess.Popen(
            ["prometheus", f"--config.file={work / 'prometheus.yml'}",
             f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{url}/-/ready"), "prometheus")
        yield url
    finally:
        _stop(process)
        shutil.rmtree(work / "data", ignore_errors=True)


def query(url: str, promql: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}",
                                timeout=5) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def scraped_run(tmp: Path, stream: str, port: int, fault: bool, *options: str
                ) -> tuple[list[dict], Path, str]:
    """`harness run` on `stream`, serving at `port`, scraped twice a second until it
    ends, its fault marked by hand if it has one: (the scrapes, the run folder, what it
    said on stderr)."""
    (tmp / "run.yaml").write_text(scenario_text(stream, fault))
    with open(tmp / "out.log", "w") as out, open(tmp / "err.log", "w") as err:
        process = subprocess.Popen(
            [HARNESS, "run", str(tmp / "run.yaml"), "--results-dir", str(tmp / "results"),
             "--metrics-bind", f"127.0.0.1:{port}", *options],
            env=own_state(tmp), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    scrapes, deadline, marks = [], time.monotonic() + 60, list(MARKS if fault else [])
    while process.poll() is None and time.monotonic() < deadline:
        found = scrape(f"http://127.0.0.1:{port}/metrics")
        if found is not None:
            scrapes.append(found)
            if marks and found.get(("kickoff_recorded_seconds_total", ()), 0) >= marks[0][0]:
                marked = harness("mark", marks.pop(0)[1], FAULT, env=own_state(tmp), timeout=30)
                assert marked.returncode == 0, marked.stderr
        time.sleep(0.5)
    _stop(process)
    said = (tmp / "out.log").read_text() + (tmp / "err.log").read_text()
    assert process.returncode == 0, said
    (run_dir,) = (tmp / "results").iterdir()
    return scrapes, run_dir, (tmp / "err.log").read_text()


@contextmanager
def live_page(port: int, tmp: Path) -> Iterator[Path]:
    """A headless Chromium on the live page at `port` as soon as it answers, looking
    once a second until the block ends: the file its looks are in."""
    looks = tmp / "looks.json"
    with open(tmp / "look.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("live_page_look.py")),
             f"http://127.0.0.1:{port}/", str(looks)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield looks
    finally:
        _stop(process)


@pytest.fixture(scope="module", params=[(True,), (False, "--workers", "1")],
                ids=["one-process", "master"])
def live_run(request, tmp_path_factory):
    """One run (all viewers in its process, with a fault marked by hand; or on a
    worker process its master serves for, no fault), scraped twice a second by the test and every second by
    Prometheus, its live page watched in Chromium: (the scrapes, the run folder, the
    page's looks and the URLs it asked for, Prometheus' answers after the run, the
    run's stderr)."""
    tmp = tmp_path_factory.mktemp("live")
    www, port = tmp / "www", free_port()
    with nginx(www, tmp / "nginx") as (base, _), live_encoder(SHAPE, www, 60) as manifest, \
            prometheus(tmp / "prometheus", port) as server, live_page(port, tmp) as looks:
        wait_for_window(www, SHAPE, 4)
        (tmp / "targets.yaml").write_text(f"edge: {base}\n")
        began = time.time()
        scrapes, run_dir, err = scraped_run(tmp, f"{base}/{manifest}", port, *request.param)
        time.sleep(1.5)  # the page's poll after the run's process has gone
        answers = {promql: query(server, promql) for promql in (
            "max_over_time(kickoff_recorded_seconds_total[5m])",
            'max_over_time(kickoff_viewers{state="playing"}[5m])',
            'kickoff_requests_total{group="segment"}[5m]',
        )} | grafana.answers(server, began, time.time())
    seen = json.loads(looks.read_text()) if looks.exists() else {"looks": [], "requested": []}
    return scrapes, run_dir, seen, answers, err, request.param[0]


def test_the_console_says_where_it_serves(live_run):
    *_, err, _ = live_run
    assert "live metrics: http://127.0.0.1:" in err, err
    assert "live page: http://127.0.0.1:" in err, err


def test_scrapes_advance_and_are_the_run_folders_figures(live_run):
    scrapes, run_dir, *_ = live_run
    recorded = [s[("kickoff_recorded_seconds_total", ())] for s in scrapes
                if ("kickoff_recorded_seconds_total", ()) in s]
    assert len(set(recorded)) >= 3 and recorded == sorted(recorded), recorded
    with open(run_dir / "timeseries.csv") as file:
        rows = list(csv.DictReader(file))
    windows = [json.loads(line)["window"] for line in (run_dir / "windows.jsonl").open()]
    assert len(rows) == len(windows) >= recorded[-1]
    last_starts = -1.0
    for sample in (s for s in scrapes if s.get(("kickoff_recorded_seconds_total", ()))):
        seen = int(sample[("kickoff_recorded_seconds_total", ())])
        upto, row = rows[:seen], rows[seen - 1]
        for name in ("attempts", "starts", "start_failures", "stalls", "switches"):
            assert sample[(f"kickoff_{name}_total", ())] == sum(int(r[name]) for r in upto), name
        for state in ("joining", "playing", "stalled"):
            assert sample[("kickoff_viewers", (("state", state),))] == int(row[state]), state
        assert sample[("kickoff_target_viewers", ())] == int(row["target_viewers"])
        assert sample[("kickoff_phase", (("phase", row["phase"]),))] == 1
        segments = [w["requests"].get("segment", {}) for w in windows[:seen]]
        assert sample[("kickoff_requests_total", (("group", "segment"),))] == sum(
            t.get("count", 0) for t in segments)
        assert sample[("kickoff_request_failures_total", (("group", "segment"),))] == sum(
            t.get("failures", 0) for t in segments)
        assert sample[("kickoff_request_duration_seconds_count", (("group", "segment"),))] == sum(
            t.get("count", 0) for t in segments)
        assert sample[("kickoff_startup_seconds_count", ())] == sample[("kickoff_starts_total", ())]
        assert sample[("kickoff_played_seconds_total", ())] == pytest.approx(
            sum(w["played_s"] for w in windows[:seen]))
        assert sample[("kickoff_generator_processes", ())] == int(row["generator_processes"])
        if row["average_bitrate_kbps"]:
            assert sample[("kickoff_bitrate_bits_per_second", ())] == pytest.approx(
                float(row["average_bitrate_kbps"]) * 1000, rel=1e-3)
        assert sample[("kickoff_starts_total", ())] >= last_starts
        last_starts = sample[("kickoff_starts_total", ())]
    assert last_starts > 0 and scrapes[-1][("kickoff_bitrate_bits_per_second", ())] > 0


def test_a_real_prometheus_scrapes_the_run(live_run):
    *_, answers, _, _ = live_run
    seconds = answers["max_over_time(kickoff_recorded_seconds_total[5m])"]
    assert seconds and float(seconds[0]["value"][1]) >= 3, answers
    playing = answers['max_over_time(kickoff_viewers{state="playing"}[5m])']
    assert playing and float(playing[0]["value"][1]) > 0, answers
    segments = answers['kickoff_requests_total{group="segment"}[5m]']
    assert segments and len(segments[0]["values"]) >= 3, answers


def test_every_query_of_the_grafana_dashboard_returns_series(live_run):
    *_, answers, _, fault = live_run
    for expr in grafana.queries(grafana.load()):
        numbers = [float(v) for series in answers[expr] for _, v in series["values"]]
        if not fault and "kickoff_fault_state" in expr:  # no fault, no fault series
            assert not numbers, (expr, answers[expr])
            continue
        assert any(math.isfinite(n) for n in numbers), (expr, answers[expr])


@pytest.fixture
def scenario(tmp_path) -> Path:
    """A valid scenario; nothing needs to answer, as the run stops before it starts."""
    (tmp_path / "targets.yaml").write_text(f"edge: http://127.0.0.1:{free_port()}\n")
    (tmp_path / "run.yaml").write_text(scenario_text(f"http://127.0.0.1:{free_port()}/live.m3u8", False))
    return tmp_path / "run.yaml"


def test_a_port_in_use_is_one_line_exit_3(scenario, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = harness("run", str(scenario), "--metrics-bind", f"127.0.0.1:{port}",
                         "--results-dir", str(tmp_path / "results"), env=own_state(tmp_path),
                         timeout=60)
    assert_one_line_error(result, 3, f"127.0.0.1:{port}", "in use")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("bind, words", [
    ("no-such-host.invalid:9640", ("no-such-host.invalid:9640", "no such host")),
    ("192.0.2.1:9640", ("192.0.2.1:9640", "cannot listen there")),
])
def test_a_bad_bind_address_is_one_line_exit_2(scenario, tmp_path, bind, words):
    result = harness("run", str(scenario), "--metrics-bind", bind,
                     "--results-dir", str(tmp_path / "results"), env=own_state(tmp_path),
                     timeout=60)
    assert_one_line_error(result, 2, *words)
    assert not (tmp_path / "results").exists()


def test_an_address_without_port_is_refused_as_arguments_are(scenario, tmp_path):
    result = harness("run", str(scenario), "--metrics-bind", "127.0.0.1",
                     "--results-dir", str(tmp_path / "results"), timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].endswith("'127.0.0.1' has no port (write HOST:PORT, "
                                                   "e.g. 0.0.0.0:5557)"), result.stderr


def test_a_faults_state_goes_from_scheduled_to_in_to_reverted(live_run):
    scrapes, run_dir, *_, fault = live_run
    if not fault:  # the run without faults has no fault series
        assert not any(name == "kickoff_fault_state" for sample in scrapes for name, _ in sample)
        return
    states = ("scheduled", "in", "reverted", "failed")
    seen = [next(state for state in states if sample[
                ("kickoff_fault_state", (("fault", FAULT), ("state", state)))] == 1)
            for sample in scrapes if ("kickoff_fault_state", (("fault", FAULT), ("state", "in")))
            in sample]
    assert list(dict.fromkeys(seen)) == ["scheduled", "in", "reverted"], seen
    kinds = [json.loads(line)["kind"] for line in (run_dir / "events.jsonl").open()]
    assert [k for k in kinds if k.startswith("fault_")] == [
        "fault_scheduled", "fault_injected", "fault_reverted"]


def test_the_live_page_in_chromium_advances_and_shows_the_run(live_run):
    _, run_dir, seen, *_, fault = live_run
    port = seen["requested"][0].split("/")[2] if seen["requested"] else None
    assert seen["requested"] and all(url.startswith(f"http://{port}/")
                                     for url in seen["requested"]), seen["requested"]
    looks = [look for look in seen["looks"] if look["seconds"]]
    shown = [look["charts"]["viewers"]["points"] for look in looks]
    assert len(set(shown)) >= 2 and shown == sorted(shown), shown  # it advanced as it ran
    for look in looks:
        assert set(look["charts"]) == {"viewers", "startup", "stalls", "requests"}, look
        viewers = look["charts"]["viewers"]
        assert viewers["series"] == ["target", "joining", "playing", "stalled"], look
        assert viewers["lines"] == (4 if look["seconds"] > 1 else 0), look  # one second: dots
        assert "segment" in look["charts"]["requests"]["series"], look
        assert look["charts"]["viewers"]["points"] == look["seconds"], look
        assert " so far, on " in look["verdict"] and look["slos"], look
    assert any("kickoff" in look["charts"]["viewers"]["markers"] for look in looks), looks[-1]
    if fault:
        assert any(FAULT in look["charts"]["viewers"]["faults"] for look in looks), looks[-1]
    # What it last showed is the run folder's: that second's audience, and the SLOs
    # its verdict judged.
    last = looks[-1]
    verdict = json.loads((run_dir / "summary.json").read_text())["verdict"]
    assert [(row[0], row[1]) for row in last["slos"]] == [
        (row["metric"], row["phase"]) for row in verdict["slos"]]
    with open(run_dir / "timeseries.csv") as file:
        rows = list(csv.DictReader(file))
    row = rows[last["seconds"] - 1]
    assert last["seconds"] <= len(rows)
    assert (f"second {last['seconds']}, " in last["status"]
            and f": {row['viewers']} viewers, {row['playing']} playing, {row['stalled']} stalled"
            in last["status"]), (last["status"], row)
