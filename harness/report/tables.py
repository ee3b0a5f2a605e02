"""The report's tables as HTML: SLOs, faults, regressions, phases and events.
Every text from the run's data is escaped here, where it enters the page."""

from __future__ import annotations

import json
from collections.abc import Sequence

from harness.judge.summary import (
    ATTEMPTS,
    ATTEMPTS_NOTE,
    booking_line,
    protocols_line,
    request_figures,
    tiers_line,
    viewer_columns,
    waiting_line,
)
from harness.measure.metrics import known_metric
from harness.measure.truth import GENERATOR_BOUND
from harness.measure.units import format_change, format_value
from harness.spec.quantities import match_clock
from harness.spec.shown import markup

BOUND = {"max": "≤", "min": "≥"}
FAILING = {"fail", "no data"}
EVENT_FIELDS = ("time_utc", "epoch", "kind", "match_s")  # shown in their own columns


Cell = tuple[str, str]  # its HTML and its class ("number": right-aligned, on one line)


def _cell(text: object, css: str = "") -> Cell:
    """A cell whose content is plain text from the data."""
    return markup(str(text)), css


def _html_cell(content: str, css: str = "") -> Cell:
    return content, css


def _td(cell: Cell) -> str:
    content, css = cell
    return f'<td class="{css}">{content}</td>' if css else f"<td>{content}</td>"


def badge(result: str | None) -> str:
    text = result or "not evaluated"
    return f'<span class="badge {markup(text.replace(" ", "-"))}">{markup(text)}</span>'


def _table(css: str, headers: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]) -> str:
    """rows: (the row's class, its cells); a header is aligned like its column's cells."""
    aligned = [cell_css for _, cell_css in rows[0][1]] if rows else [""] * len(headers)
    head = "".join(
        f'<th class="{a}">{markup(h)}</th>' if a else f"<th>{markup(h)}</th>"
        for h, a in zip(headers, aligned, strict=True)
    )
    body = "".join(
        f'<tr class="{row_css}">{"".join(map(_td, cells))}</tr>'
        if row_css
        else f"<tr>{''.join(map(_td, cells))}</tr>"
        for row_css, cells in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _unit(metric: str) -> str:
    known = known_metric(metric)
    return known.unit if known else ""


def slo_table(slos: Sequence[dict]) -> str:
    rows = []
    for slo in slos:
        unit = slo.get("unit") or _unit(slo["metric"])
        span = slo.get("span")
        phase = slo["phase"] + (f" ({span})" if span and span != slo["phase"] else "")
        metric = markup(slo["metric"]) + (
            ' <span class="tag">default</span>' if slo.get("default") else ""
        )
        css = (
            "failing"
            if slo["result"] in FAILING
            else "bound"
            if slo["result"] == GENERATOR_BOUND
            else ""
        )
        rows.append(
            (
                css,
                [
                    _cell(slo.get("judged_for", "")),
                    _cell(phase),
                    _html_cell(metric),
                    _cell(f"{BOUND[slo['op']]} {format_value(slo['threshold'], unit)}", "number"),
                    _cell(format_value(slo.get("observed"), unit), "number"),
                    _html_cell(_clean(slo, unit), "number"),
                    _html_cell(
                        badge(slo["result"])
                        + (
                            f"<small>{markup(slo['generator_why'])}</small>"
                            if slo.get("generator_why")
                            else ""
                        )
                    ),
                ],
            )
        )
    return _table(
        "slos",
        [
            "judged for",
            "phase",
            "metric",
            "threshold",
            "observed",
            "without the generator's shortfall",
            "result",
        ],
        rows,
    )


def _clean(slo: dict, unit: str) -> str:
    """A cell's HTML: the figure judged without the load generator's saturated
    seconds and stalls, with what was left out; "-" when it had none there."""
    if not slo.get("saturated_seconds") and not slo.get("stall_seconds"):
        return "-"
    left = [f"{slo['saturated_seconds']} s saturated"] if slo.get("saturated_seconds") else []
    if slo.get("stall_seconds"):
        left.append(f"stall {format_value(slo['stall_s'], 's')}")
    return markup(format_value(slo["clean"], unit)) + f"<small>{markup(', '.join(left))}</small>"


def attribution_table(rows: Sequence[dict]) -> str:
    """Each breach of an experiment against its control (harness run --control)."""
    body = []
    for r in rows:
        unit = r["unit"]
        difference = (
            "-"
            if r["difference"] is None
            else ("+" if r["difference"] > 0 else "") + format_value(r["difference"], unit)
        )
        body.append(
            (
                "failing" if r["cause"] in ("fault", "both") else "",
                [
                    _cell(r["judged_for"]),
                    _cell(r["span"]),
                    _cell(r["metric"]),
                    _cell(f"{BOUND[r['op']]} {format_value(r['threshold'], unit)}", "number"),
                    _html_cell(
                        f"{markup(format_value(r['experiment'], unit))}"
                        f"<small>{r['experiment_seconds']} s</small>",
                        "number",
                    ),
                    _html_cell(
                        f"{markup(format_value(r['control'], unit))}"
                        f"<small>{r['control_seconds']} s of {markup(r['control_run'])}</small>",
                        "number",
                    ),
                    _cell(difference, "number"),
                    _cell(r["words"]),
                ],
            )
        )
    return _table(
        "attribution",
        ["judged for", "phase", "SLO", "threshold", "experiment", "control", "difference", "cause"],
        body,
    )


def _after(fault: dict, key: str, never: str) -> str:
    """A delay in seconds; `never` when it is null, "-" when the fault lacks it."""
    if key not in fault:
        return "-"
    return never if fault[key] is None else format_value(fault[key], "s")


def _moment(match_s: float | None, delay_ms: float | None) -> str:
    """A cell's HTML: match time of an injection or revert, and how late it came."""
    if match_s is None:
        return "-"
    late = f"<small>+{format_value(delay_ms / 1000, 's')}</small>" if delay_ms is not None else ""
    return markup(match_clock(match_s)) + late


def fault_table(faults: Sequence[dict], judged: Sequence[dict]) -> str:
    results = {f["name"]: f.get("result") for f in judged}
    rows = []
    for f in faults:
        reverted = _moment(f.get("reverted_match_s"), f.get("revert_delay_ms"))
        if f.get("reverted_match_s") is None and f.get("status"):
            reverted = f'<span class="status">{markup(f["status"])}</span>'
        recovered = markup(_after(f, "recovered_after_s", "never"))
        if f.get("recovery_from") and f.get("recovered_after_s") is not None:
            recovered += f"<small>from {markup(f['recovery_from'])}</small>"
        result = results.get(f["name"])
        rows.append(
            (
                "failing" if result == "fail" else "bound" if result == GENERATOR_BOUND else "",
                [
                    _cell(f["name"]),
                    _cell(f.get("kind", "")),
                    _cell(f.get("target", "")),
                    _cell(match_clock(f.get("scheduled_match_s")), "number"),
                    _html_cell(
                        _moment(f.get("injected_match_s"), f.get("inject_delay_ms")), "number"
                    ),
                    _html_cell(reverted, "number"),
                    _cell(_after(f, "impact_detected_after_s", "none seen"), "number"),
                    _html_cell(recovered, "number"),
                    _cell(_after(f, "component_healthy_after_s", "never"), "number"),
                    _cell(_after(f, "recovery_budget_s", "none"), "number"),
                    _html_cell(badge(result) if f["name"] in results else "-"),
                ],
            )
        )
    return _table(
        "faults",
        [
            "fault",
            "kind",
            "target",
            "scheduled",
            "injected",
            "reverted",
            "impact seen after",
            "recovered after",
            "component healthy after",
            "recovery budget",
            "result",
        ],
        rows,
    )


def regression_table(regressions: Sequence[dict]) -> str:
    rows = []
    for r in regressions:
        unit = _unit(r["metric"])
        rows.append(
            (
                "failing" if r.get("worse") else "bound" if r.get("generator_bound") else "",
                [
                    _cell(r["metric"]),
                    _cell(r["phase"]),
                    _cell(format_value(r["baseline"], unit), "number"),
                    _cell(format_value(r["observed"], unit), "number"),
                    _cell(
                        f"only in {r['only_in']}"
                        if r.get("only_in")
                        else format_change(r["change"])
                        + (
                            f" (generator-bound: {r['generator_bound']})"
                            if r.get("generator_bound")
                            else ""
                        ),
                        "number",
                    ),
                    _cell(f"±{format_value(r['tolerance'], 'ratio')}", "number"),
                ],
            )
        )
    return _table(
        "regressions", ["metric", "phase", "baseline", "observed", "change", "tolerance"], rows
    )


def phase_tables(summary: dict) -> str:
    """The console's two tables: viewers per phase, and requests per request group."""
    rows = []
    figures = viewer_columns(summary)
    for span in summary["phases"] + [summary["overall"]]:
        peak = span["name"] == summary.get("peak_phase")
        rows.append(
            (
                "peak" if peak else "",
                [
                    _html_cell(
                        markup(span["name"]) + (' <span class="tag">peak</span>' if peak else "")
                    ),
                    _cell(
                        f"{match_clock(span['from_match_s'])} … {match_clock(span['to_match_s'])}",
                        "number",
                    ),
                    _cell(f"{span['peak_viewers']}/{span['peak_target_viewers']}", "number"),
                    _cell(span["attempts"], "number"),
                    _cell(span["attempts_ended"], "number"),
                    *(
                        _cell(format_value(span["metrics"][key], _unit(key)), "number")
                        for key, _ in figures
                    ),
                ],
            )
        )
    viewers = _table(
        "phases",
        ["phase", "match time", "viewers / target", *ATTEMPTS] + [label for _, label in figures],
        rows,
    )
    viewers += f'<p class="protocols">{markup(ATTEMPTS_NOTE)}</p>\n'
    for line in (
        waiting_line(summary),
        protocols_line(summary["overall"]),
        tiers_line(summary["overall"]),
        booking_line(summary["overall"]),
    ):
        if line:
            viewers += f'<p class="protocols">{markup(line)}</p>\n'
    rows = [
        ("", [_cell(label)] + [_cell(format_value(value, unit), "number") for value, unit in cells])
        for label, cells in request_figures(summary)
    ]
    requests = _table(
        "requests", ["requests (overall)", "per second", "errors", "p50", "p95", "p99"], rows
    )
    return viewers + requests


def _details(event: dict) -> str:
    return ", ".join(
        f"{key}: {value if isinstance(value, str) else json.dumps(value)}"
        for key, value in event.items()
        if key not in EVENT_FIELDS
    )


def event_table(events: Sequence[dict]) -> str:
    rows = [
        (
            "",
            [
                _cell(e.get("time_utc", ""), "number"),
                _cell(match_clock(e.get("match_s")), "number"),
                _cell(e.get("kind", "")),
                _cell(_details(e)),
            ],
        )
        for e in events
    ]
    return _table("events", ["time (UTC)", "match time", "event", "details"], rows)
