"""One level of a capacity search, read back from its run folder: how the
search judges it, the figures its table and curves show, and what the stack's
components did in it.

The search judges a level on demand: the scenario's demand SLOs (or the
default ones) over all of the level's seconds, by harness.judge.verdict.judge with
no fault windows. Without --without that is the run's own verdict. With
--without, the component is down for the whole run by a fault, which the
run's own verdict judges as a fault (so demand there has no undisturbed
seconds); for capacity the component being down is the level's condition,
not a disturbance, so demand is judged on every second.

A level whose first run was generator-bound is run once more with the same
seed (harness.orchestrate.capacity): `first` keeps that run, and the level
is judged on the second.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from harness.judge.recorded_scenario import read_scenario, slos_of
from harness.judge.verdict import PASS, judge
from harness.measure.truth import GENERATOR_BOUND
from harness.orchestrate.capacity_search import BOUND, BROKE, HELD, INTERRUPTED
from harness.report.results import SCENARIO
from harness.run.session import EXIT_ON_SIGNAL, RunResult
from harness.runfolder.recorder import read_recorded

PEAK_FIGURES = ("startup_time_p95", "error_ratio", "requests_per_second")


@dataclass(frozen=True)
class Level:
    value: float  # on the search's axis: viewers at peak, or viewers joining per second
    viewers: int  # concurrent viewers at the peak the level asked for
    run: RunResult
    verdict: dict  # harness.judge.verdict.judge's result on demand (see the module's docstring)
    unhealthy: tuple[str, ...]  # components whose health check failed in the level
    first: Level | None = None  # a generator-bound run of the level before this one

    def again(self, run: Level) -> Level:
        """The level as `run` measured it, this one kept as its first try."""
        return replace(run, first=self)

    @property
    def result(self) -> str:
        if self.run.exit_code in EXIT_ON_SIGNAL.values():
            return INTERRUPTED
        return {PASS: HELD, GENERATOR_BOUND: BOUND}.get(self.verdict["result"], BROKE)

    @property
    def peak(self) -> dict:
        """The metrics of the level's peak phase (from its summary)."""
        summary = self.run.summary
        span = next(
            (p for p in summary["phases"] if p["name"] == summary["peak_phase"]), summary["overall"]
        )
        return span["metrics"]

    @property
    def goodput(self) -> float | None:
        """Requests answered without error per second at the peak: the USL's
        throughput (failed requests are cheap and fast, so counting them would
        hide the stack's turn)."""
        rate, errors = self.peak["requests_per_second"], self.peak["error_ratio"]
        return None if rate is None else rate * (1 - (errors or 0.0))

    @property
    def broken(self) -> list[dict]:
        """The SLO rows that failed (or had no data) on their own."""
        return [r for r in self.verdict["slos"] if r["result"] not in (PASS, GENERATOR_BOUND)]

    @property
    def components(self) -> dict | None:
        """Each component's CPU use over the run ({"cores", "limit"}), where the
        platform records it (summary.json["components"]); None elsewhere."""
        return self.run.summary.get("components")

    def to_json(self, folder: Path) -> dict:
        return {
            "value": self.value,
            "viewers": self.viewers,
            "run": str(self.run.run_dir.relative_to(folder)),
            "result": self.result,
            "verdict": self.verdict["result"],
            "headline": self.verdict["headline"],
            "run_verdict": self.run.summary["verdict"]["result"],
            **{name: self.peak.get(name) for name in PEAK_FIGURES},
            "goodput": self.goodput,
            "slos": [
                {
                    key: row[key]
                    for key in ("metric", "phase", "op", "threshold", "observed", "unit", "result")
                }
                for row in self.verdict["slos"]
            ],
            "components": self.components,
            "unhealthy": list(self.unhealthy),
            "generator": self.run.summary.get("generator"),
            "first_try": None
            if self.first is None
            else {
                "run": str(self.first.run.run_dir.relative_to(folder)),
                "result": self.first.result,
                "headline": self.first.verdict["headline"],
            },
        }


def read_level(value: float, viewers: int, run: RunResult, without: str | None) -> Level:
    """The level `run` measured; `without`: the component it had down on purpose
    (its failing health check is the condition, not news)."""
    slos = [s for s in slos_of(read_scenario(run.run_dir / SCENARIO)) if s.fault is None]
    seconds, events, _ = read_recorded(run.run_dir)
    summary = run.summary
    # What its folder lost, as the run's own verdict found it (harness.report.results).
    verdict = judge(
        slos,
        seconds,
        [],
        summary["peak_phase"],
        summary["outcome"],
        groups=summary["request_groups"],
        incomplete=summary["verdict"]["incomplete"],
    )
    unhealthy = dict.fromkeys(
        e["component"]
        for e in events
        if e["kind"] == "component_health" and not e["healthy"] and e["component"] != without
    )
    return Level(value, viewers, run, verdict, tuple(unhealthy))
