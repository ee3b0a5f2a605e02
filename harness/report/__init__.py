"""A run's reports, rendered from its folder alone: report.html for people,
junit.xml for CI. Pure renderers; the verdict they show is computed elsewhere.
Both replace what has their name in the folder (harness.spec.safe_files)."""

from __future__ import annotations

from pathlib import Path

from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.runfolder.recorder import read_events, read_seconds, with_server
from harness.runfolder.server_metrics import read_server
from harness.spec.safe_files import write_replacing

HTML, JUNIT = "report.html", "junit.xml"


def write_reports(run_dir: Path, summary: dict) -> list[Path]:
    """Writes report.html and junit.xml into the run folder; returns their paths."""
    html, junit = run_dir / HTML, run_dir / JUNIT
    seconds = with_server(read_seconds(run_dir), read_server(run_dir))
    write_replacing(html, render_html(summary, seconds, read_events(run_dir)))
    write_replacing(junit, render_junit(summary))
    return [html, junit]
