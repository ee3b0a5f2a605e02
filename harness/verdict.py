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

An SLO holds when the observed value is at most `max` (at least `min`); a
span without data is "no data" and fails. An SLO whose span holds a second in
which the load generator was saturated (harness/generator/truth.py) is
"generator-bound": the load was not all produced, so it says nothing about
the stack either way. Demand passes when all its SLOs
hold. A fault passes when its SLOs hold and the stack was back inside its
pre-fault band within the budget (harness/faults/recovery.py); it is
degraded when an SLO broke but the stack recovered within the budget; it
fails when it did not recover within the budget (or that is unknown), or
was never injected. Demand, or a fault, is generator-bound when none of its
SLOs failed on its own but one is generator-bound (a fault also when the
generator was saturated in its recovery window). The run: fail if demand
or any fault fails, else generator-bound if any is, degraded if any fault
is degraded, else pass. Exit code (exit_code): 1 fail (or degraded, when
strict), 3 generator-bound (no verdict on the stack), else 0.

The headline names the first broken SLOs and, when any broke, what they
tell of and what held ("booking broke, video held": harness.metrics.area_of),
so that getting in, the services and the video read apart.

A group with no SLOs of its own is judged on defaults (DEFAULT_*, marked as
such in every report); docs/verdict.md gives their sources. A default that
names a request group applies only to a run that has that group.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from harness.aggregate import groups_of, metrics_of
from harness.generator.truth import GENERATOR_BOUND
from harness.metrics import area_of, group_of, known_metric
from harness.quantities import format_time, parse_percent, parse_time
from harness.recorder import Second

PASS, DEGRADED, FAIL, NO_DATA = "pass", "degraded", "fail", "no data"
EXIT_GENERATOR_BOUND = 3  # the load was not produced: like missing infrastructure
DEMAND = "demand"


@dataclass(frozen=True)
class Objective:
    metric: str
    op: str  # "max" or "min"
    threshold: float
    phase: str
    default: bool = False


DEFAULT_DEMAND = (
    Objective("startup_time_p95", "max", 4.0, "peak", True),
    Objective("video_start_failure_ratio", "max", 0.01, "overall", True),
    Objective("exit_before_video_start_ratio", "max", 0.02, "overall", True),
    Objective("rebuffering_ratio", "max", 0.01, "overall", True),
    Objective("playback_failure_ratio", "max", 0.01, "overall", True),
    Objective("error_ratio.segment", "max", 0.01, "overall", True),
    Objective("latency_p99.playlist", "max", 1.0, "peak", True),
)
DEFAULT_FAULT = (  # "{fault}" is the fault's name
    Objective("playback_failure_ratio", "max", 0.01, "during:{fault}", True),
    Objective("rebuffering_ratio", "max", 0.02, "during:{fault}", True),
    Objective("error_ratio.segment", "max", 0.01, "during:{fault}", True),
)


def objectives(slos: Sequence[dict]) -> list[Objective]:
    """A resolved scenario's SLOs (scenario.yaml form) as objectives."""
    found = []
    for slo in slos:
        op = "max" if "max" in slo else "min"
        found.append(Objective(slo["metric"], op, threshold_of(slo[op]),
                               slo.get("phase", "overall")))
    return found


def threshold_of(written: float | str) -> float:
    """A threshold as scenario.yaml writes it (0.01, "1%", "4s") in base units."""
    if isinstance(written, (int, float)):
        return float(written)
    ratio = parse_percent(written)
    return ratio if ratio is not None else parse_time(written)


# --- spans ----------------------------------------------------------------------

def _fault_span(fault: dict, window: str, end: float) -> tuple[float, float] | None:
    """[start, stop) wall seconds of during:/recovery: of a fault; None if never injected."""
    injected = fault.get("injected_second")
    if injected is None:
        return None
    reverted = None if fault.get("lasts_until_end") else fault.get("reverted_second")
    if window == "during":
        return injected, reverted if reverted is not None else end
    reference = injected if fault.get("recovery_from") == "inject" or reverted is None \
        else reverted
    return reference, reference + fault["recovery_budget_s"]


def _disturbed(faults: Sequence[dict], end: float) -> list[tuple[float, float]]:
    """Where faults disturbed the run: from each injection until the stack was
    back in its band (as measured; else until the recovery budget ran out)."""
    spans = []
    for fault in faults:
        during = _fault_span(fault, "during", end)
        recovery = _fault_span(fault, "recovery", end)
        if during and recovery:
            recovered = fault.get("recovered_after_s")
            back = recovery[1] if recovered is None else recovery[0] + recovered
            spans.append((during[0], max(during[1], back)))
    return spans


def _inside(second: Second, span: tuple[float, float]) -> bool:
    """Whether a second ([n, n+1)) overlaps a span of wall seconds."""
    return second.window.second + 1 > span[0] and second.window.second < span[1]


def span_of(phase: str, seconds: Sequence[Second], faults: Sequence[dict],
            peak: str) -> tuple[str, list[Second]]:
    """(description, seconds) of an SLO phase; demand phases lose every
    second a fault disturbed."""
    end = seconds[-1].window.second + 1 if seconds else 0.0
    window, colon, name = phase.partition(":")
    if colon:
        fault = next((f for f in faults if f["name"] == name), None)
        span = _fault_span(fault, window, end) if fault else None
        if span is None:
            return f"{phase} (never injected)", []
        return (f"{phase} ({format_time(round(span[0], 1))}..{format_time(round(span[1], 1))} "
                f"of the run)", [s for s in seconds if _inside(s, span)])
    disturbed = _disturbed(faults, end)
    calm = [s for s in seconds if not any(_inside(s, d) for d in disturbed)]
    if phase == "overall":
        return "overall", calm
    if phase == "baseline":
        first = min((f["injected_second"] for f in faults
                     if f.get("injected_second") is not None), default=math.inf)
        return "baseline (before the first fault)", [s for s in calm if s.window.second + 1 <= first]
    named = peak if phase == "peak" else phase
    return (f"peak ({named})" if phase == "peak" else named), [s for s in calm if s.phase == named]


# --- judging --------------------------------------------------------------------

def figure_of(metric: str, seconds: Sequence[Second]) -> float | None:
    """A metric over a span's seconds; None: no data."""
    if not seconds:
        return None
    group = group_of(metric)
    value = metrics_of([s.window for s in seconds], [group] if group else [])[metric]
    return None if value is None or math.isnan(value) else value


def _row(objective: Objective, judged_for: str, seconds: Sequence[Second], faults: Sequence[dict],
         peak: str) -> dict:
    span, chosen = span_of(objective.phase, seconds, faults, peak)
    observed = figure_of(objective.metric, chosen)
    bound = saturated_seconds(chosen)
    if bound:
        result = GENERATOR_BOUND
    elif observed is None:
        result = NO_DATA
    elif objective.op == "max":
        result = PASS if observed <= objective.threshold else FAIL
    else:
        result = PASS if observed >= objective.threshold else FAIL
    return {"judged_for": judged_for, "phase": objective.phase, "span": span,
            "seconds": len(chosen), "metric": objective.metric,
            "unit": known_metric(objective.metric).unit, "op": objective.op,
            "threshold": objective.threshold, "observed": observed, "result": result,
            "default": objective.default, "generator_bound_seconds": bound}


def saturated_seconds(seconds: Sequence[Second]) -> int:
    """How many of the seconds had a saturated load generator process."""
    return sum(1 for s in seconds
               if s.window.generator is not None and s.window.generator.saturated)


def _for_fault(objective: Objective) -> str | None:
    window, colon, name = objective.phase.partition(":")
    return name if colon and window in ("during", "recovery") else None


def _fault_result(fault: dict, rows: Sequence[dict], bound: int) -> dict:
    """bound: seconds of the fault's rows and recovery window with a saturated generator."""
    recovered, budget = fault.get("recovered_after_s"), fault["recovery_budget_s"]
    held = all(r["result"] == PASS for r in rows)
    in_budget = recovered is not None and recovered <= budget
    if fault.get("injected_second") is None:
        result, why = FAIL, f"never injected ({fault.get('status', 'unknown')})"
    elif bound:
        result = GENERATOR_BOUND
        why = f"the load generator was saturated in {bound} of its seconds: not judged"
    elif not in_budget:
        result = FAIL
        why = ("recovery could not be measured (no baseline band)" if fault.get(
            "baseline_seconds") == 0 else f"not back in its band within {budget:g} s"
            if recovered is None else f"recovered after {recovered:g} s, over its {budget:g} s budget")
    elif held:
        result, why = PASS, f"SLOs held; back in its band after {recovered:g} s"
    else:
        result, why = DEGRADED, f"SLOs broke, but back in its band after {recovered:g} s"
    return {"name": fault["name"], "result": result, "why": why, "recovered_after_s": recovered,
            "recovery_budget_s": budget}


def _applies(objective: Objective, groups: Collection[str]) -> bool:
    """Whether a default applies to a run with these request groups."""
    group = group_of(objective.metric)
    return group is None or group in groups


def judge(slos: Sequence[dict], seconds: Sequence[Second], faults: Sequence[dict], peak: str,
          outcome: str = "completed", strict: bool = False,
          groups: Collection[str] | None = None, incomplete: Sequence[str] = ()) -> dict:
    """The verdict of a run (see the module's docstring); groups: the run's
    request groups (default: those its seconds hold); incomplete: what was
    lost from the run folder's data (a torn last line), which fails the run:
    a verdict on lost data is never a pass."""
    if groups is None:
        groups = groups_of(s.window for s in seconds)
    given = objectives(slos)
    for_demand = [o for o in given if _for_fault(o) is None] or [
        o for o in DEFAULT_DEMAND if _applies(o, groups)]
    rows = [_row(o, DEMAND, seconds, faults, peak) for o in for_demand]
    fault_results = []
    for fault in faults:
        own = [o for o in given if _for_fault(o) == fault["name"]] or [
            Objective(o.metric, o.op, o.threshold, o.phase.format(fault=fault["name"]), True)
            for o in DEFAULT_FAULT if _applies(o, groups)]
        fault_rows = [_row(o, fault["name"], seconds, faults, peak) for o in own]
        rows += fault_rows
        _, recovery = span_of(f"recovery:{fault['name']}", seconds, faults, peak)
        bound = max([saturated_seconds(recovery)] + [r["generator_bound_seconds"]
                                                     for r in fault_rows])
        fault_results.append(_fault_result(fault, fault_rows, bound))
    demand = _demand([r["result"] for r in rows if r["judged_for"] == DEMAND])
    results = [demand] + [f["result"] for f in fault_results]
    overall = next(r for r in (FAIL, GENERATOR_BOUND, DEGRADED, PASS) if r in results)
    if outcome != "completed" or incomplete:
        overall = FAIL
    headline = _headline(overall, demand, rows, fault_results, outcome,
                         (saturated_seconds(seconds), len(seconds)))
    if incomplete:
        headline = headline.replace(" — ", f" — INCOMPLETE: {'; '.join(incomplete)}; ", 1)
    return {"result": overall, "strict": strict, "demand": demand, "faults": fault_results,
            "slos": rows, "incomplete": list(incomplete), "headline": headline}


def _demand(results: Sequence[str]) -> str:
    """Demand fails when an SLO failed (or had no data) on its own."""
    if any(r not in (PASS, GENERATOR_BOUND) for r in results):
        return FAIL
    return GENERATOR_BOUND if GENERATOR_BOUND in results else PASS


def exit_code(verdict: dict) -> int:
    """0 pass, 1 fail, 3 generator-bound; degraded is 0 unless strict, when it
    is a failure of its own (1) even beside generator-bound parts."""
    degraded = verdict["result"] == DEGRADED or any(
        f["result"] == DEGRADED for f in verdict.get("faults", []))
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
    """"booking broke, video held": what the broken SLOs tell of, and what the
    judged others do (harness.metrics.area_of), so that booking problems, API
    problems and video problems read apart."""
    judged = [(area_of(r["metric"]), r["result"]) for r in rows if r["result"] != GENERATOR_BOUND]
    broke = dict.fromkeys(area for area, result in judged if result != PASS)
    held = dict.fromkeys(area for area, _ in judged if area not in broke)
    return f"{', '.join(broke)} broke" + (f", {', '.join(held)} held" if held else "")


def _headline(overall: str, demand: str, rows: Sequence[dict], faults: Sequence[dict],
              outcome: str, saturated: tuple[int, int]) -> str:
    """saturated: (seconds with a saturated generator, seconds recorded)."""
    parts = []
    if outcome != "completed":
        parts.append(f"the run did not complete ({outcome})")
    unjudged = sum(r["result"] == GENERATOR_BOUND for r in rows)
    if saturated[0]:
        parts.append(f"the load generator was saturated in {saturated[0]} of {saturated[1]} "
                     f"s: {unjudged} SLO(s) generator-bound, not judged on the stack")
    broken = [r for r in rows if r["result"] not in (PASS, GENERATOR_BOUND)]
    for row in broken[:2]:
        bound = "<=" if row["op"] == "max" else ">="
        parts.append(f"{row['metric']} {_shown(row['observed'], row['unit'])} (wanted "
                     f"{bound} {_shown(row['threshold'], row['unit'])}) in {row['span']}")
    if len(broken) > 2:
        parts.append(f"{len(broken) - 2} more SLO(s) broken")
    if broken:
        parts.append(_areas(rows))
    parts.append(f"demand {demand}")
    parts += [f"{f['name']} {f['result']} ({f['why']})" for f in faults]
    return f"{overall.upper()} — " + "; ".join(parts)
