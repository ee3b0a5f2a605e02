"""harness sweep SCENARIO: what the loss of each single component or link does
to each user journey, under the scenario's peak audience.

For each fault of the stack (harness.orchestrate.sweep_faults), one normal
run of a variant of the scenario (its peak reached within RAMP_S wall
seconds and held, new viewers arriving through the hold; the fault injected
SETTLE_S later, for `fault_for`, then `after` watched) in the sweep's folder
`results/<UTC stamp>_<scenario>-sweep/`. Like every fault, the fault and its
recovery budget run at the scenario's fault_time_scale (real time unless it
says otherwise: harness/scenario/time_map.py), the ramp and what follows the
budget at its time_scale. Between two faults: a gap, then a
health check of every component; a stack not healthy again within
`healthy_within` stops the sweep (exit 3) before the next fault. SIGINT or
SIGTERM: the run in progress reverts its fault (its rollback), no other
fault starts, sweep.json keeps the rows done (exit 130 or 143).

sweep.json is written after every fault; the matrix (sweep_matrix) is read
from each run folder's recorded windows.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.faults.side_by_side import check_before_run
from harness.orchestrate.sweep_faults import SweepFault, sweep_faults
from harness.orchestrate.sweep_journeys import Journey, journeys_of
from harness.orchestrate.sweep_matrix import (
    FAIL,
    failing_by_second,
    row_cells,
    single_points_of_failure,
)
from harness.orchestrate.sweep_report import write_reports
from harness.orchestrate.sweep_truth import generator_bound
from harness.orchestrate.variants import held_at_peak, named, peak_viewers, with_faults
from harness.platforms import health
from harness.platforms.registry import stack_of
from harness.platforms.stack import Stack
from harness.run.session import (
    EXIT_ON_SIGNAL,
    RunOptions,
    RunResult,
    SignalStop,
    acquire_target,
    make_run_dir,
    run,
)
from harness.runfolder.recorder import read_seconds, utc
from harness.scenario import Scenario
from harness.spec.errors import InvalidInput
from harness.spec.safe_files import write_replacing

SWEEP = "sweep.json"
RAMP_S = 2.0  # wall seconds to the held audience
SETTLE_S = 2.0  # wall seconds of it watching before the fault
EXIT_INFRASTRUCTURE = 3


@dataclass(frozen=True)
class SweepOptions:
    fault_for: float = 60.0  # match seconds each fault is in (at fault_time_scale: real time)
    after: float = 60.0  # match seconds watched after each revert
    gap: float = 5.0  # wall seconds from one run's end to the health check before the next
    healthy_within: float = 60.0  # wall seconds the stack may take to be healthy again
    joining: float = 0.25  # share of the held audience that arrives during the hold
    only: tuple[str, ...] = ()  # just these targets
    run: RunOptions = field(default_factory=RunOptions)


@dataclass(frozen=True)
class SweepResult:
    folder: Path
    exit_code: int
    sweep: dict  # what sweep.json holds


def variant(scenario: Scenario, fault: SweepFault, options: SweepOptions) -> Scenario:
    """The scenario's run for one fault: its peak held, the fault in the hold."""
    ramp, settle = RAMP_S * scenario.time_scale, SETTLE_S * scenario.time_scale
    held = held_at_peak(
        scenario,
        peak_viewers(scenario),
        ramp,
        settle + options.fault_for + options.after,
        options.joining,
    )
    return named(
        with_faults(held, [fault.fault(ramp + settle, options.fault_for)]),
        f"{scenario.name}-{fault.name}",
    )


def sweep(scenario: Scenario, results_root: Path, options: SweepOptions) -> SweepResult:
    """Run every fault of the sweep, one at a time; write sweep.json and the reports."""
    stack = stack_of(scenario.platform, scenario.targets)
    faults = sweep_faults(stack, options.only)
    if not faults:
        raise InvalidInput(
            f"{scenario.source}: the stack has no component or link the sweep "
            f"can break on platform {scenario.platform} (docs/sweep.md)"
        )
    runs = [(fault, variant(scenario, fault, options)) for fault in faults]  # exit 2 first
    journeys = journeys_of(scenario)
    check_before_run(stack, len(faults))
    folder = make_run_dir(results_root, named(scenario, f"{scenario.name}-sweep"), time.time())
    report = {
        "scenario": scenario.name,
        "platform": scenario.platform,
        "started_utc": utc(time.time()),
        "peak_viewers": peak_viewers(scenario),
        "time_scale": scenario.time_scale,
        "fault_time_scale": min(scenario.fault_time_scale, scenario.time_scale),
        "fault_for_s": options.fault_for,
        "after_s": options.after,
        "gap_s": options.gap,
        "joining": options.joining,
        "faults_planned": [f.name for f in faults],
        "journeys": [j.to_json() for j in journeys],
        "single_points_of_failure": [],
        "rows": [],
        "outcome": "completed",
    }
    stop = SignalStop()
    release = acquire_target(scenario.platform, stack, scenario.stack_size)
    try:
        code = _each_fault(runs, journeys, stack, folder, options, report, stop)
    except BaseException as error:  # what was done is kept, and says how it ended
        report["outcome"] = f"failed: {error.__class__.__name__}: {error}"
        _write(folder, report)
        raise
    finally:
        stop.release()
        release()
    report["exit_code"] = code
    _write(folder, report)
    write_reports(folder, report)
    return SweepResult(folder, code, report)


def _each_fault(
    runs: list[tuple[SweepFault, Scenario]],
    journeys: list[Journey],
    stack: Stack,
    folder: Path,
    options: SweepOptions,
    report: dict,
    stop: SignalStop,
) -> int:
    """The faults one after another, each row written as it is done; the sweep's exit code."""
    for index, (fault, scenario) in enumerate(runs):
        sick = _healthy_again(stack, options.gap if index else 0.0, options.healthy_within, stop)
        if stop.signal is not None:
            report["outcome"] = f"interrupted ({stop.signal.name}) before {fault.name}"
            return EXIT_ON_SIGNAL[stop.signal]
        if sick:
            report["outcome"] = (
                f"stopped before {fault.name}: the stack was not healthy "
                f"within {options.healthy_within:g} s: {sick}"
            )
            return EXIT_INFRASTRUCTURE
        print(f"[{index + 1}/{len(runs)}] {fault.name}: {fault.kind} on {fault.target}", flush=True)
        result = run(scenario, folder, options.run)
        if result.exit_code in EXIT_ON_SIGNAL.values():
            report["outcome"] = (
                f"{result.outcome} during {fault.name} (its run folder: {result.run_dir.name})"
            )
            return result.exit_code
        report["rows"].append(_row(fault, result, journeys))
        report["single_points_of_failure"] = single_points_of_failure(report["rows"])
        _write(folder, report)
        print(_progress_line(report["rows"][-1]), flush=True)
    return _verdict_code(report)


def _healthy_again(stack: Stack, gap: float, bound: float, stop: SignalStop) -> str | None:
    """After `gap` seconds, wait until every component answers its health check;
    what was still unhealthy after `bound` seconds, else None (also when stopped)."""
    if stop.event.wait(timeout=gap):
        return None
    deadline = time.monotonic() + bound
    while True:
        probes = health.wait_healthy(stack.checks, 0.0)  # one probe of each
        sick = {name: state for name, state in probes.items() if state != "healthy"}
        if not sick:
            return None
        if time.monotonic() > deadline:
            return ", ".join(f"{name} {state}" for name, state in sick.items())
        if stop.event.wait(timeout=0.5):
            return None


def _row(fault: SweepFault, result: RunResult, journeys: list[Journey]) -> dict:
    """The matrix row of one fault's run, from its run folder."""
    row = {
        "fault": fault.name,
        "kind": fault.kind,
        "target": fault.target,
        "hits": fault.hits,
        "run_dir": result.run_dir.name,
        "run_outcome": result.outcome,
        "seconds": result.summary["seconds_recorded"],
        "generator_saturated_s": (result.summary.get("generator") or {}).get(
            "seconds_saturated", 0
        ),
        "cells": {},
    }
    measured: dict = next((f for f in result.summary["faults"] if f["name"] == fault.name), {})
    injected, reverted = measured.get("injected_second"), measured.get("reverted_second")
    if injected is None or reverted is None:
        row["error"] = measured.get("status", "not injected")
        return row
    row.update(injected_s=injected, reverted_s=reverted)
    seconds = read_seconds(result.run_dir)
    row["cells"] = row_cells(journeys, seconds, injected, reverted)
    row["generator_bound"] = generator_bound(journeys, seconds, injected, reverted)
    row["failing_by_second"] = failing_by_second(journeys, seconds)
    return row


def _verdict_code(report: dict) -> int:
    """1 when a fault failed a journey (a cell the load generator could not
    have changed); 3 when a fault could not be judged (not injected, or the
    generator could have changed a cell: harness.orchestrate.sweep_truth); else 0."""
    rows = report["rows"]
    if any(row.get("error") for row in rows):
        return EXIT_INFRASTRUCTURE
    if any(
        c["verdict"] == FAIL and key not in row.get("generator_bound", {})
        for row in rows
        for key, c in row["cells"].items()
    ):
        return 1
    return EXIT_INFRASTRUCTURE if any(row.get("generator_bound") for row in rows) else 0


def _progress_line(row: dict) -> str:
    """One line as each fault's run ends."""
    if row.get("error"):
        return f"{row['fault']}: {row['error']}"
    verdicts = ", ".join(f"{c['journey']} {c['verdict'].upper()}" for c in row["cells"].values())
    return f"{row['fault']}: {verdicts}"


def _write(folder: Path, report: dict) -> None:
    write_replacing(folder / SWEEP, json.dumps(report, indent=2) + "\n")
