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
from harness.report import write_reports
from harness.summary import summarize

SCENARIO = "scenario.yaml"
SUMMARY = "summary.json"


def write_results(run_dir: Path) -> dict:
    """Compute the summary from the folder's data, write it and the reports; return it."""
    missing = [name for name in (SCENARIO, WINDOWS, EVENTS) if not (run_dir / name).is_file()]
    if missing:
        raise InvalidInput(f"{run_dir}: not a run folder ({', '.join(missing)} missing)")
    scenario = yaml.safe_load((run_dir / SCENARIO).read_text())
    summary = summarize(scenario, read_seconds(run_dir), read_events(run_dir))
    (run_dir / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    write_reports(run_dir, summary)
    return summary
