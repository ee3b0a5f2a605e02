"""A service level objective: a metric of the catalogue, a bound on it and
the span it is judged over. One type for the SLOs a scenario states, the
verdict's defaults and what a run is judged by; written to the scenario's
file form and read back from it (a run folder's scenario.yaml) here only.

Thresholds are in the metric's base unit (a ratio, seconds ...); the file
form writes a ratio as a percentage (`1%`) and a time as a duration (`4s`).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.measure.metrics import SPAN_KINDS, Metric, checked_metric
from harness.spec.quantities import format_percent, format_time, parse_percent, parse_time

OPS = ("max", "min")  # the highest value that passes; the lowest
_FAULT_WINDOWS = {"during": "fault", "recovery": "recovery"}  # phase prefix -> span kind


@dataclass(frozen=True)
class Slo:
    metric: str  # a metric of the catalogue for the scenario's groups
    op: str  # one of OPS
    threshold: float  # in the metric's unit
    phase: str = "overall"  # overall, baseline, peak, during:<fault>, recovery:<fault>, a phase
    default: bool = False  # one of the verdict's defaults, not the scenario's

    @property
    def max(self) -> float | None:
        return self.threshold if self.op == "max" else None

    @property
    def min(self) -> float | None:
        return self.threshold if self.op == "min" else None

    @property
    def fault(self) -> str | None:
        """The fault its phase names (during:<fault>, recovery:<fault>), else None."""
        return fault_of(self.phase)

    def passes(self, value: float) -> bool:
        return value <= self.threshold if self.op == "max" else value >= self.threshold

    def written(self) -> dict:
        """The SLO in scenario file form."""
        return {
            "metric": self.metric,
            self.op: threshold_text(self.threshold, checked_metric(self.metric)),
            "phase": self.phase,
        }

    @classmethod
    def read(cls, written: dict) -> Slo:
        """An SLO in scenario file form (a run folder's scenario.yaml) whose metric
        and bound were checked before; ValueError if its threshold is none."""
        op = "max" if "max" in written else "min"
        return cls(
            written["metric"], op, threshold_of(written[op]), written.get("phase", "overall")
        )


def fault_of(phase: str) -> str | None:
    """The fault an SLO phase (during:<fault>, recovery:<fault>) names, else None."""
    window, colon, fault = phase.partition(":")
    return fault if colon and window in _FAULT_WINDOWS else None


def span_kind(phase: str) -> str:
    """Which of SPAN_KINDS an SLO phase is: a fault's, its recovery's, else a phase."""
    window = phase.partition(":")[0]
    return _FAULT_WINDOWS[window] if fault_of(phase) is not None else "phase"


def span_problem(metric: Metric, phase: str) -> str | None:
    """Why `metric` cannot be judged over `phase` (its entry's spans), else None."""
    kind = span_kind(phase)
    if kind in metric.spans:
        return None
    allowed = {"phase": "a phase", "fault": "during:<fault>", "recovery": "recovery:<fault>"}
    return (
        f"{metric.name} is judged only over "
        f"{' or '.join(allowed[k] for k in SPAN_KINDS if k in metric.spans)}, "
        f"not over {phase!r}"
    )


def threshold_of(written: float | str) -> float:
    """A threshold as the file form writes it (0.01, "1%", "4s") in base units."""
    if isinstance(written, (int, float)):
        return float(written)
    ratio = parse_percent(written)
    if ratio is not None:
        return ratio
    seconds = parse_time(written)
    if seconds is None:
        raise ValueError(f"{written!r} is not a threshold")
    return seconds


def threshold_text(value: float, metric: Metric) -> object:
    """A threshold (or a halt condition's bound) as the file form writes it for
    `metric`: a duration for a time, a percentage for a ratio, else a number."""
    if metric.unit == "s":
        return format_time(value)
    if metric.unit == "ratio":
        return format_percent(value)
    return int(value) if float(value).is_integer() else value
