"""report.html of a control run's parent folder: which runs were made, in
which order, their verdicts (each links to its own report) and the
experiment's breaches, each caused by the fault or by load. The same look
as a run's report (harness.report.html)."""

from __future__ import annotations

from pathlib import Path

from harness.report import HTML
from harness.report.html import STYLE, attribution_section
from harness.report.tables import badge
from harness.spec.safe_files import write_replacing
from harness.spec.shown import markup


def _runs(data: dict) -> str:
    rows = "".join(
        f'<tr><td>{markup(run["role"])}</td><td><a href="{markup(run["folder"])}/{HTML}">'
        f"{markup(run['folder'])}</a></td><td>{badge(run['verdict'])}</td>"
        f"<td>{markup(run['headline'])}</td></tr>"
        for run in data["runs"]
    )
    return (
        '<section id="runs"><h2>Runs, in the order they ran</h2><div class="scroll">'
        "<table><thead><tr><th>role</th><th>run folder</th><th>verdict</th>"
        f"<th>headline</th></tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def _result(data: dict) -> str:
    """The experiment's verdict (the banner's colour), else "not-evaluated"."""
    return next(
        (run["verdict"] for run in data["runs"] if run["role"] == "experiment"), "not-evaluated"
    )


def render_page(data: dict) -> str:
    """The page for control.json's data."""
    title = f"{data['scenario'] or 'control run'}: experiment and control ({data['design']})"
    attribution = data.get("attribution")
    body = _runs(data) + (
        attribution_section(attribution)
        if attribution
        else '<section><p class="note">The experiment did not run.</p></section>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{markup(title)} (kickoff)</title><style>{STYLE}</style></head><body><main>"
        f'<header class="banner {markup(_result(data))}"><h1>{markup(title)}</h1></header>'
        f"{body}"
        "<footer>Generated from <code>control.json</code>; each run's own report is in "
        "its folder.</footer></main></body></html>\n"
    )


def write_page(folder: Path, data: dict) -> None:
    write_replacing(folder / HTML, render_page(data))
