"""A run folder's derived files: summary.json, report.html, junit.xml and
timeseries.csv (again, with the whole run's generator marks),
computed from what the run recorded (scenario.yaml, windows.jsonl,
events.jsonl, server.jsonl when it read server metrics; an experiment of
`harness run --control` also its controls' seconds in controls/) and nothing
else. `harness run` writes them at its end,
`harness report RUN_DIR` again at any time, with the same result.

Damaged data is refused (InvalidInput, one `FILE:LINE: problem` per damaged
line); only a torn last line (the harness killed mid-write) is dropped. Data
lost without a trace in its lines (a file cut at a line, spliced from another
run, renumbered; no manifest: the run was killed) is found against the
folder's manifest (harness.runfolder.manifest) and the run's own clocks
(harness.runfolder.plausible). Each loss is one line of the verdict's `incomplete`,
which then fails as INCOMPLETE, never a pass (docs/results.md). Every file is
written inside the folder, replacing what has its name (harness.spec.safe_files)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.judge.attribution import attribute, mark, read_controls
from harness.judge.recorded_scenario import read_scenario, slos_of
from harness.judge.regression import TOLERANCE, deltas, slo_rows
from harness.judge.server_summary import server_block
from harness.judge.summary import summarize
from harness.judge.verdict import judge
from harness.report import write_reports
from harness.runfolder import manifest, plausible
from harness.runfolder.events import check_fault_order
from harness.runfolder.recorder import (
    EVENTS,
    WINDOWS,
    Second,
    read_recorded,
    with_server,
    write_timeseries,
)
from harness.runfolder.server_metrics import read_server
from harness.spec.errors import InvalidInput
from harness.spec.safe_files import write_replacing

SCENARIO = "scenario.yaml"
SUMMARY = "summary.json"


def write_results(run_dir: Path) -> dict:
    """Compute the summary, verdict and regressions from the folder's data (and
    the options the run was started with, from its events), write them and
    the reports; return the summary."""
    missing = [
        name
        for name in (SCENARIO, WINDOWS, EVENTS)
        if not (run_dir / name).exists() and not (run_dir / name).is_symlink()
    ]
    if missing:
        raise InvalidInput(f"{run_dir}: not a run folder ({', '.join(missing)} missing)")
    scenario = read_scenario(run_dir / SCENARIO)
    seconds, events, torn = read_recorded(run_dir)
    _check_seconds(seconds, run_dir / WINDOWS)
    check_fault_order(events, run_dir / EVENTS)
    summary = summarize(scenario, seconds, events)
    options = next((e for e in events if e["kind"] == "run_started"), {})
    lost = (
        torn
        + manifest.problems(run_dir, options.get("run_id"), len(seconds))
        + plausible.problems(seconds, events)
    )
    summary["run_id"] = options.get("run_id")
    summary["manifest_sha256"] = manifest.digest(run_dir)  # what `harness compare` checks
    # The columns the run wrote: its declared groups (a folder from before: the summary's).
    server = read_server(run_dir)  # the platform's own figures, if the run read them
    groups = options.get("request_groups", summary["request_groups"])
    write_timeseries(run_dir, seconds, groups, server)
    if server is not None:
        summary["server"] = server_block(server, len(seconds), events)
        seconds = with_server(seconds, server)  # for SLOs on server.<name>
    summary["verdict"] = judge(
        slos_of(scenario),
        seconds,
        summary["faults"],
        summary["peak_phase"],
        summary["outcome"],
        strict=options.get("strict", False),
        groups=summary["request_groups"],
        incomplete=lost,
    )
    controls = read_controls(run_dir)  # an experiment of `harness run --control`
    if controls:
        summary["attribution"] = attribute(
            summary["verdict"], summary["faults"], summary["peak_phase"], controls
        )
        mark(summary["verdict"], summary["attribution"])
    baseline = options.get("baseline_run")
    if baseline:
        summary["baseline_run"] = baseline
        summary["regressions"] = deltas(
            summary["verdict"]["slos"],
            slo_rows(Path(baseline)),
            options.get("regression_tolerance", TOLERANCE),
        )
    write_replacing(run_dir / SUMMARY, json.dumps(summary, indent=2) + "\n")
    write_reports(run_dir, summary)
    return summary


def _check_seconds(seconds: list[Second], path: Path) -> None:
    """The run wrote every second from 0 on, one a line: a gap or a repeat is
    a lost or doubled line (line numbers: the seconds' places)."""
    for line, second in enumerate(seconds, start=1):
        if second.window.second != line - 1:
            raise InvalidInput(
                f"{path}:{line}: second {second.window.second} where {line - 1} "
                f"was due (a line is missing or repeated)"
            )
