"""`harness run --workers N` against the real local stack (time-compressed,
about 25 s a run).

1 vs 2 local workers, same seed, same scenario: the viewers of every second
whose target did not change from the second before are equal (on a second
where the profile steps, one run may reach the new count a moment before
its boundary and the other after it); attempts, start failures, stalls and
the verdict equal; startup p95 within 0.75 s (a viewer that waits on the edge's
cache lock waits 0.5 s: nginx polls the lock that often); time played within 2%; request
totals within 5% (segment requests vary by a few percent from one run to the next whatever the
processes: a switch up right after the start segment fetches it again; two runs of one
worker measured 1,094 and 1,110, and one against two workers 489 and 512 segments). A worker killed with SIGKILL mid-run: the run completes, the loss
is an event and in the report, and no SLO on the stack fails because of it.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from harness.runfolder.recorder import read_seconds
from harness.measure.window import Window
from tests.cli import HARNESS, harness
from tests.run.helpers import events, run_dir, summary, timeseries, write_scenario

RUSH = """\
time_scale: 4
seed: 5
timeline:
  start: -40s
  end: 60s
  phases:
    - {name: pre-match, at: -40s}
    - {name: kickoff, at: -4s}
  peak: kickoff
audience:
  viewers:
    - {at: -40s, viewers: 10}
    - {at: -8s, viewers: 10}
    - {at: 0s, viewers: 40}
    - {at: 60s, viewers: 40}
  clients: {web: 0.4, app: 0.4, tv: 0.2}
  subscribers: 0.3
  api_users:
    - {kind: epg, users: 2, interval: 2s}
slos:
  - {metric: video_start_failure_ratio, max: 1%}
  - {metric: playback_failure_ratio, max: 1%}
  - {metric: rebuffering_ratio, max: 2%}
  - {metric: error_ratio, max: 1%}
"""


def _run(scenario: Path, results: Path, workers: int) -> Path:
    result = harness("run", str(scenario), "--workers", str(workers), "--results-dir",
                     str(results), timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return run_dir(results)


def _total(folder: Path) -> Window:
    total = Window(0)
    for second in read_seconds(folder):
        total.merge(second.window)
    return total


@pytest.mark.only_on("local")
def test_one_and_two_workers_measure_the_same_run(run_stack, tmp_path):
    scenario = write_scenario(tmp_path, "rush", RUSH)
    one, two = (_run(scenario, tmp_path / f"w{n}", n) for n in (1, 2))
    rows = {n: timeseries(folder) for n, folder in ((1, one), (2, two))}
    assert len(rows[1]) == len(rows[2]) >= 24
    steady = [i for i in range(1, len(rows[1]))
              if rows[1][i]["target_viewers"] == rows[1][i - 1]["target_viewers"]]
    assert len(steady) >= len(rows[1]) - 3
    assert [rows[1][i]["viewers"] for i in steady] == [rows[2][i]["viewers"] for i in steady]
    assert rows[2][-1]["viewers"] == "40"
    a, b = _total(one), _total(two)
    assert (a.attempts, a.start_failures, a.stalls) == (b.attempts, b.start_failures, b.stalls)
    assert abs(a.played_s - b.played_s) <= 0.02 * a.played_s
    requests = [sum(t.count for t in w.requests.values()) for w in (a, b)]
    assert abs(requests[0] - requests[1]) <= 0.05 * requests[0], requests
    assert abs(a.startup.percentile(0.95) - b.startup.percentile(0.95)) <= 0.75
    verdicts = [summary(folder)["verdict"] for folder in (one, two)]
    assert [(r["metric"], r["result"]) for r in verdicts[0]["slos"]] == \
        [(r["metric"], r["result"]) for r in verdicts[1]["slos"]]
    assert verdicts[0]["headline"] == verdicts[1]["headline"]
    assert [e["workers"] for e in events(two) if e["kind"] == "run_started"] == [2]


def _workers_of(run: subprocess.Popen) -> list[psutil.Process]:
    return [child for child in psutil.Process(run.pid).children()
            if "worker" in child.cmdline()]


def _wait_for_second(results: Path, second: int, run: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and run.poll() is None:
        folders = [p for p in results.iterdir() if p.is_dir()] if results.exists() else []
        if folders and len((folders[0] / "timeseries.csv").read_text().splitlines()) > second + 1:
            return
        time.sleep(0.2)
    raise AssertionError(f"the run never reached second {second}")


@pytest.mark.only_on("local")
def test_a_worker_killed_mid_run_is_an_event_not_a_stack_failure(run_stack, tmp_path):
    scenario = write_scenario(tmp_path, "rush", RUSH)
    results = tmp_path / "results"
    run = subprocess.Popen([HARNESS, "run", str(scenario), "--workers", "2", "--results-dir",
                            str(results)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, text=True)
    try:
        _wait_for_second(results, 12, run)  # past the kickoff ramp
        workers = _workers_of(run)
        assert len(workers) == 2
        workers[0].send_signal(signal.SIGKILL)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out[-2000:] + err[-2000:]
    folder = run_dir(results)
    lost = [e for e in events(folder) if e["kind"] == "worker_lost"]
    assert len(lost) == 1 and lost[0]["why"] == "no heartbeat"
    assert 10 <= lost[0]["viewers"] <= 30  # about half of the 40
    assert "worker_lost" in (folder / "report.html").read_text()
    verdict = summary(folder)["verdict"]
    assert verdict["headline"].startswith("PASS"), verdict
    assert all(row["result"] == "pass" for row in verdict["slos"])
    # the lost viewers are not failures: none ended with an error
    total = _total(folder)
    assert total.start_failures == total.playback_failures == total.exits_before_start == 0
    # Locust gave the lost viewers to the other worker: the audience is whole again
    assert timeseries(folder)[-1]["viewers"] == "40"
