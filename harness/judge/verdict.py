"""The verdict: did the stack survive demand, and each fault?

Every SLO is judged on one span of seconds:
- `overall`, `peak`, a timeline phase, `baseline` (before the first fault):
  judged for **demand**, on the span's seconds that no fault disturbed (from a
  fault's injection until the stack was back in its band, or the end of its
  recovery budget if that was not measured), because demand asks whether the
  stack held the audience without faults;
- `during:<fault>` (injection to revert, or to the run's end) and
  `recovery:<fault>` (the revert, or for a self-healing fault the injection,
  plus the recovery budget): judged for that **fault**.

An SLO holds when the figure is at most `max` (at least `min`); a span
without data is "no data" and fails.

The load generator (harness/measure/saturation.py marks its seconds:
saturated, or a stall of some size) withholds a verdict only where its
shortfall could have changed it. Saturated seconds (the load not all made)
could move a figure either way; a stall only makes what was measured look
worse (later, slower, more timeouts, fewer requests), so it can only have
turned a pass into a fail. Each SLO's figure is taken three ways:
- observed: over all its span's seconds (the row's `observed`);
- steady: without the span's saturated seconds;
- clean: steady, and without the stalls' effect on what was measured across
  them, in each stall's second and the second after it: a time figure (unit
  "s": latency, startup) with every duration measured there shortened by
  the stall (it delayed them by up to its size); any other figure (ratios,
  rates, counts) without those seconds (what timed out or came late), or
  steady when that leaves no data (the row's `clean`).
The SLO is "generator-bound" when more than half of its span's seconds
were saturated (the load was mostly not there), when steady has no data
where observed has, when steady and observed are judged differently, or
when observed fails and clean passes; else the observed verdict (pass,
fail or no data) stands. A row also gains `stall_s` (the largest stall in
its span), `saturated_seconds`, `stall_seconds` and `generator_why`.

Every SLO is a gate, defaults included: demand passes when all its SLOs
hold and fails when one fails (or has no data). A fault fails when one of
its SLOs fails (or has no data), when it did not recover within its budget
(or that is unknown), or when it was never injected; it is generator-bound
when one of its SLOs is, or when it did not recover within its budget and
the generator was saturated in its recovery window (a recovery seen within
budget stands whatever the generator did); it is degraded when its SLOs
held and it came back within budget, but viewers noticed it (its impact was
detected); else it passes. Demand is generator-bound when none of its SLOs
failed and one is generator-bound. The run: fail if demand or any fault
fails, else generator-bound if any is, degraded if any fault is degraded,
else pass. Exit code (exit_code): 1 fail (or degraded, when strict), 3
generator-bound (no verdict on the stack), else 0.

The headline names the first broken SLOs (those that failed before those
without data, which mostly follow from them: no start, no startup time) and,
when any broke, what they tell of and what held ("booking broke, video held":
harness.measure.metrics.area_of), so that getting in, the services and the video read
apart. Starts that failed on a 4xx answer (a refused login, a wrong request:
the set-up, not the platform's strength) lead it, with their reasons.

A group with no SLOs of its own is judged on defaults (DEFAULT_*, marked as
such in every report); docs/results.md#defaults gives their sources. A default that
names a request group applies only to a run that has that group.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from harness.measure.aggregate import groups_of, value_of
from harness.measure.metrics import area_of, checked_metric, group_of
from harness.measure.saturation import Marks, SpanMarks, in_span, marks
from harness.measure.slo import Slo
from harness.measure.truth import GENERATOR_BOUND
from harness.runfolder.recorder import Second
from harness.spec.quantities import format_time
from harness.spec.shown import escaped

PASS, DEGRADED, FAIL, NO_DATA = "pass", "degraded", "fail", "no data"
EXIT_GENERATOR_BOUND = 3  # the load was not produced: like missing infrastructure
DEMAND = "demand"


DEFAULT_DEMAND = (
    Slo("startup_time_p95", "max", 4.0, "peak", True),
    Slo("video_start_failure_ratio", "max", 0.01, "overall", True),
    Slo("exit_before_video_start_ratio", "max", 0.02, "overall", True),
    Slo("rebuffering_ratio", "max", 0.01, "overall", True),
    Slo("playback_failure_ratio", "max", 0.01, "overall", True),
    Slo("error_ratio.segment", "max", 0.01, "overall", True),
    Slo("latency_p99.playlist", "max", 1.0, "peak", True),
)
DEFAULT_FAULT = (  # "{fault}" is the fault's name
    Slo("playback_failure_ratio", "max", 0.01, "during:{fault}", True),
    Slo("rebuffering_ratio", "max", 0.02, "during:{fault}", True),
    Slo("error_ratio.segment", "max", 0.01, "during:{fault}", True),
)


# --- spans ----------------------------------------------------------------------


def fault_window(fault: dict, window: str, end: float) -> tuple[float, float] | None:
    """[start, stop) wall seconds of during:/recovery: of a fault; None if never injected.
    A fault held until the end is in effect to the end, unless the stack heals it by
    itself (a crash a supervisor restarts): then only until its recovery budget ends."""
    injected = fault.get("injected_second")
    if injected is None:
        return None
    reverted = None if fault.get("lasts_until_end") else fault.get("reverted_second")
    if window == "during":
        if reverted is None and fault.get("recovery_from") == "inject":
            return injected, min(end, injected + fault["recovery_budget_s"])
        return injected, reverted if reverted is not None else end
    reference = injected if fault.get("recovery_from") == "inject" or reverted is None else reverted
    return reference, reference + fault["recovery_budget_s"]


def _disturbed(faults: Sequence[dict], end: float) -> list[tuple[float, float]]:
    """Where faults disturbed the run: from each injection until the stack was
    back in its band (as measured; else until the recovery budget ran out)."""
    spans = []
    for fault in faults:
        during = fault_window(fault, "during", end)
        recovery = fault_window(fault, "recovery", end)
        if during and recovery:
            recovered = fault.get("recovered_after_s")
            back = recovery[1] if recovered is None else recovery[0] + recovered
            spans.append((during[0], max(during[1], back)))
    return spans


def _inside(second: Second, span: tuple[float, float]) -> bool:
    """Whether a second ([n, n+1)) overlaps a span of wall seconds."""
    return second.window.second + 1 > span[0] and second.window.second < span[1]


def span_of(
    phase: str, seconds: Sequence[Second], faults: Sequence[dict], peak: str
) -> tuple[str, list[Second]]:
    """(description, seconds) of an SLO phase; demand phases lose every
    second a fault disturbed."""
    end = seconds[-1].window.second + 1 if seconds else 0.0
    window, colon, name = phase.partition(":")
    if colon:
        fault = next((f for f in faults if f["name"] == name), None)
        span = fault_window(fault, window, end) if fault else None
        if span is None:
            return f"{phase} (never injected)", []
        return (
            f"{phase} ({format_time(round(span[0], 1))}..{format_time(round(span[1], 1))} "
            f"of the run)",
            [s for s in seconds if _inside(s, span)],
        )
    disturbed = _disturbed(faults, end)
    calm = [s for s in seconds if not any(_inside(s, d) for d in disturbed)]
    if phase == "overall":
        return "overall", calm
    if phase == "baseline":
        first = min(
            (f["injected_second"] for f in faults if f.get("injected_second") is not None),
            default=math.inf,
        )
        return (
            "baseline (before the first fault)",
            [s for s in calm if s.window.second + 1 <= first],
        )
    named = peak if phase == "peak" else phase
    return (f"peak ({named})" if phase == "peak" else named), [s for s in calm if s.phase == named]


# --- judging --------------------------------------------------------------------


def figure_of(metric: str, seconds: Sequence[Second], op: str = "max") -> float | None:
    """A metric over a span's seconds, as an SLO of `op` judges it; None: no data."""
    if not seconds:
        return None
    value = value_of(metric, [s.window for s in seconds], op)
    return None if value is None or math.isnan(value) else value


def run_marks(seconds: Sequence[Second]) -> Marks:
    """The generator's marks over a run's seconds (harness.measure.saturation)."""
    return marks((s.window.second, s.window.generator) for s in seconds)


def _result(value: float | None, slo: Slo) -> str:
    if value is None:
        return NO_DATA
    return PASS if slo.passes(value) else FAIL


def _clean(
    slo: Slo, steady_seconds: Sequence[Second], steady: float | None, span: SpanMarks
) -> float | None:
    """The steady figure without the stalls' effect (see the module's docstring)."""
    if steady is None or not span.stalls:
        return steady
    metric, op = slo.metric, slo.op
    if checked_metric(metric).unit == "s":
        delays = span.delays
        return figure_of(
            metric,
            [
                replace(s, window=s.window.shortened(delays[s.window.second]))
                if s.window.second in delays
                else s
                for s in steady_seconds
            ],
            op,
        )
    dropped = [s for s in steady_seconds if s.window.second not in span.dropped]
    figure = figure_of(metric, dropped, op)
    return steady if figure is None else figure


def _why(
    observed: float | None,
    steady: float | None,
    clean: float | None,
    slo: Slo,
    span: SpanMarks,
) -> str | None:
    """Why the generator could have changed the verdict (see the module's
    docstring); None: it could not."""
    result = _result(observed, slo)
    if span.mostly_saturated:
        return f"saturated in {len(span.saturated)} of its {span.seconds} s"
    if observed is not None and steady is None:
        return f"no data without its {len(span.saturated)} saturated s"
    if _result(steady, slo) != result:
        return (
            f"{result} as observed, {_result(steady, slo)} without its "
            f"{len(span.saturated)} saturated s"
        )
    if result == FAIL and _result(clean, slo) == PASS:
        return f"fail as observed, pass without its stalls (up to {span.largest_stall:.2f} s)"
    return None


def judged(slo: Slo, seconds: Sequence[Second], found: Marks) -> dict:
    """A figure over a span's seconds judged as observed, steady and clean (see
    the module's docstring): observed, clean, stall_s, saturated_seconds,
    stall_seconds, result and, when generator-bound, generator_why."""
    observed = figure_of(slo.metric, seconds, slo.op)
    span = in_span(found, [s.window.second for s in seconds])
    steady_seconds = [s for s in seconds if s.window.second not in span.saturated]
    steady = figure_of(slo.metric, steady_seconds, slo.op) if span.saturated else observed
    clean = _clean(slo, steady_seconds, steady, span)
    why = _why(observed, steady, clean, slo, span)
    return {
        "observed": observed,
        "clean": clean,
        "stall_s": span.largest_stall,
        "saturated_seconds": len(span.saturated),
        "stall_seconds": len(span.stalls),
        "result": GENERATOR_BOUND if why else _result(observed, slo),
        "generator_why": why,
    }


def _row(
    slo: Slo,
    judged_for: str,
    seconds: Sequence[Second],
    faults: Sequence[dict],
    peak: str,
    found: Marks,
) -> dict:
    span, chosen = span_of(slo.phase, seconds, faults, peak)
    return {
        "judged_for": judged_for,
        "phase": slo.phase,
        "span": span,
        "seconds": len(chosen),
        "metric": slo.metric,
        "unit": checked_metric(slo.metric).unit,
        "op": slo.op,
        "threshold": slo.threshold,
        **judged(slo, chosen, found),
        "default": slo.default,
    }


def _fault_result(fault: dict, rows: Sequence[dict], recovery: SpanMarks) -> dict:
    """recovery: the generator's marks in the fault's recovery window."""
    recovered, budget = fault.get("recovered_after_s"), fault["recovery_budget_s"]
    broken = [r for r in rows if r["result"] in (FAIL, NO_DATA)]
    bound = [r for r in rows if r["result"] == GENERATOR_BOUND]
    in_budget = recovered is not None and recovered <= budget
    impact = fault.get("impact_detected_after_s")
    if fault.get("injected_second") is None:
        result, why = FAIL, f"never injected ({fault.get('status', 'unknown')})"
    elif broken:
        result = FAIL
        why = f"SLO broken: {', '.join(dict.fromkeys(r['metric'] for r in broken))}"
    elif not in_budget and recovery.saturated:
        result = GENERATOR_BOUND
        why = (
            f"not seen back within {budget:g} s, and the load generator was saturated in "
            f"{len(recovery.saturated)} s of its recovery window: not judged"
        )
    elif not in_budget:
        result = FAIL
        why = (
            "recovery could not be measured (no baseline band)"
            if fault.get("baseline_seconds") == 0
            else f"not back in its band within {budget:g} s"
            if recovered is None
            else f"recovered after {recovered:g} s, over its {budget:g} s budget"
        )
    elif bound:
        result = GENERATOR_BOUND
        why = (
            f"the load generator could have changed {len(bound)} of its SLOs: not judged; "
            f"back in its band after {recovered:g} s"
        )
    elif impact is not None:
        result = DEGRADED
        why = (
            f"SLOs held; viewers noticed it after {impact:g} s, and it was back in its "
            f"band after {recovered:g} s, within its {budget:g} s budget"
        )
    else:
        result, why = PASS, f"SLOs held; back in its band after {recovered:g} s"
    return {
        "name": fault["name"],
        "result": result,
        "why": why,
        "recovered_after_s": recovered,
        "recovery_budget_s": budget,
    }


def _applies(slo: Slo, groups: Collection[str]) -> bool:
    """Whether a default applies to a run with these request groups."""
    group = group_of(slo.metric)
    return group is None or group in groups


def demand_slos(slos: Sequence[Slo], groups: Collection[str]) -> list[Slo]:
    """The SLOs judged for demand: the run's own, else the defaults its groups have."""
    return [o for o in slos if o.fault is None] or [
        o for o in DEFAULT_DEMAND if _applies(o, groups)
    ]


def fault_slos(slos: Sequence[Slo], fault: str, groups: Collection[str]) -> list[Slo]:
    """The SLOs judged for `fault`: the run's own for it, else the defaults its groups have."""
    return [o for o in slos if o.fault == fault] or [
        replace(o, phase=o.phase.format(fault=fault)) for o in DEFAULT_FAULT if _applies(o, groups)
    ]


def judge(
    slos: Sequence[Slo],
    seconds: Sequence[Second],
    faults: Sequence[dict],
    peak: str,
    outcome: str = "completed",
    strict: bool = False,
    groups: Collection[str] | None = None,
    incomplete: Sequence[str] = (),
) -> dict:
    """The verdict of a run (see the module's docstring); groups: the run's
    request groups (default: those its seconds hold); incomplete: what was
    lost from the run folder's data (a torn last line), which fails the run:
    a verdict on lost data is never a pass."""
    if groups is None:
        groups = groups_of(s.window for s in seconds)
    found = run_marks(seconds)
    rows = [_row(o, DEMAND, seconds, faults, peak, found) for o in demand_slos(slos, groups)]
    fault_results = []
    for fault in faults:
        own = fault_slos(slos, fault["name"], groups)
        fault_rows = [_row(o, fault["name"], seconds, faults, peak, found) for o in own]
        rows += fault_rows
        _, recovery = span_of(f"recovery:{fault['name']}", seconds, faults, peak)
        fault_results.append(
            _fault_result(fault, fault_rows, in_span(found, [s.window.second for s in recovery]))
        )
    demand = _demand([r["result"] for r in rows if r["judged_for"] == DEMAND])
    results = [demand] + [f["result"] for f in fault_results]
    overall = next(r for r in (FAIL, GENERATOR_BOUND, DEGRADED, PASS) if r in results)
    if outcome != "completed" or incomplete:
        overall = FAIL
    headline = _headline(
        overall,
        demand,
        rows,
        fault_results,
        outcome,
        _generator_words(found, len(seconds)),
        _refused_starts(seconds),
    )
    if incomplete:
        headline = headline.replace(" — ", f" — INCOMPLETE: {'; '.join(incomplete)}; ", 1)
    return {
        "result": overall,
        "strict": strict,
        "demand": demand,
        "faults": fault_results,
        "slos": rows,
        "incomplete": list(incomplete),
        "headline": escaped(headline),
    }  # it quotes names and reasons from files


def _demand(results: Sequence[str]) -> str:
    """Demand fails when an SLO failed (or had no data) on its own."""
    if any(r not in (PASS, GENERATOR_BOUND) for r in results):
        return FAIL
    return GENERATOR_BOUND if GENERATOR_BOUND in results else PASS


def exit_code(verdict: dict) -> int:
    """0 pass, 1 fail, 3 generator-bound; degraded is 0 unless strict, when it
    is a failure of its own (1) even beside generator-bound parts."""
    degraded = verdict["result"] == DEGRADED or any(
        f["result"] == DEGRADED for f in verdict.get("faults", [])
    )
    if verdict["result"] == FAIL or (degraded and verdict["strict"]):
        return 1
    return EXIT_GENERATOR_BOUND if verdict["result"] == GENERATOR_BOUND else 0


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "ratio":
        return f"{value:.2%}"
    return f"{value:.2f} s" if unit == "s" else f"{value:,.1f}"


def _areas(rows: Sequence[dict]) -> str:
    """ "booking broke, video held": what the broken SLOs tell of, and what the
    judged others do (harness.measure.metrics.area_of), so that booking problems, API
    problems and video problems read apart."""
    judged = [(area_of(r["metric"]), r["result"]) for r in rows if r["result"] != GENERATOR_BOUND]
    broke = dict.fromkeys(area for area, result in judged if result != PASS)
    held = dict.fromkeys(area for area, _ in judged if area not in broke)
    return f"{', '.join(broke)} broke" + (f", {', '.join(held)} held" if held else "")


def _generator_words(found: Marks, recorded: int) -> str:
    """ "saturated in 4 of 120 s, 2 stall(s) up to 0.28 s" (or "" when neither)."""
    stalls = found.stalls
    parts = [f"saturated in {len(found.sustained)} of {recorded} s"] if found.sustained else []
    if stalls:
        parts.append(f"{len(stalls)} stall(s) up to {max(stalls.values()):.2f} s")
    return ", ".join(parts)


# A start failure reason of a 4xx answer: "journey step 'token': HTTP 401".
_CLIENT_ERROR = re.compile(r"\bHTTP 4\d\d\b")


def _refused_starts(seconds: Sequence[Second]) -> dict[str, int]:
    """Start failure reasons of a 4xx answer over the run, most first."""
    found: dict[str, int] = {}
    for second in seconds:
        for reason, n in second.window.start_failure_reasons.items():
            if _CLIENT_ERROR.search(reason):
                found[reason] = found.get(reason, 0) + n
    return dict(sorted(found.items(), key=lambda item: -item[1]))


def _headline(
    overall: str,
    demand: str,
    rows: Sequence[dict],
    faults: Sequence[dict],
    outcome: str,
    generator: str,
    refused: dict[str, int],
) -> str:
    """generator: what the load generator's marks were (_generator_words);
    refused: start failures on a 4xx answer (_refused_starts)."""
    parts = []
    if outcome != "completed":
        parts.append(f"the run did not complete ({outcome})")
    if refused:
        shown = ", ".join(f"{reason} x{n}" for reason, n in list(refused.items())[:2])
        more = f" and {len(refused) - 2} more reason(s)" if len(refused) > 2 else ""
        parts.append(f"{sum(refused.values())} start(s) failed on a 4xx answer: {shown}{more}")
    unjudged = sum(r["result"] == GENERATOR_BOUND for r in rows)
    unjudged_faults = sum(f["result"] == GENERATOR_BOUND for f in faults)
    if unjudged or unjudged_faults:
        what = " and ".join(
            f"{n} {kind}" for n, kind in ((unjudged, "SLO(s)"), (unjudged_faults, "fault(s)")) if n
        )
        parts.append(
            f"the load generator ({generator}) could have changed the verdict of "
            f"{what}: generator-bound, not judged on the stack"
        )
    broken = sorted(
        (r for r in rows if r["result"] not in (PASS, GENERATOR_BOUND)),
        key=lambda r: r["result"] == NO_DATA,
    )
    for row in broken[:2]:
        bound = "<=" if row["op"] == "max" else ">="
        parts.append(
            f"{row['metric']} {_shown(row['observed'], row['unit'])} (wanted "
            f"{bound} {_shown(row['threshold'], row['unit'])}) in {row['span']}"
        )
    if len(broken) > 2:
        parts.append(f"{len(broken) - 2} more SLO(s) broken")
    if broken:
        parts.append(_areas(rows))
    parts.append(f"demand {demand}")
    parts += [f"{f['name']} {f['result']} ({f['why']})" for f in faults]
    return f"{overall.upper()} — " + "; ".join(parts)
