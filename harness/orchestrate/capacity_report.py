"""A capacity search for people: the answer in words, the levels as a console
table (tabulate), and report.html with the curves over the levels (startup
p95, error ratio, requests per second with the USL's fitted curve, and each
SLO against its threshold). Everything comes from capacity.json's document."""

from __future__ import annotations

from pathlib import Path

from harness.judge.summary import generator_line
from harness.measure.units import format_value
from harness.orchestrate.capacity_search import (
    BISECTED,
    LEVEL_LIMIT,
    LOWEST_BROKE,
    NO_BREAK,
    STOPPED_BOUND,
)
from harness.report.html import STYLE
from harness.report.svg import Axis, Frame, Series, line_chart
from harness.report.tables import badge
from harness.spec.safe_files import write_replacing
from harness.spec.shown import markup, table

REPORT = "report.html"
# The level badges, in the verdict's colours (harness.report.html's STYLE).
LEVEL_STYLE = (
    ".badge.held { background: var(--pass); } .badge.broke { background: var(--fail); }"
    " .badge.generator-bound { background: var(--bound); }"
)
BLUE, ORANGE, GREY, VERMILLION = "#0072B2", "#E69F00", "#6b7280", "#D55E00"


def _value(document: dict, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} viewers" if document["axis"] == "viewers" else f"{value:g} viewers/s"


def _stop_line(document: dict, answer: dict) -> str:
    held, broke = _value(document, answer["held"]), _value(document, answer["broke"])
    return {
        BISECTED: f"capacity: {held} held, {broke} broke (bisected to "
        f"{document['plan']['resolution']})",
        NO_BREAK: f"capacity: at least {held}: no level broke up to --max",
        LOWEST_BROKE: f"no capacity figure: even the lowest level ({broke}) broke",
        LEVEL_LIMIT: f"capacity: {held} held, {broke} broke (the level limit ended the search "
        f"before the resolution)",
        STOPPED_BOUND: "no capacity figure: the load generator could not make a level's load, "
        "twice in a row, so the level says nothing about the stack",
    }.get(answer["stop"], f"no capacity figure: the search was {answer['stop']}")


def answer_lines(document: dict) -> list[str]:
    """The answer in words, for the console and the report."""
    answer = document["answer"]
    without = f" with {document['without']} down" if document["without"] else ""
    lines = [
        f"{document['scenario']}{without}, axis {document['axis']}: {document['unit']}",
        _stop_line(document, answer),
    ]
    culprit = answer["broken_by"]
    if culprit:
        lines += [f"broken by: {slo}" for slo in culprit["slos"]]
        lines.append(
            "component: "
            + (culprit["component"]["why"] if culprit["component"] else culprit["component_note"])
        )
        if culprit["unhealthy"]:
            lines.append("health checks failed in that level: " + ", ".join(culprit["unhealthy"]))
    if answer.get("generator"):
        lines.append(generator_line({"generator": answer["generator"]}))
    lines += [
        f"level {_value(document, level['value'])} was run twice: the first run "
        f"({level['first_try']['run']}) was generator-bound"
        for level in document["levels"]
        if level.get("first_try")
    ]
    lines += document["usl"].get("lines") or [f"USL: {document['usl']['problem']}"]
    if answer["headroom"]:
        room = answer["headroom"]
        lines.append(f"headroom: {room['text']} (a unit: {room['unit']})")
    return lines


def _broken(level: dict) -> str:
    return ", ".join(r["metric"] for r in level["slos"] if r["result"] in ("fail", "no data"))


def _figures(level: dict) -> list[str]:
    """startup p95, error ratio and requests per second at the level's peak."""
    return [
        format_value(level["startup_time_p95"], "s"),
        format_value(level["error_ratio"], "ratio"),
        format_value(level["requests_per_second"], "per_s"),
    ]


def level_table(document: dict) -> str:
    rows = [
        [
            index,
            _value(document, level["value"]),
            level["viewers"],
            level["result"].upper() + (" (run twice)" if level.get("first_try") else ""),
            *_figures(level),
            _broken(level) or "-",
            level["run"],
        ]
        for index, level in enumerate(document["levels"], start=1)
    ]
    return table(
        rows,
        headers=[
            "#",
            document["axis"],
            "peak viewers",
            "level",
            "startup p95 (peak)",
            "errors (peak)",
            "req/s (peak)",
            "SLOs broken",
            "run folder",
        ],
    )


def console(document: dict) -> str:
    return level_table(document) + "\n\n" + "\n".join(answer_lines(document))


# --- report.html ----------------------------------------------------------------------


def _charts(document: dict) -> list[tuple[str, str]]:
    levels = sorted(document["levels"], key=lambda level: level["value"])
    if not levels:
        return []
    xs = [level["value"] for level in levels]
    frame = Frame(xs, min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1, lambda x: f"{x:g}")
    charts = [
        ("startup", "startup p95 at the peak", "startup_time_p95", "s"),
        ("errors", "request error ratio at the peak", "error_ratio", "ratio"),
        ("requests", "requests per second at the peak", "requests_per_second", "per_s"),
    ]
    found = []
    for key, title, name, unit in charts:
        series = [Series(title, BLUE, [level[name] for level in levels])]
        if key == "requests":
            series += _usl_series(document, levels)
        found.append((title, line_chart(key, title, frame, series, _axis(title, unit))))
    for index, row in enumerate(levels[0]["slos"]):
        label = f"{row['metric']} ({row['phase']})"
        observed = [
            next(
                (
                    r["observed"]
                    for r in level["slos"]
                    if r["metric"] == row["metric"] and r["phase"] == row["phase"]
                ),
                None,
            )
            for level in levels
        ]
        series = [
            Series(label, BLUE, observed),
            Series(
                f"threshold ({row['op']})", VERMILLION, [row["threshold"]] * len(xs), dashed=True
            ),
        ]
        found.append(
            (
                f"SLO {label}",
                line_chart(f"slo-{index}", label, frame, series, _axis(label, row["unit"])),
            )
        )
    return found


def _usl_series(document: dict, levels: list[dict]) -> list[Series]:
    fit = document["usl"]
    if fit.get("sigma") is None:
        return []
    good = Series("answered without error", GREY, [level["goodput"] for level in levels])
    curve = [
        fit["lambda"] * n / (1 + fit["sigma"] * (n - 1) + fit["kappa"] * n * (n - 1))
        for n in (level["viewers"] for level in levels)
    ]
    return [good, Series("USL fit", ORANGE, curve, dashed=True)]


def _axis(label: str, unit: str) -> Axis:
    return Axis(label, lambda value: format_value(value, unit))


def render(document: dict) -> str:
    answer = document["answer"]
    state = (
        "pass"
        if answer and answer["capacity"] is not None
        else ("generator-bound" if answer and answer["stop"] == STOPPED_BOUND else "fail")
    )
    words = "".join(f"<p>{markup(line)}</p>" for line in answer_lines(document)) if answer else ""
    rows = "".join(
        f"<tr><td>{markup(_value(document, level['value']))}</td><td>{level['viewers']}</td>"
        f"<td>{badge(level['result'])}</td>"
        + "".join(f"<td>{markup(figure)}</td>" for figure in _figures(level))
        + f'<td>{markup(_broken(level) or "-")}</td><td><a href="{markup(level["run"])}/'
        f'report.html">{markup(level["run"])}</a></td></tr>'
        for level in document["levels"]
    )
    table = (
        "<table><thead><tr><th>level</th><th>peak viewers</th><th>result</th>"
        "<th>startup p95</th><th>errors</th><th>req/s</th><th>SLOs broken</th>"
        f"<th>run</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    figures = "".join(
        f"<figure><h3>{markup(title)}</h3>{svg}</figure>" for title, svg in _charts(document)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{markup(document['scenario'])}: capacity (kickoff report)</title>"
        f"<style>{STYLE}{LEVEL_STYLE}</style></head><body><main>"
        f'<header class="banner {state}"><h1>{markup(document["scenario"])}: capacity</h1>'
        f'<div class="verdict"><span class="headline">{words}</span></div></header>'
        f'<section id="levels"><h2>Levels</h2><div class="scroll">{table}</div></section>'
        f'<section id="curves"><h2>Curves over the levels</h2><p class="note">x: '
        f"{markup(document['unit'])}</p>{figures}</section>"
        "<footer>Generated from <code>capacity.json</code> by <code>harness capacity"
        "</code>.</footer></main></body></html>\n"
    )


def write_report(folder: Path, document: dict) -> Path:
    path = folder / REPORT
    write_replacing(path, render(document))
    return path
