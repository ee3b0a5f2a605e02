"""A sweep's reports, from sweep.json alone: the console table, junit.xml (a
test case per fault and journey) and report.html (the matrix, each row
linked to its run's own report)."""

from __future__ import annotations

from pathlib import Path

from tabulate import tabulate

from harness.measure.units import format_value
from harness.orchestrate.sweep_matrix import FAIL, NO_DATA, NOT_EXERCISED
from harness.report import HTML, JUNIT
from harness.report.charts import JOURNEY_COLOURS
from harness.report.html import STYLE
from harness.report.junit import case, document
from harness.report.svg import Axis, Frame, Series, Span, line_chart
from harness.report.tables import badge
from harness.spec.safe_files import write_replacing
from harness.spec.shown import escaped, markup

BOUNDS = {"max": "<=", "min": ">="}


def figure(cell: dict) -> str:
    """The cell's worst figure in words: "start failures 100% (<= 1%)"."""
    worst = cell.get("worst")
    if worst is None:
        return "no data"
    return (
        f"{worst['label']} {format_value(worst['value'], worst['unit'])} "
        f"({BOUNDS[worst['op']]} {format_value(worst['threshold'], worst['unit'])})"
    )


def recovery(cell: dict) -> str:
    """Time to recover in words; empty for a journey that never broke."""
    if not cell.get("broken"):
        return ""
    back = cell.get("recovered_after_s")
    return "not recovered" if back is None else f"back after {format_value(back, 's')}"


def spof_lines(sweep: dict) -> list[str]:
    """The single points of failure, a line each (or a line saying there were none)."""
    found = sweep.get("single_points_of_failure") or []
    if not found:
        done = len(sweep.get("rows", []))
        return [f"single points of failure: none (no fault of {done} failed a journey)"]
    return [
        f"SINGLE POINT OF FAILURE: {s['target']} ({s['fault']}, {s['kind']}) fails "
        f"{', '.join(s['fails'])}"
        for s in found
    ]


def exercised(sweep: dict) -> list[dict]:
    """The journeys the sweep's audience made in some run (a journey of the
    app that nobody in this audience takes, sign-up without newcomers, is no column)."""
    judged = [row["cells"] for row in sweep["rows"] if row.get("cells")]
    return [
        j
        for j in sweep["journeys"]
        if not judged or any(cells[j["key"]]["verdict"] != NOT_EXERCISED for cells in judged)
    ]


def console_table(sweep: dict) -> str:
    """The matrix for the console, single points of failure first."""
    journeys = exercised(sweep)
    rows = []
    for row in sweep["rows"]:
        cells = (
            [escaped(row["error"])]
            if row.get("error")
            else [
                "\n".join(filter(None, (cell["verdict"].upper(), figure(cell), recovery(cell))))
                for cell in (row["cells"][j["key"]] for j in journeys)
            ]
        )
        rows.append([escaped(row["fault"]), *cells])  # cells: lines of kickoff's own words
    table = tabulate(rows, headers=["fault", *(escaped(j["name"]) for j in journeys)])
    return "\n".join([*spof_lines(sweep), "", table, "", f"sweep: {sweep['outcome']}"])


def junit(sweep: dict) -> str:
    """A test case per fault and journey: a failure when the fault failed the
    journey, an error when it could not be judged (no data, fault not injected)."""
    suite = f"kickoff.{sweep['scenario']}.sweep"
    cases = []
    for row in sweep["rows"]:
        for journey in exercised(sweep):
            cell = row["cells"].get(journey["key"])
            name = f"{row['fault']}: {journey['name']}"
            if cell is None:
                cases.append(
                    case(
                        f"{suite}.{row['fault']}",
                        name,
                        ("not-judged", f"fault {row.get('error', 'not judged')}"),
                    )
                )
                continue
            failure = None
            if cell["verdict"] == FAIL:
                failure = ("journey", f"{figure(cell)}; {recovery(cell) or 'no recovery'}")
            elif cell["verdict"] == NO_DATA:
                failure = ("no-data", "nobody made this journey while the fault was in")
            cases.append(case(f"{suite}.{row['fault']}", name, failure))
    properties = {
        "scenario": sweep["scenario"],
        "platform": sweep["platform"],
        "outcome": sweep["outcome"],
        "peak_viewers": sweep["peak_viewers"],
    }
    return document(
        suite,
        cases,
        properties,
        "\n".join(spof_lines(sweep)),
        sum(row["seconds"] for row in sweep["rows"]),
        sweep.get("started_utc"),
    )


def _matrix(sweep: dict) -> str:
    journeys = exercised(sweep)
    head = "".join(f"<th>{markup(j['name'])}</th>" for j in journeys)
    body = []
    for row in sweep["rows"]:
        link = f'<a href="{markup(row["run_dir"])}/report.html">{markup(row["fault"])}</a>'
        if row.get("error"):
            cells = f'<td colspan="{len(journeys)}">{markup(row["error"])}</td>'
        else:
            cells = "".join(
                f"<td>{badge(c['verdict'])}<small>{markup(figure(c))}</small>"
                f"<small>{markup(recovery(c))}</small></td>"
                for c in (row["cells"][j["key"]] for j in journeys)
            )
        failing = any(c["verdict"] == FAIL for c in row["cells"].values())
        what = f"{row['kind']} {row['target']}"
        body.append(
            f'<tr class="{"failing" if failing else ""}"><td>{link}'
            f"<small>{markup(what)}</small></td>{cells}</tr>"
        )
    return (
        f'<div class="scroll"><table class="matrix"><thead><tr><th>fault</th>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _chart(sweep: dict, row: dict) -> str:
    """The fault's run second by second: each journey's share failing, the fault shaded."""
    failing = row["failing_by_second"]
    ends = [second + 1 for second in failing["second"]]  # a value is its second's, at its end
    frame = Frame(
        ends,
        0.0,
        max(ends, default=1),
        lambda x: f"{x:g} s",
        [Span(row["fault"], row["injected_s"], row["reverted_s"])],
    )
    series = [
        Series(
            journey["name"],
            JOURNEY_COLOURS[index % len(JOURNEY_COLOURS)],
            failing[journey["key"]],
            dashed=index >= len(JOURNEY_COLOURS),
        )
        for index, journey in enumerate(exercised(sweep))
    ]
    title = f"{row['fault']}: share failing per journey, by second of its run"
    return (
        f"<figure><h3>{markup(title)}</h3>"
        + line_chart(
            row["fault"], title, frame, series, Axis("failing", lambda v: format_value(v, "ratio"))
        )
        + "</figure>"
    )


def html(sweep: dict) -> str:
    """The sweep's page: single points of failure, the matrix, how it ran."""
    spofs = sweep.get("single_points_of_failure") or []
    result = FAIL if spofs else "pass"
    facts = (
        f"{sweep['platform']} platform, {sweep['peak_viewers']} viewers held, each fault "
        f"{format_value(sweep['fault_for_s'], 's')} of match time at time scale "
        f"{sweep.get('fault_time_scale', sweep['time_scale']):g} (the rest at "
        f"{sweep['time_scale']:g}); {sweep['outcome']}"
    )
    lines = "".join(f"<li>{markup(line)}</li>" for line in spof_lines(sweep))
    charts = "".join(_chart(sweep, row) for row in sweep["rows"] if "failing_by_second" in row)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{markup(sweep['scenario'])}: sweep (kickoff report)</title>"
        f"<style>{STYLE}</style></head><body><main>"
        f'<header class="banner {result}"><h1>{markup(sweep["scenario"])}: single '
        f'points of failure</h1><p class="description">{markup(facts)}</p></header>'
        f'<section id="spof"><h2>Single points of failure</h2><ul>{lines}</ul></section>'
        f'<section id="matrix"><h2>Blast radius: fault × user journey</h2>'
        f"{_matrix(sweep)}</section>"
        f'<section id="timelines"><h2>Each fault second by second</h2>{charts}</section>'
        "<footer>Generated from <code>sweep.json</code>; each fault's run folder has its "
        "own report.</footer></main></body></html>\n"
    )


def write_reports(folder: Path, sweep: dict) -> list[Path]:
    """report.html and junit.xml of the sweep, into its folder."""
    page, tests = folder / HTML, folder / JUNIT
    write_replacing(page, html(sweep))
    write_replacing(tests, junit(sweep))
    return [page, tests]
