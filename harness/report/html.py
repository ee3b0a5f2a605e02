"""report.html: one self-contained page per run (inline CSS and SVG, no script,
nothing fetched), readable with the network off and attachable to a ticket."""

from __future__ import annotations

from collections.abc import Sequence

from harness.judge.summary import fault_output_lines, generator_line
from harness.platforms.usage import usage_line
from harness.report.charts import charts
from harness.report.tables import (
    attribution_table,
    badge,
    event_table,
    fault_table,
    phase_tables,
    regression_table,
    slo_table,
)
from harness.runfolder.recorder import Second
from harness.spec.shown import markup

STYLE = """
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --pass: #15803d;
  --degraded: #b45309; --fail: #b91c1c; --none: #6b7280; --bound: #6d28d9; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: var(--fg); font: 15px/1.5 system-ui,
  -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans",
  "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 40px; }
.banner { border-radius: 10px; padding: 20px 26px; color: #fff; background: var(--none); }
.banner.pass { background: var(--pass); } .banner.degraded { background: var(--degraded); }
.banner.fail { background: var(--fail); }
.banner.generator-bound { background: var(--bound); }
.banner h1 { margin: 0; font-size: 26px; }
.banner .description { margin: 4px 0 0; max-width: 80ch; opacity: .92; }
.banner .verdict { margin: 14px 0 0; display: flex; gap: 16px; align-items: baseline;
  flex-wrap: wrap; }
.banner .result { font-size: 32px; font-weight: 800; letter-spacing: .05em; }
.banner .headline { font-size: 17px; font-weight: 600; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 32px; margin: 16px 0 0; padding: 12px 0 0;
  border-top: 1px solid rgba(255, 255, 255, .35); }
.facts dt { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; opacity: .8; }
.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.facts dd.warn::before { content: "⚠ "; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 22px 18px; margin-top: 20px; }
h2 { font-size: 19px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 18px 0 4px; color: var(--muted); font-weight: 600; }
p.note { color: var(--muted); margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px;
  font-variant-numeric: tabular-nums; margin-bottom: 14px; }
th { text-align: left; font-weight: 600; color: var(--muted); vertical-align: bottom;
  border-bottom: 2px solid var(--line); padding: 6px 8px; line-height: 1.25; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
td:first-child { white-space: nowrap; }
td.number { text-align: right; white-space: nowrap; }
th.number { text-align: right; }
td small { display: block; color: var(--muted); font-size: 11.5px; }
td .status { white-space: normal; display: inline-block; max-width: 16ch; text-align: left; }
tbody tr:nth-child(even) td { background: #f9fafb; }
tr.failing td, tbody tr.failing:nth-child(even) td { background: #fef2f2; }
tr.failing td:first-child { box-shadow: inset 4px 0 0 var(--fail); }
tr.peak td { font-weight: 600; }
table.phases { font-size: 12.5px; }
table.phases th, table.phases td { padding: 6px 5px; }
table.phases .tag { display: table; margin-top: 2px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px;
  font-weight: 700; text-transform: uppercase; letter-spacing: .03em; color: #fff;
  background: var(--none); white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.degraded { background: var(--degraded); }
.badge.fail, .badge.no-data { background: var(--fail); }
.badge.generator-bound { background: var(--bound); }
tr.bound td, tbody tr.bound:nth-child(even) td { background: #f5f3ff; }
tr.bound td:first-child { box-shadow: inset 4px 0 0 var(--bound); }
p.generator.saturated { color: var(--bound); font-weight: 600; }
.tag { font-size: 11px; font-weight: 400; border: 1px solid var(--line); border-radius: 4px;
  padding: 0 4px; color: var(--muted); }
figure { margin: 0 0 8px; }
svg.chart { display: block; width: 100%; height: auto; }
svg .plot { fill: #fff; stroke: var(--line); }
svg .grid { stroke: #eef0f3; }
svg .axis { stroke: #9ca3af; }
svg text { fill: var(--fg); font-size: 12px; }
svg .tick, svg .phase-label { fill: var(--muted); font-size: 11px; }
svg .kickoff-label, svg .fault-label { paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
svg .fault-window { fill: #f59e0b; fill-opacity: .16; }
svg .fault-label { fill: #92400e; font-size: 11px; font-weight: 600; }
svg .saturated-window { fill: #6d28d9; fill-opacity: .10; }
svg .saturated-strip { fill: #6d28d9; }
svg .stall-mark { fill: #6d28d9; fill-opacity: .55; }
svg .marker.kickoff line { stroke: #111827; stroke-width: 2; }
svg .kickoff-label { font-weight: 700; }
svg .marker.phase line { stroke: #9ca3af; stroke-dasharray: 2 3; }
details summary { cursor: pointer; font-weight: 600; }
footer { color: var(--muted); font-size: 13px; margin-top: 22px; }
code { font-size: 12.5px; background: #e5e7eb; border-radius: 4px; padding: 1px 4px; }
"""


def _time_scales(summary: dict) -> str:
    """ "16, faults at 1" (where faults run at another scale than the timeline)."""
    scale, faults = summary.get("time_scale", ""), summary.get("fault_time_scale")
    if faults is None or not summary.get("faults") or faults >= scale:
        return f"{scale}"
    return f"{scale}, faults at {faults:g}"


def _banner(summary: dict) -> str:
    verdict = summary.get("verdict") or {}
    result = verdict.get("result")
    headline = verdict.get("headline") or "No verdict: the SLOs of this run were not evaluated."
    description = summary.get("description")
    audience = summary.get("audience", {})
    outcome = summary.get("outcome", "")
    facts = [
        ("outcome", outcome, "" if outcome == "completed" else "warn"),
        ("started (UTC)", summary.get("started_utc") or "-", ""),
        ("platform", summary.get("platform", ""), ""),
        ("time scale", _time_scales(summary), ""),
        ("seed", summary.get("seed", ""), ""),
        (
            "peak viewers",
            f"{audience.get('peak_viewers', '-')} of "
            f"{audience.get('peak_target_viewers', '-')} wanted",
            "",
        ),
        _generator_fact(summary.get("generator")),
    ]
    items = "".join(
        f'<div><dt>{markup(name)}</dt><dd class="{css}">{markup(str(value))}</dd></div>'
        for name, value, css in facts
    )
    return (
        f'<header class="banner {markup(result or "not-evaluated")}">'
        f"<h1>{markup(summary['scenario'])}</h1>"
        + (f'<p class="description">{markup(description)}</p>' if description else "")
        + f'<div class="verdict"><span class="result">'
        f"{markup((result or 'not evaluated').upper())}</span>"
        f'<span class="headline">{markup(headline)}</span></div>'
        f'<dl class="facts">{items}</dl></header>'
    )


def _generator_fact(truth: dict | None) -> tuple[str, str, str]:
    """The banner's fact on the load generator: (name, value, css)."""
    if truth is None:
        return "load generator", "not measured", ""
    said = []
    if truth["seconds_saturated"]:
        said.append(f"saturated {truth['seconds_saturated']} of {truth['seconds_measured']} s")
    if truth.get("stalls"):
        said.append(f"{truth['stalls']} stall(s) up to {truth['largest_stall_s']:.2f} s")
    return (
        ("load generator", ", ".join(said), "warn") if said else ("load generator", "kept up", "")
    )


def _section(key: str, title: str, body: str) -> str:
    return f'<section id="{key}"><h2>{markup(title)}</h2>{body}</section>'


def _slos(summary: dict) -> str:
    verdict = summary.get("verdict")
    if not verdict:
        return _section(
            "slos",
            "Service level objectives",
            '<p class="note">Not evaluated: this run has no verdict.</p>',
        )
    strict = ' <span class="tag">strict</span>' if verdict.get("strict") else ""
    demand = f"<p>demand: {badge(verdict['demand'])}{strict}</p>" if "demand" in verdict else ""
    truth = summary.get("generator") or {}
    saturated = " saturated" if truth.get("seconds_saturated") or truth.get("stalls") else ""
    generator = f'<p class="generator{saturated}">{markup(generator_line(summary))}</p>'
    if usage_line(summary.get("components")):
        generator += f'<p class="components">{markup(usage_line(summary["components"]))}</p>'
    return _section(
        "slos",
        "Service level objectives",
        demand + generator + f'<div class="scroll">{slo_table(verdict.get("slos", []))}</div>',
    )


def _timeline(summary: dict, seconds: Sequence[Second], events: Sequence[dict]) -> str:
    started = next((e.get("match_s") for e in events if e["kind"] == "run_started"), None)
    figures = "".join(
        f"<figure><h3>{markup(title)}</h3>{svg}</figure>"
        for title, svg in charts(summary, seconds, started)
    )
    truth = summary.get("generator") or {}
    if truth.get("seconds_saturated") or truth.get("stalls"):
        figures = (
            '<p class="generator saturated">Shaded purple, with a bar along the top: '
            "seconds in which the load generator was saturated (SLOs are judged without "
            "them too). A short purple mark at the top: a second in which it stalled "
            "once (what was measured in that second and the next is also judged "
            "without it: durations shortened by the stall, counts left out). An SLO reads "
            "generator-bound only where they could have changed its verdict.</p>" + figures
        )
    return _section(
        "timeline", "Timeline", figures or '<p class="note">No seconds were recorded.</p>'
    )


def attribution_section(attribution: dict) -> str:
    """The SLO breaches of an experiment, each caused by the fault or by load."""
    controls = markup(", ".join(attribution["controls"]))
    note = (
        f'<p class="note">Each SLO breach judged again on the control run ({controls}): '
        "the same audience and seed without faults, over the same span of the "
        "timeline.</p>"
    )
    rows = attribution["rows"]
    body = (
        f'<div class="scroll">{attribution_table(rows)}</div>'
        if rows
        else '<p class="note">No SLO breach to attribute.</p>'
    )
    return _section("attribution", "Caused by the fault, or by load?", note + body)


def render_html(summary: dict, seconds: list[Second], events: list[dict]) -> str:
    """The whole report page for one run."""
    verdict = summary.get("verdict")
    faults = summary.get("faults") or []
    regressions = summary.get("regressions") or []
    result = (verdict or {}).get("result") or "not evaluated"
    body = [_banner(summary), _slos(summary)]
    if faults:
        said = "".join(f'<p class="note">{markup(line)}</p>' for line in fault_output_lines(faults))
        body.append(
            _section(
                "faults",
                "Faults",
                '<div class="scroll">'
                + fault_table(faults, (verdict or {}).get("faults", []))
                + "</div>"
                + said,
            )
        )
    if "attribution" in summary:
        body.append(attribution_section(summary["attribution"]))
    if regressions:
        body.append(
            _section(
                "regressions",
                "Regressions against the baseline",
                f'<div class="scroll">{regression_table(regressions)}</div>',
            )
        )
    body.append(_section("phases", "Phases", f'<div class="scroll">{phase_tables(summary)}</div>'))
    body.append(_timeline(summary, seconds, events))
    body.append(
        _section(
            "events",
            "Events",
            f"<details><summary>{len(events)} events"
            f'</summary><div class="scroll">{event_table(events)}</div></details>',
        )
    )
    footer = (
        "<footer>Generated from <code>summary.json</code>, <code>windows.jsonl</code> and "
        "<code>events.jsonl</code> by <code>harness report RUN_DIR</code>.</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{markup(summary['scenario'])}: {markup(result)} (kickoff report)</title>"
        f"<style>{STYLE}</style></head><body><main>{''.join(body)}{footer}</main>"
        "</body></html>\n"
    )
