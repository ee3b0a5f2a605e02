"""A load generator starved by its own journey (a code journey whose API
user holds its loop hashing for 0.5 s of every second): its seconds are
marked saturated in timeseries.csv, the verdict says generator-bound
instead of judging the stack, the run exits 3, and the console says it was
work blocking the process's loop; beside a CPU hog on every core the same
run says the machine's CPUs were busy. `harness capacity` runs such a level
twice before it gives up, and keeps both runs. Runs on the journey tests'
own platform (free ports of 127.0.0.1), so it needs no stack lock."""

from __future__ import annotations

import json
import os

from tests.cli import harness
from tests.hogs import cpu_hogs
from tests.journey.test_journey_runs import scenario_for
from tests.run.helpers import number, run_dir, summary, timeseries

STARVED = "{python: myplatform.py:Blocker, accounts: accounts.csv}"
SLOS = """\
slos:
  - {metric: video_start_failure_ratio, max: 0%}
"""


def _scenario(tmp_path, platform_api, accounts_csv):
    # The API user holds the loop 0.5 s of every second, from the start.
    return scenario_for(tmp_path, platform_api, STARVED, accounts_csv, extra=SLOS, api_users="""\
  api_users:
    - {kind: tokens, users: 1, interval: 1s}
""")


def _run(scenario, tmp_path):
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert "Traceback" not in result.stderr, result.stderr
    return result, run_dir(tmp_path / "results")


def test_a_starved_generator_is_flagged_and_the_console_says_its_loop_was_blocked(
        platform_api, accounts_csv, tmp_path):
    result, folder = _run(_scenario(tmp_path, platform_api, accounts_csv), tmp_path)

    rows = timeseries(folder)
    over = [int(r["second"]) for r in rows if r["generator_over_bounds"] == "1"]
    saturated = [int(r["second"]) for r in rows if r["generator_saturated"] == "1"]
    assert len(saturated) * 2 > len(rows), rows  # held up most of the run, seconds in a row
    assert set(saturated) <= set(over)
    assert max(number(r["generator_lag_p99_s"]) for r in rows) >= 0.4  # a heartbeat held it
    assert all(r["generator_processes"] == "1" for r in rows)

    s = summary(folder)
    (row,) = s["verdict"]["slos"]
    assert row["result"] == "generator-bound", row
    assert row["generator_why"].startswith(f"saturated in {row['saturated_seconds']} of its")
    assert s["verdict"]["result"] == "generator-bound"
    assert s["generator"]["seconds_saturated"] == len(saturated)
    assert s["generator"]["cause"]["cause"] == "blocking", s["generator"]["cause"]
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"load generator: SATURATED in {len(saturated)} of {len(rows)} s" in result.stdout
    assert "work blocking the process's loop (a journey step, a slow disk): the machine had " \
           "idle CPU" in result.stdout
    assert "GENERATOR-BOUND" in result.stdout
    # Not on a terminal, the status line is printed on every second the generator struggled.
    assert "generator stalled" in result.stderr and "LOAD GENERATOR SATURATED" in result.stderr


def test_the_same_generator_beside_a_cpu_hog_on_every_core_says_the_cpus_were_busy(
        platform_api, accounts_csv, tmp_path):
    scenario = _scenario(tmp_path, platform_api, accounts_csv)
    with cpu_hogs(os.cpu_count() or 1):
        result, folder = _run(scenario, tmp_path)

    cause = summary(folder)["generator"]["cause"]
    assert cause["cause"] == "machine", cause
    assert "the machine's CPUs were busy (idle " in result.stdout, result.stdout
    assert f"on {os.cpu_count()} cores" in result.stdout


def test_capacity_runs_a_starved_level_twice_and_keeps_both_runs(platform_api, accounts_csv,
                                                                 tmp_path):
    scenario = _scenario(tmp_path, platform_api, accounts_csv)
    result = harness("capacity", str(scenario), "--start", "1", "--max", "1",
                     "--results-dir", str(tmp_path / "results"),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 3, result.stdout + result.stderr
    folder = run_dir(tmp_path / "results")
    document = json.loads((folder / "capacity.json").read_text())
    (level,) = document["levels"]
    assert level["result"] == "generator-bound" and level["first_try"]["result"] == \
        "generator-bound"
    assert level["run"] != level["first_try"]["run"]
    assert all((folder / run / "summary.json").is_file()
               for run in (level["run"], level["first_try"]["run"]))
    assert document["answer"]["capacity"] is None
    assert f"was run twice: the first run ({level['first_try']['run']}) was generator-bound" \
        in result.stdout
    assert "GENERATOR-BOUND (run twice)" in result.stdout
