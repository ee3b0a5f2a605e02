"""The live page's verdict so far: each SLO of the run (its own, else the
verdict's defaults) checked on the seconds recorded so far, from running
totals kept as the seconds come.

Why not the run's judge itself (harness.judge.verdict): it merges every
second of each SLO's span again, so it costs in proportion to the run (0.4 s
of CPU for 600 s at 1,000 viewers), and in the run's process that would
stall the viewers' event loop. These checks cost a merge of each second into
the few spans it belongs to, however long the run.

The spans are the judge's, simplified where the judge reads what only the
whole run tells (said on the page): demand SLOs leave out the seconds from a
fault's injection until its recovery budget after its revert has run out (the
judge, knowing when the stack was back in its band, gives back the seconds
after that); `during:` runs from injection to revert (to now while the fault
is in) and `recovery:` over the budget after the revert (the judge counts a
fault that heals by itself from its injection); and the load generator's
marks are not read (no generator-bound here)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from harness.judge.verdict import FAIL, NO_DATA, PASS, demand_slos, fault_slos
from harness.measure.metrics import checked_metric
from harness.measure.slo import Slo
from harness.measure.units import format_value
from harness.measure.window import Window
from harness.runfolder.recorder import Second

PENDING = "pending"  # no SLO broken, some without data yet
GAUGES = ("joining", "playing", "stalled", "waiting_to_retry", "recovering")


@dataclass
class _Span:
    """The seconds of one span so far: their sum, and each one's gauges (what
    the formulas read second by second: stalled shares, watching viewers, server figures)."""

    total: Window = field(default_factory=lambda: Window(0))
    seconds: list[Window] = field(default_factory=list)  # gauges only (one per second, shared)

    def add(self, window: Window, gauges: Window) -> None:
        self.total.merge(window)
        self.seconds.append(gauges)


@dataclass
class _Fault:
    budget_s: float
    injected: float | None = None  # run seconds, as the events say
    reverted: float | None = None


def _overlaps(second: int, start: float | None, stop: float | None) -> bool:
    """Whether second [n, n+1) overlaps [start, stop) (start None: never; stop None: no end yet)."""
    return start is not None and second + 1 > start and (stop is None or second < stop)


def _figure(slo: Slo, span: _Span | None) -> float | None:
    if span is None or not span.seconds:
        return None
    metric = checked_metric(slo.metric)
    formula = metric.lowest if slo.op == "min" and metric.lowest else metric.formula
    return formula(span.seconds, span.total)


class Checks:
    """The SLO checks of one run, as its seconds and fault events come."""

    def __init__(self, slos: Sequence[Slo], peak: str, groups: Collection[str]) -> None:
        self.own, self.peak, self.groups = list(slos), peak, tuple(groups)
        self.faults: dict[str, _Fault] = {}
        self.spans: dict[str, _Span] = {}

    def event(self, kind: str, **fields: object) -> None:
        name = str(fields.get("fault", ""))
        if kind == "fault_scheduled":
            self.faults[name] = _Fault(float(fields["recovery_budget_s"]))  # type: ignore[arg-type]
        elif kind == "fault_injected" and name in self.faults:
            self.faults[name].injected = float(fields["second"])  # type: ignore[arg-type]
        elif kind == "fault_reverted" and name in self.faults:
            self.faults[name].reverted = float(fields["second"])  # type: ignore[arg-type]

    def second(self, second: Second) -> None:
        """Add the second to every span it is in."""
        window, n = second.window, second.window.second
        gauges = Window(n, **{name: getattr(window, name) for name in GAUGES})
        gauges.server = dict(window.server)
        calm = True
        for name, fault in self.faults.items():
            after = None if fault.reverted is None else fault.reverted + fault.budget_s
            calm = calm and not _overlaps(n, fault.injected, after)
            if _overlaps(n, fault.injected, fault.reverted):
                self._span(f"during:{name}").add(window, gauges)
            if _overlaps(n, fault.reverted, after):
                self._span(f"recovery:{name}").add(window, gauges)
        if calm:
            self._span("overall").add(window, gauges)
            self._span(f"phase:{second.phase}").add(window, gauges)
            if all(f.injected is None or n + 1 <= f.injected for f in self.faults.values()):
                self._span("baseline").add(window, gauges)

    def _span(self, key: str) -> _Span:
        return self.spans.setdefault(key, _Span())

    def slos(self) -> list[Slo]:
        """The SLOs judged, as the judge picks them: demand's, then each fault's."""
        demand = demand_slos(self.own, self.groups)
        return demand + [o for name in self.faults for o in fault_slos(self.own, name, self.groups)]

    def _key(self, phase: str) -> str:
        if phase in ("overall", "baseline") or ":" in phase:
            return phase
        return f"phase:{self.peak if phase == 'peak' else phase}"

    def verdict(self, recorded: int) -> dict:
        """The checks so far: result (fail, pending or pass), headline and one row per SLO."""
        rows = []
        for slo in self.slos():
            observed = _figure(slo, self.spans.get(self._key(slo.phase)))
            result = NO_DATA if observed is None else PASS if slo.passes(observed) else FAIL
            unit = checked_metric(slo.metric).unit
            bound = "<=" if slo.op == "max" else ">="
            rows.append(
                {
                    "metric": slo.metric,
                    "phase": slo.phase,
                    "op": slo.op,
                    "threshold": slo.threshold,
                    "observed": observed,
                    "shown": format_value(observed, unit),
                    "wanted": f"{bound} {format_value(slo.threshold, unit)}",
                    "result": result,
                }
            )
        broken = [r for r in rows if r["result"] == FAIL]
        waiting = [r for r in rows if r["result"] == NO_DATA]
        result = FAIL if broken else PENDING if waiting else PASS
        parts = [f"{len(rows) - len(broken) - len(waiting)} of {len(rows)} SLOs hold"]
        parts += [
            f"{r['metric']} {r['shown']} (wanted {r['wanted']}) in {r['phase']}" for r in broken
        ]
        if waiting:
            parts.append(f"{len(waiting)} without data yet")
        headline = f"{result.upper()} so far, on {recorded} s — " + "; ".join(parts)
        return {"result": result, "headline": headline, "slos": rows}
