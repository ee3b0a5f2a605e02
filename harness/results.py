"""A run folder's derived files: summary.json, report.html and junit.xml,
computed from what the run recorded (scenario.yaml, windows.jsonl,
events.jsonl) and nothing else. `harness run` writes them at its end,
`harness report RUN_DIR` again at any time, with the same result."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from harness.errors import InvalidInput
from harness.recorder import EVENTS, WINDOWS, read_events, read_seconds
from harness.regression import TOLERANCE, deltas, read_summary
from harness.report import write_reports
from harness.summary import summarize
from harness.verdict import judge

SCENARIO = "scenario.yaml"
SUMMARY = "summary.json"


def write_results(run_dir: Path) -> dict:
    """Compute the summary, verdict and regressions from the folder's data (and
    the options the run was started with, from its events), write them and
    the reports; return the summary."""
    missing = [name for name in (SCENARIO, WINDOWS, EVENTS) if not (run_dir / name).is_file()]
    if missing:
        raise InvalidInput(f"{run_dir}: not a run folder ({', '.join(missing)} missing)")
    scenario = yaml.safe_load((run_dir / SCENARIO).read_text())
    seconds, events = read_seconds(run_dir), read_events(run_dir)
    summary = summarize(scenario, seconds, events)
    options = next((e for e in events if e["kind"] == "run_started"), {})
    summary["verdict"] = judge(scenario.get("slos", []), seconds, summary["faults"],
                               summary["peak_phase"], summary["outcome"],
                               strict=options.get("strict", False),
                               groups=summary["request_groups"])
    baseline = options.get("baseline_run")
    if baseline:
        summary["baseline_run"] = baseline
        summary["regressions"] = deltas(summary["verdict"]["slos"],
                                        read_summary(Path(baseline))["verdict"]["slos"],
                                        options.get("regression_tolerance", TOLERANCE))
    (run_dir / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    write_reports(run_dir, summary)
    return summary
