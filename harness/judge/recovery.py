"""How long a fault took to show and to heal, from the recorded seconds.

The band. For each fault, the baseline is the latest (up to) 30 seconds
before it was injected, leaving out the run's first 5 seconds (viewers still
starting) and any second within another fault's window (from its injection
to 10 s after its revert; for a self-healing fault, after its recovery
budget). Each health signal gets an upper limit from it: the
baseline's mean plus the larger of 3 standard deviations and a floor:

    error_ratio     failed / all requests in the second          floor 0.02
    stalled_share   stalled / (joining + playing + stalled)      floor 0.05
    failures        start failures + exits before start +
                    playback failures in the second              floor 0.5
    latency_p95     95th percentile of the second's requests     floor 1 s

A second with no value for a signal (no requests, no viewers) is no
evidence either way and counts as inside the band. The latency floor is
wide because an edge cache makes ordinary waits long: requests for a segment
another request is already fetching wait on the cache lock (about 0.5 s).

Impact: the first second from the injection with any signal above its
limit, looked for until the fault's revert (a self-healing fault: until its
recovery budget is spent) and never past the next fault's injection, so a
later fault's impact is not blamed on this one; detected after = the end of
that second - the injection.
Recovery: from the revert (from the injection for self-healing kinds, whose
stack brings itself back), the first second that begins 5 consecutive
seconds inside the band (or the rest of the run, if that is 2 to 5 seconds);
recovered after = its start - the revert (or injection), 0 when never out.
Component health: the first moment from the same reference at which every
component the fault hit answered its health check again.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.measure.aggregate import value_of
from harness.measure.metrics import stalled_share
from harness.runfolder.recorder import Second

BASELINE_SECONDS = 30
WARMUP_SECONDS = 5
SETTLE_SECONDS = 10  # after another fault's revert, seconds still left out of a baseline
HOLD_SECONDS = 5
MIN_TAIL = 2
MIN_BASELINE = 3


def _error_ratio(s: Second) -> float | None:
    return value_of("error_ratio", [s.window])


def _stalled_share(s: Second) -> float | None:
    return stalled_share(s.window)


def _failures(s: Second) -> float:
    w = s.window
    return float(w.start_failures + w.exits_before_start + w.playback_failures)


def _latency_p95(s: Second) -> float | None:
    return value_of("latency_p95", [s.window])


SIGNALS: dict[str, tuple[Callable[[Second], float | None], float]] = {
    "error_ratio": (_error_ratio, 0.02),
    "stalled_share": (_stalled_share, 0.05),
    "failures": (_failures, 0.5),
    "latency_p95": (_latency_p95, 1.0),
}


@dataclass(frozen=True)
class Window:
    """When a fault was in force, in wall seconds since the run's zero."""

    injected: float
    reverted: float | None  # None: until the run ended
    self_healing: bool
    budget: float  # seconds the stack may take to recover

    @property
    def over(self) -> float:
        """When the fault stops being the cause of what is seen."""
        if self.reverted is not None:
            return self.reverted
        return self.injected + self.budget if self.self_healing else math.inf


@dataclass(frozen=True)
class Recovery:
    impact_detected_after_s: float | None  # None: no signal left the band
    impact_signals: tuple[str, ...]
    recovered_after_s: float | None  # None: not back in the band by the run's end
    recovery_from: str  # "revert" or "inject"
    baseline_seconds: int  # how many seconds the band was made from (0: no band)

    def to_json(self) -> dict:
        return {
            "impact_detected_after_s": self.impact_detected_after_s,
            "impact_signals": list(self.impact_signals),
            "recovered_after_s": self.recovered_after_s,
            "recovery_from": self.recovery_from,
            "baseline_seconds": self.baseline_seconds,
        }


def limits(baseline: Sequence[Second]) -> dict[str, float]:
    """The upper limit of each signal, from baseline seconds."""
    found = {}
    for name, (signal, floor) in SIGNALS.items():
        values = [v for v in (signal(s) for s in baseline) if v is not None]
        mean = statistics.fmean(values) if values else 0.0
        spread = 3 * statistics.pstdev(values) if len(values) > 1 else 0.0
        found[name] = mean + max(spread, floor)
    return found


def outside(second: Second, bounds: dict[str, float]) -> tuple[str, ...]:
    """The signals above their limit in a second."""
    return tuple(
        name
        for name, (signal, _) in SIGNALS.items()
        if (value := signal(second)) is not None and value > bounds[name]
    )


def _baseline(seconds: Sequence[Second], fault: Window, others: Sequence[Window]) -> list[Second]:
    """The latest (up to) 30 undisturbed seconds before the fault."""

    def disturbed(start: float) -> bool:
        return any(o.injected - 1 < start < o.over + SETTLE_SECONDS for o in others)

    before = [
        s
        for s in seconds
        if WARMUP_SECONDS <= s.window.second
        and s.window.second + 1 <= fault.injected
        and not disturbed(s.window.second)
    ]
    return before[-BASELINE_SECONDS:]


def recovery(seconds: Sequence[Second], fault: Window, others: Sequence[Window]) -> Recovery:
    reference = fault.injected if fault.self_healing or fault.reverted is None else fault.reverted
    source = "inject" if reference == fault.injected else "revert"
    baseline = _baseline(seconds, fault, others)
    if len(baseline) < MIN_BASELINE:
        return Recovery(None, (), None, source, 0)
    bounds = limits(baseline)
    until = min([fault.over] + [o.injected for o in others if o.injected > fault.injected])
    after = [s for s in seconds if fault.injected < s.window.second + 1 and s.window.second < until]
    impact = next(((s, out) for s in after if (out := outside(s, bounds))), None)
    detected = None if impact is None else round(impact[0].window.second + 1 - fault.injected, 3)
    if impact is None:
        return Recovery(None, (), 0.0, source, len(baseline))
    tail = [s for s in seconds if s.window.second + 1 > reference]
    for index, second in enumerate(tail):
        run = tail[index : index + HOLD_SECONDS]
        if (
            len(run) == HOLD_SECONDS or len(run) >= MIN_TAIL and index + len(run) == len(tail)
        ) and not any(outside(s, bounds) for s in run):
            back = round(max(0.0, second.window.second - reference), 3)
            return Recovery(detected, impact[1], back, source, len(baseline))
    return Recovery(detected, impact[1], None, source, len(baseline))


def healthy_after(
    transitions: Sequence[tuple[float, str, bool]],
    components: Sequence[str],
    injected: float,
    reference: float,
) -> float | None:
    """Seconds from `reference` until every component hit was healthy again
    after it went down; 0 when the watch never saw it down (or it was back
    before the reference); None when it was still down at the run's end.
    `transitions` are (second, component, healthy) in time order, from a
    watch that began with every component healthy."""
    state = dict.fromkeys(components, True)
    went_down = False
    for second, component, healthy in transitions:
        if component not in state:
            continue
        state[component] = healthy
        went_down = went_down or (second >= injected and not healthy)
        if went_down and second >= reference and all(state.values()):
            return round(second - reference, 3)
    return 0.0 if all(state.values()) else None
