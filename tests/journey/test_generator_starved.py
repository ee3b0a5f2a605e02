"""A load generator starved by its own viewers (a code journey whose start
hashes for 1.5 s without yielding): the seconds it was saturated are marked
in timeseries.csv, the verdict says generator-bound instead of judging the
stack, the run exits 3, and the console says so. Runs on the journey tests'
own platform (free ports of 127.0.0.1), so it needs no lock."""

from __future__ import annotations

import os

from tests.cli import harness
from tests.journey.test_journey_runs import scenario_for
from tests.run.helpers import number, run_dir, summary, timeseries

VIEWERS = 3  # each start holds the loop for Hog.BURN_S


def test_a_starved_generator_marks_its_seconds_and_the_verdict_is_generator_bound(
        platform_api, accounts_csv, tmp_path):
    scenario = scenario_for(tmp_path, platform_api, "{python: myplatform.py:Hog, accounts: "
                            "accounts.csv}", accounts_csv, extra="""\
slos:
  - {metric: video_start_failure_ratio, max: 0%}
""")
    scenario.write_text(scenario.read_text().replace("viewers: 4", f"viewers: {VIEWERS}"))
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert "Traceback" not in result.stderr, result.stderr
    folder = run_dir(tmp_path / "results")

    rows = timeseries(folder)
    marked = [int(row["second"]) for row in rows if row["generator_saturated"] != "0"]
    assert len(marked) >= 2 and marked[0] <= 2, marked  # the starts, at the run's beginning
    assert len(marked) < len(rows), "after the starts the generator kept up"
    for row in rows:  # each mark follows the rule from the row's own figures
        saturated = number(row["generator_cpu_cores"]) >= 0.9 or \
            number(row["generator_lag_p99_s"]) > 0.1
        assert row["generator_saturated"] == str(int(saturated)), row
        assert row["generator_processes"] == "1"
    assert max(number(r["generator_lag_p99_s"]) for r in rows) > 1.0  # a start held the loop

    s = summary(folder)
    (row,) = s["verdict"]["slos"]
    assert row["result"] == "generator-bound" and row["generator_bound_seconds"] == len(marked)
    assert s["verdict"]["result"] == "generator-bound"
    assert s["generator"]["seconds_saturated"] == len(marked)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"load generator: SATURATED in {len(marked)} of {len(rows)} s" in result.stdout
    assert "GENERATOR-BOUND" in result.stdout
    # Not on a terminal, the status line is printed every 5 s: it says so on a marked second.
    printed = {0, 5} & set(marked)
    assert ("LOAD GENERATOR SATURATED" in result.stderr) == bool(printed), result.stderr
