"""harness capacity: how much audience the stack holds within the scenario's SLOs.

One axis at a time: `viewers` scales the audience curve to each level's peak
of concurrent viewers; `arrival` keeps the peak and makes the curve's
steepest rise add each level's viewers per second (variants.at_rush_rate).
Every level is one normal run (harness.run.session.run, same seed) into the capacity
folder `results/<UTC stamp>_<scenario>-capacity/`; the search
(capacity_search) steps up, then bisects. A level the load generator could
not make (generator-bound) is run once more with the same seed before the
search gives up on it; both runs are kept. The scenario's own faults are left
out (capacity is about demand); `without` takes one component down for each
whole level instead, for the N-1 capacity. capacity.json is written after
every level, so an interrupted search keeps what it measured.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.faults.registry import KINDS, outage_kind
from harness.orchestrate import capacity_answer, usl, variants
from harness.orchestrate.capacity_level import Level, read_level
from harness.orchestrate.capacity_report import write_report
from harness.orchestrate.capacity_search import (
    AXES,
    BOUND,
    BROKE,
    DEFAULT_REACH,
    HELD,
    Found,
    Plan,
    Resolution,
    Step,
    search,
)
from harness.platforms.registry import stack_of
from harness.platforms.stack import Stack
from harness.run.session import RunOptions, acquire_target, fresh_folder, run
from harness.runfolder.recorder import utc
from harness.scenario import Scenario
from harness.spec.errors import InvalidInput
from harness.spec.fields import did_you_mean
from harness.spec.safe_files import write_replacing

log = logging.getLogger(__name__)
CAPACITY_JSON = "capacity.json"
SCHEMA_VERSION = 1
SETTLE_S = 2.0  # between levels: connections of the last one drain


@dataclass(frozen=True)
class CapacityOptions:
    axis: str = "viewers"
    start: float | None = None  # default: the scenario's own peak, or its own rush rate
    maximum: float | None = None  # default: DEFAULT_REACH times the start
    step: Step = Step(factor=2.0)
    resolution: Resolution = Resolution(share=0.1)
    without: str | None = None  # a component down for every whole level
    run: RunOptions = field(default_factory=RunOptions)


@dataclass(frozen=True)
class CapacityResult:
    folder: Path
    document: dict  # what capacity.json holds
    exit_code: int


def down_kind(stack: Stack, platform: str, component: str) -> str:
    """The fault kind that keeps `component` down on this stack; InvalidInput
    for an unknown component or a stack with no driver that can."""
    names = [c.name for c in stack.components]
    if component not in names:
        hint = did_you_mean(component, names) or f"choose from {', '.join(names) or '(none)'}"
        raise InvalidInput(
            f"--without: the {platform} stack has no component named {component!r} ({hint})"
        )
    kind = outage_kind(stack.drivers, "component")
    if kind is None:
        down = sorted(k.name for k in KINDS.values() if k.outage and k.hits == "component")
        raise InvalidInput(
            f"--without: platform {platform} offers no fault that keeps a "
            f"component down (one of {', '.join(down)} is needed)"
        )
    return kind.name


def _base(scenario: Scenario, options: CapacityOptions) -> tuple[Scenario, str | None]:
    """The scenario every level varies, and the kind of its whole-run fault."""
    if options.without is None:
        return variants.with_faults(scenario, ()), None
    kind = down_kind(
        stack_of(scenario.platform, scenario.targets), scenario.platform, options.without
    )
    return variants.with_component_down(scenario, options.without, kind), kind


def _plan(base: Scenario, options: CapacityOptions) -> Plan:
    """The search's plan; InvalidInput for levels the scenario cannot run."""
    on_viewers = options.axis == "viewers"
    own: float  # where the search starts by default; the level it steps down to at most
    lowest: float
    if on_viewers:
        own, lowest = variants.peak_viewers(base), 1.0
    else:
        found = variants.rush(base)
        if found is None:
            raise InvalidInput(
                f"{base.source}: --axis arrival: its audience curve never "
                f"rises, so it has no rush to make steeper"
            )
        # Stepping down goes as far as the scenario's own rush rate, in tenths.
        own = lowest = math.ceil(found[1] * 10) / 10
    start = options.start or own
    maximum = options.maximum or start * DEFAULT_REACH
    if start <= 0 or maximum < start:
        raise InvalidInput(
            f"--start {start:g} and --max {maximum:g}: the search needs 0 < start <= max"
        )
    plan = Plan(
        start,
        maximum,
        options.step,
        options.resolution,
        whole=on_viewers,
        minimum=min(lowest, start),
    )
    _variant(base, options.axis, plan.level(start))  # every rule, before any run
    return plan


def _variant(base: Scenario, axis: str, value: float) -> Scenario:
    if axis == "viewers":
        return variants.named(
            variants.at_peak(base, int(value)), f"{base.name[:80]}-{value:g}-viewers"
        )
    try:
        level = variants.at_rush_rate(base, value)
    except ValueError as error:
        raise InvalidInput(f"{base.source}: --axis arrival: {error}") from None
    return variants.named(level, f"{base.name[:80]}-{value:g}-per-s".replace(".", "p"))


class _Search:
    """The levels of one search as they are run, and capacity.json after each."""

    def __init__(
        self,
        scenario: Scenario,
        base: Scenario,
        kind: str | None,
        options: CapacityOptions,
        plan: Plan,
        folder: Path,
    ) -> None:
        self.scenario, self.base, self.kind = scenario, base, kind
        self.options, self.plan, self.folder = options, plan, folder
        self.levels: dict[float, Level] = {}
        self.started = time.time()

    def measure(self, value: float) -> str:
        if self.levels:
            time.sleep(SETTLE_S)
        variant = _variant(self.base, self.options.axis, value)
        log.info("capacity level %g (%s): running %s", value, self.options.axis, variant.name)
        level = self._level(value, variant)
        if level.result == BOUND:
            log.info("capacity level %g: generator-bound; running it once more (same seed)", value)
            time.sleep(SETTLE_S)
            level = level.again(self._level(value, variant))
        self.levels[value] = level
        log.info("capacity level %g: %s", value, level.result)
        self.write(None)
        return level.result

    def _level(self, value: float, variant: Scenario) -> Level:
        result = run(variant, self.folder, self.options.run)
        return read_level(value, variants.peak_viewers(variant), result, self.options.without)

    def write(self, found: Found | None) -> dict:
        on_viewers = self.options.axis == "viewers"
        document = {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario.name,
            "axis": self.options.axis,
            "unit": AXES[self.options.axis],
            "platform": self.scenario.platform,
            "seed": self.scenario.seed,
            "time_scale": self.scenario.time_scale,
            "without": self.options.without,
            "without_fault": self.kind,
            "plan": {
                "start": self.plan.start,
                "max": self.plan.maximum,
                "step": str(self.plan.step),
                "resolution": str(self.plan.resolution),
            },
            "started_utc": utc(self.started),
            "ended_utc": utc(time.time()) if found else None,
            "levels": [level.to_json(self.folder) for level in self.levels.values()],
            "answer": capacity_answer.answer(
                found, self.levels, self.base.audience.forecast, on_viewers
            )
            if found
            else None,
            "usl": _usl(self.levels.values())
            if on_viewers
            else {
                "problem": "not fitted on the arrival axis: every level has the same peak "
                "concurrency, and the law is throughput against concurrency"
            },
        }
        write_replacing(self.folder / CAPACITY_JSON, json.dumps(document, indent=2) + "\n")
        return document


def _usl(levels: Iterable[Level]) -> dict:
    """capacity.json's "usl": the law fitted to the levels the stack was judged on."""
    fitted = usl.fit(
        [
            (level.viewers, level.goodput)
            for level in levels
            if level.result in (HELD, BROKE) and level.goodput
        ]
    )
    return {
        "throughput": "requests answered without error per second in the peak phase",
        "levels": fitted.levels,
        "problem": fitted.problem,
        "lambda": fitted.lam,
        "sigma": fitted.sigma,
        "kappa": fitted.kappa,
        "peak_n": fitted.peak_n,
        "peak_x": fitted.peak_x,
        "largest_n": fitted.largest_n,
        "extrapolation": fitted.extrapolation,
        "residuals": list(fitted.residuals),
        "rms_residual": fitted.rms_residual,
        "notes": list(fitted.notes),
        "lines": usl.describe(fitted),
    }


def capacity(
    scenario: Scenario, results_root: Path, options: CapacityOptions = CapacityOptions()
) -> CapacityResult:
    """Search the scenario's capacity (see the module's docstring)."""
    if options.axis not in AXES:
        raise InvalidInput(f"--axis {options.axis}: choose from {', '.join(AXES)}")
    base, kind = _base(scenario, options)
    plan = _plan(base, options)
    release = acquire_target(
        scenario.platform, stack_of(scenario.platform, scenario.targets), scenario.stack_size
    )
    try:
        folder = fresh_folder(results_root, f"{scenario.name}-capacity", time.time())
        state = _Search(scenario, base, kind, options, plan, folder)
        found = search(plan, state.measure)
    finally:
        release()
    document = state.write(found)
    write_report(folder, document)
    return CapacityResult(folder, document, capacity_answer.exit_code(found, state.levels))
