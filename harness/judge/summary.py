"""summary.json and the console tables: a run's figures per phase and overall,
computed from its recorded seconds only, so they can be computed again later
from the run folder (windows.jsonl) with the same result."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import groupby, pairwise
from pathlib import Path

from harness.judge.fault_summary import fault_summaries
from harness.measure.aggregate import client_metrics, groups_of, merged, metrics_of
from harness.measure.cause import words as cause_words
from harness.measure.metrics import checked_metric, columns, metric_names
from harness.measure.saturation import run_summary
from harness.platforms.usage import usage_line
from harness.runfolder.recorder import Second, utc
from harness.spec.quantities import match_clock
from harness.spec.shown import escaped, table

# 3: request groups are the run's (request_groups), not a fixed four;
# 4: generator truth ("generator", SLO rows "generator-bound");
# 5: saturation is sustained, stalls widen (SLO rows' clean, stall_s, saturated_seconds,
#    stall_seconds, generator_why; "generator" stalls and cause), every broken SLO fails
SCHEMA_VERSION = 5
SHAPE_TOLERANCE = (2, 0.05)  # viewers may trail the profile by one second, then by 2 or 5%


def _span(
    name: str, seconds: Sequence[Second], groups: Sequence[str], named: Collection[str]
) -> dict:
    total = merged([s.window for s in seconds]) if seconds else None
    return {
        "name": name,
        "from_second": seconds[0].window.second if seconds else None,
        "to_second": seconds[-1].window.second + 1 if seconds else None,
        "from_match_s": seconds[0].match_s if seconds else None,
        "to_match_s": seconds[-1].match_s if seconds else None,
        "peak_viewers": max((s.viewers for s in seconds), default=0),
        "peak_target_viewers": max((s.target_viewers for s in seconds), default=0),
        "attempts": sum(s.window.attempts for s in seconds),  # begun in the span
        # ended in the span (first frame, start failure, gave up): the start ratios' whole
        "attempts_ended": sum(
            s.window.starts + s.window.start_failures + s.window.exits_before_start for s in seconds
        ),
        # in an attempt and still before their first frame at the span's end: their waits
        # so far count in its startup figures (harness.measure.metrics.startup_times)
        "waiting_at_end": seconds[-1].window.waits.count if seconds else 0,
        "metrics": metrics_of([s.window for s in seconds], groups, named),
        "errors": _most_first(total.errors if total else {}),
        "start_failure_reasons": _most_first(total.start_failure_reasons if total else {}),
        "playback_failure_reasons": _most_first(total.playback_failure_reasons if total else {}),
        "protocols": dict(sorted(total.protocols.items())) if total else {},
        "manifest_tier": _manifest_tier(seconds),
        "booking": {
            name: sum(getattr(s.window, f"booking_{name}") for s in seconds)
            for name in ("attempts", "failures")
        },
        "clients": client_metrics([s.window for s in seconds]),  # new viewers by client type
        # viewers coming into the audience and leaving it (harness/load/arrivals)
        "arrivals": sum(s.window.arrivals for s in seconds),
        "departures": sum(s.window.departures for s in seconds),
    }


def _manifest_tier(seconds: Sequence[Second]) -> dict[str, int]:
    """The manifest tier's figures of a span, apart from every QoE figure."""
    windows = [s.window for s in seconds]
    return {
        "peak_viewers": max((w.manifest_viewers for w in windows), default=0),
        **{
            name: sum(getattr(w, f"manifest_{name}") for w in windows)
            for name in ("attempts", "failures", "requests", "request_failures")
        },
    }


def tiers_line(span: dict) -> str | None:
    """ "manifest tier (no QoE): ..." for console and HTML; None without such viewers
    (and in summaries written before tiers existed)."""
    tier = span.get("manifest_tier") or {}
    if not tier.get("attempts") and not tier.get("peak_viewers"):
        return None
    return (
        f"manifest tier (not in the viewer figures above): peak {tier['peak_viewers']} "
        f"viewers, {tier['attempts']} attempts ({tier['failures']} failed), "
        f"{tier['requests']} requests ({tier['request_failures']} failed; segment first "
        f"bytes as segment_range)"
    )


def booking_line(span: dict) -> str | None:
    """ "getting in (sign-up, booking): ..." for console and HTML; None when no
    attempt signed up or booked (and in summaries written before booking was counted)."""
    booking = span.get("booking") or {}
    if not booking.get("attempts"):
        return None
    return (
        f"getting in (sign-up, booking; not in the start failures above): "
        f"{booking['attempts']} attempts, {booking['failures']} could not get in "
        f"(booking_failure_ratio {booking['failures'] / booking['attempts']:.2%})"
    )


def protocols_line(span: dict) -> str | None:
    """ "attempts by protocol: dash 3, hls 12" for console and HTML; None without any."""
    counts = span.get("protocols") or {}
    if not counts:
        return None
    return "attempts by protocol: " + ", ".join(f"{name} {n}" for name, n in counts.items())


def waiting_line(summary: dict) -> str | None:
    """ "still waiting for a first frame at the end of the phase: kickoff-rush 20, ..." for console
    and HTML; None when every span ended with nobody waiting (and in older summaries)."""
    spans = summary["phases"] + [summary["overall"]]
    waiting = [(span["name"], span.get("waiting_at_end", 0)) for span in spans]
    if not any(count for _, count in waiting):
        return None
    return (
        "still waiting for a first frame at the end of the phase: "
        + ", ".join(f"{name} {count}" for name, count in waiting if count)
        + " (in its startup figures with their wait so far, a lower bound of their startup)"
    )


def _most_first(counts: dict[str, int]) -> dict[str, int]:
    """Failed requests, starts or playbacks by why ("auth 503"), most first."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def shape_deviation(seconds: Sequence[Second]) -> int:
    """The most the viewer count strayed from the profile, allowing it one
    second to follow (the shape asks each second for the next second's count)."""
    worst = 0
    for before, now in pairwise(seconds):
        low = min(before.target_viewers, now.target_viewers)
        high = max(before.target_viewers, now.target_viewers)
        worst = max(worst, low - now.viewers, now.viewers - high)
    return worst


def shape_tolerance(peak_target: int) -> int:
    absolute, relative = SHAPE_TOLERANCE
    return max(absolute, round(relative * peak_target))


def _outcome(events: Sequence[dict]) -> tuple[str, str | None, str | None]:
    """(outcome, started, ended) from the run's events; a run that never
    wrote its end was killed."""
    started = next((utc(e["epoch"]) for e in events if e["kind"] == "run_started"), None)
    ended = next((e for e in events if e["kind"] == "run_ended"), None)
    if ended is None:
        return "killed (the harness died before the end)", started, None
    return ended["outcome"], started, utc(ended["epoch"])


def run_groups(seconds: Sequence[Second], events: Sequence[dict]) -> tuple[str, ...]:
    """The run's request groups: those it declared when it started (its
    scenario's) and any other its seconds hold, in the catalogue's order."""
    started = next((e for e in events if e["kind"] == "run_started"), {})
    return groups_of((s.window for s in seconds), started.get("request_groups") or ())


def named_metrics(scenario: dict) -> set[str]:
    """The metrics a resolved scenario names (its SLOs, its halt conditions): a
    metric of the catalogue not shown always is in its summary only then."""
    return {item["metric"] for key in ("slos", "halt_if") for item in scenario.get(key) or []}


def summarize(scenario: dict, seconds: Sequence[Second], events: Sequence[dict]) -> dict:
    """The run's summary, from its folder's data only: the resolved scenario
    (scenario.yaml), its seconds (windows.jsonl) and its events (events.jsonl)."""
    groups = run_groups(seconds, events)
    named = named_metrics(scenario)
    phases = [
        _span(name, list(spanned), groups, named)
        for name, spanned in groupby(seconds, key=lambda s: s.phase)
    ]
    overall = _span("overall", seconds, groups, named)
    outcome, started, ended = _outcome(events)
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": scenario["name"],
        "description": scenario.get("description", ""),
        "outcome": outcome,  # "completed", "interrupted (SIGINT)", "halted: ...", "failed: ..."
        "started_utc": started,
        "ended_utc": ended,
        "platform": scenario.get("platform", "local"),
        "time_scale": scenario.get("time_scale", 1),
        # A run recorded before faults had a scale of their own ran them at time_scale.
        "fault_time_scale": scenario.get("fault_time_scale", scenario.get("time_scale", 1)),
        "seed": scenario.get("seed"),
        "seconds_recorded": len(seconds),
        "audience": {
            "peak_target_viewers": overall["peak_target_viewers"],
            "peak_viewers": overall["peak_viewers"],
            "max_shape_deviation": shape_deviation(seconds),
            "shape_tolerance": shape_tolerance(overall["peak_target_viewers"]),
        },
        "peak_phase": scenario["timeline"]["peak"],
        "phases": phases,
        "overall": overall,
        "request_groups": list(groups),
        "metric_units": {name: checked_metric(name).unit for name in metric_names(groups, named)},
        "slos": scenario.get("slos", []),
        "faults": fault_summaries(events, seconds),
        "generator": run_summary((s.window.second, s.window.generator) for s in seconds),
        "components": _components(events),
    }


def _components(events: Sequence[dict]) -> dict | None:
    """Each component's mean cores and CPU limit over the run (managed platforms;
    None: not measured)."""
    usage = [e for e in events if e["kind"] == "component_usage"]
    return usage[-1]["components"] if usage else None


# --- console ------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
    return f"{value:,.1f}"


# An attempt counts where it began, its end (and the start ratios) where it ended: an attempt
# begun late in a phase ends in the next one.
ATTEMPTS = ("attempts begun", "ended")
ATTEMPTS_NOTE = (
    "attempts begun: counted in the phase they began in; ended: those that reached "
    "their first frame, failed or gave up in the phase, of which start failures and "
    "exits before start are shares"
)


def viewer_columns(summary: dict) -> list[tuple[str, str]]:
    """(metric, heading) of the viewers table's figures: the catalogue's metrics
    with a heading that the summary holds (harness.measure.metrics.columns)."""
    return columns(summary["overall"]["metrics"])


REQUEST_COLUMNS = (
    "requests_per_second",
    "error_ratio",
    "latency_p50",
    "latency_p95",
    "latency_p99",
)


def console_tables(summary: dict) -> str:
    spans = summary["phases"] + [summary["overall"]]
    figures = viewer_columns(summary)
    viewer_rows = [
        [
            span["name"] + (" (peak)" if span["name"] == summary["peak_phase"] else ""),
            f"{match_clock(span['from_match_s'])}..{match_clock(span['to_match_s'])}",
            f"{span['peak_viewers']}/{span['peak_target_viewers']}",
            span["attempts"],
            span["attempts_ended"],
        ]
        + [_fmt(span["metrics"][key], checked_metric(key).unit) for key, _ in figures]
        for span in spans
    ]
    viewers = (
        table(
            viewer_rows,
            headers=["phase", "match time", "viewers/target", *ATTEMPTS]
            + [label for _, label in figures],
        )
        + "\n"
        + ATTEMPTS_NOTE
    )
    request_rows = [
        [label] + [_fmt(value, unit) for value, unit in cells]
        for label, cells in request_figures(summary)
    ]
    requests = table(
        request_rows, headers=["requests (overall)", "per second", "errors", "p50", "p95", "p99"]
    )
    errors = summary["overall"]["errors"]
    if errors:
        requests += "\nfailed requests: " + escaped(
            ", ".join(f"{why} x{n}" for why, n in errors.items())
        )
    reasons = summary["overall"].get("start_failure_reasons")
    if reasons:
        requests += "\nfailed starts: " + escaped(
            ", ".join(f"{why} x{n}" for why, n in reasons.items())
        )
    broken = summary["overall"].get("playback_failure_reasons")
    if broken:
        requests += "\nfailed playbacks: " + escaped(
            ", ".join(f"{why} x{n}" for why, n in broken.items())
        )
    notes = [
        line
        for line in (
            waiting_line(summary),
            protocols_line(summary["overall"]),
            tiers_line(summary["overall"]),
            booking_line(summary["overall"]),
        )
        if line
    ]
    machine = escaped(generator_line(summary))
    if usage_line(summary.get("components")):
        machine += "\n" + escaped(usage_line(summary.get("components")))
    tables = [viewers + "".join(f"\n{escaped(line)}" for line in notes), requests, machine]
    if summary["faults"]:
        tables.append(
            _faults_table(summary["faults"])
            + "".join(f"\n{escaped(line)}" for line in fault_output_lines(summary["faults"]))
        )
    if "verdict" in summary:
        tables.append(slo_table(summary["verdict"]["slos"]))
    if "attribution" in summary:
        tables.append(attribution_table(summary["attribution"]))
    if summary.get("regressions"):
        tables.append(
            delta_table(summary["regressions"], f"baseline {Path(summary['baseline_run']).name}")
        )
    return "\n\n".join(tables)


def generator_line(summary: dict) -> str:
    """Whether the load generator kept up, and if not, which it was (busy CPUs,
    blocking work, too few processes), in a line for the console and the report."""
    truth = summary.get("generator")
    if truth is None:
        return "load generator: not measured (a run recorded before generator truth)"
    figures = (
        f"{truth['processes']} process(es), peak {truth['peak_cpu_cores']:.2f} cores, "
        f"loop lag p99 up to {_fmt(truth['worst_lag_p99_s'], 's')}"
    )
    saturated, stalls = truth["seconds_saturated"], truth.get("stalls", 0)
    if not saturated and not stalls:
        return f"load generator: kept up ({figures})"
    said = (
        [f"SATURATED in {saturated} of {truth['seconds_measured']} s"] if saturated else ["kept up"]
    )
    if stalls:
        said.append(f"stalled {stalls} time(s), up to {_fmt(truth['largest_stall_s'], 's')}")
    line = (
        f"load generator: {', '.join(said)} ({figures}; over the bounds: >= "
        f"{truth['cpu_bound_cores']:g} cores or loop lag p99 > "
        f"{_fmt(truth['lag_bound_s'], 's')} in a process; saturated: "
        f"{truth.get('sustained_s', 1)} s in a row, else a stall)"
    )
    found = truth.get("cause")
    if found is None:  # a summary written before causes were told
        return line
    return f"{line}: {cause_words(found, truth['processes'], truth['processes_needed'])}"


def request_figures(summary: dict) -> list[tuple[str, list[tuple[float | None, str]]]]:
    """The requests table's rows over the whole run, for the console and the
    report: (group, or "all requests" last; [(value, unit) of each of
    REQUEST_COLUMNS]), a row per request group of the run."""
    metrics = summary["overall"]["metrics"]
    rows = []
    for label, suffix in [*((g, f".{g}") for g in summary["request_groups"]), ("all requests", "")]:
        rows.append(
            (
                label,
                [
                    (metrics[f"{kind}{suffix}"], checked_metric(kind).unit)
                    for kind in REQUEST_COLUMNS
                ],
            )
        )
    return rows


def _threshold_text(row: dict) -> str:
    return f"{'<=' if row['op'] == 'max' else '>='} {_fmt(row['threshold'], row['unit'])}"


def clean_text(row: dict) -> str:
    """The figure judged without the generator's shortfall, when it had any in
    the row's span: "0.410 s (stall 0.28 s)", "2.10% (3 s saturated)"; else ""."""
    if not row.get("saturated_seconds") and not row.get("stall_seconds"):
        return ""
    marks = [f"{row['saturated_seconds']} s saturated"] if row.get("saturated_seconds") else []
    if row.get("stall_seconds"):
        marks.append(f"stall {row['stall_s']:.2f} s")
    return f"{_fmt(row['clean'], row['unit'])} ({', '.join(marks)})"


def slo_table(rows: list[dict]) -> str:
    return table(
        [
            [
                r["judged_for"],
                r["span"],
                r["metric"] + (" (default)" if r["default"] else ""),
                _threshold_text(r),
                _fmt(r["observed"], r["unit"]),
                clean_text(r),
                r["result"].upper(),
            ]
            for r in rows
        ],
        headers=[
            "judged for",
            "phase",
            "SLO",
            "threshold",
            "observed",
            "without the generator's shortfall",
            "verdict",
        ],
    )


def attribution_table(attribution: dict) -> str:
    """Each breach of an experiment against its control run(s) (harness run --control)."""
    controls = ", ".join(attribution["controls"])
    if not attribution["rows"]:
        return f"control {controls}: no SLO breach to attribute"
    rows = [
        [
            r["judged_for"],
            r["phase"],
            r["metric"],
            f"{_fmt(r['experiment'], r['unit'])} ({r['experiment_seconds']} s)",
            f"{_fmt(r['control'], r['unit'])} ({r['control_seconds']} s)",
            "-"
            if r["difference"] is None
            else ("+" if r["difference"] > 0 else "") + _fmt(r["difference"], r["unit"]),
            r["cause_words"],
        ]
        for r in attribution["rows"]
    ]
    return table(
        rows,
        headers=[
            "judged for",
            "phase",
            "SLO broken",
            "experiment",
            f"control {controls}",
            "difference",
            "cause",
        ],
    )


def delta_table(rows: list[dict], against: str) -> str:
    """SLO rows of two runs side by side (harness compare, --baseline)."""

    def change(row: dict) -> str:
        if row.get("only_in"):
            return f"only in {row['only_in']}"
        return "-" if row["change"] is None else f"{row['change']:+.1%}"

    def mark(row: dict) -> str:
        bound = row.get("generator_bound")
        return f"GENERATOR-BOUND ({bound})" if bound else "WORSE" if row["worse"] else ""

    return table(
        [
            [
                r["judged_for"],
                r["phase"],
                r["metric"],
                _fmt(r["baseline"], r["unit"]),
                _fmt(r["observed"], r["unit"]),
                change(r),
                mark(r),
            ]
            for r in rows
        ],
        headers=[
            "judged for",
            "phase",
            "metric",
            against,
            "this run",
            "change",
            f"beyond {rows[0]['tolerance']:.0%}" if rows else "",
        ],
    )


def _seconds_or(value: float | None, none: str) -> str:
    return none if value is None else f"{value:g} s"


def _moment(match_s: float | None, late_ms: int | None) -> str:
    """When a fault was injected or reverted, and how late (ms after its moment)."""
    return match_clock(match_s) + ("" if late_ms is None else f" (+{late_ms} ms)")


def _faults_table(faults: list[dict]) -> str:
    rows = [
        [
            f["name"],
            f["kind"],
            f["target"],
            match_clock(f.get("scheduled_match_s")),
            _moment(f.get("injected_match_s"), f.get("inject_delay_ms")),
            _moment(f.get("reverted_match_s"), f.get("revert_delay_ms")),
            _seconds_or(f.get("impact_detected_after_s"), "none seen"),
            (
                "no baseline"
                if f.get("baseline_seconds") == 0
                else _seconds_or(f.get("recovered_after_s"), "not recovered")
                + f" (from {f['recovery_from']})"
            )
            if "recovery_from" in f
            else "-",
            _seconds_or(f["component_healthy_after_s"], "still down")
            if "component_healthy_after_s" in f
            else "-",
            f["status"],
        ]
        for f in faults
    ]
    return table(
        rows,
        headers=[
            "fault",
            "kind",
            "target",
            "scheduled",
            "injected",
            "reverted",
            "impact after",
            "recovered after",
            "component healthy after",
            "status",
        ],
    )


def fault_output_lines(faults: list[dict]) -> list[str]:
    """What the drivers said of each change, one line each: a command's exit
    code and last line (`api-down inject: exit 0: stopped api`), another
    driver's words as it gave them (`noted inject: wrote=catalog.down`)."""
    lines = []
    for fault in faults:
        for step in ("inject", "revert"):
            said = fault.get(f"{step}_output")
            if said is None:
                continue
            if not isinstance(said, dict) or "exit_code" not in said:
                words = (
                    " ".join(f"{key}={value}" for key, value in said.items())
                    if isinstance(said, dict)
                    else str(said)
                )
                lines.append(f"{fault['name']} {step}: {words}")
                continue
            last = said.get("last_lines") or []
            lines.append(
                f"{fault['name']} {step}: exit {said.get('exit_code')}"
                + (f": {last[-1]}" if last else "")
            )
    return lines


def regression_line(summary: dict) -> str | None:
    """One line naming the regressions, for under the headline (None: none)."""
    worse = [r for r in summary.get("regressions", []) if r["worse"]]
    if not worse:
        return None
    return f"REGRESSION against {Path(summary['baseline_run']).name}: " + "; ".join(
        f"{r['metric']} ({r['judged_for']}, {r['phase']}) {_fmt(r['baseline'], r['unit'])} -> "
        f"{_fmt(r['observed'], r['unit'])}"
        for r in worse
    )
