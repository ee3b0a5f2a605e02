"""harness run SCENARIO --control: the same audience with the same seed and
no faults, on the same time map (the control), then the scenario itself (the experiment), each a
normal run folder inside `results/<UTC stamp>_<scenario>-control/`. The
experiment's folder keeps the controls' seconds, so its summary, verdict and
reports attribute every breach to the fault or to load
(harness.judge.attribution); the parent folder gets `control.json` and
a `report.html` with the attribution and links to both runs.

Designs:
- `before`: control, then experiment.
- `interleaved`: control, experiment, control. The experiment sits between
  two controls, so a drift of the machine or the stack over the minutes of
  the runs (other jobs, caches warming, a slow disk) shows in the controls
  instead of being blamed on the fault; a breach is load when either control
  breaks. (Alternating slices of one timeline was not chosen: each slice
  would start its audience mid-curve, a rush that the match does not have,
  and a fault's recovery spans slices.)

Exit code: the experiment's; a control interrupted by a signal ends the
whole with its code, and no experiment."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from harness.judge.attribution import store_controls
from harness.orchestrate.control_page import write_page
from harness.orchestrate.variants import control_of, named
from harness.platforms.registry import stack_of
from harness.report.results import write_results
from harness.run.session import (
    EXIT_ON_SIGNAL,
    RunOptions,
    RunResult,
    acquire_target,
    fresh_folder,
    run,
)
from harness.run.session import print_result as print_run
from harness.scenario import Scenario
from harness.spec.safe_files import write_replacing

CONTROL_JSON = "control.json"
ORDER = {
    "before": ("control", "experiment"),  # the designs (the CLI's choices)
    "interleaved": ("control", "experiment", "control"),
}


@dataclasses.dataclass(frozen=True)
class ControlResult:
    folder: Path  # the parent: results/<stamp>_<scenario>-control
    scenario: str
    design: str
    runs: list[tuple[str, RunResult]]  # (role, its result), in the order they ran
    exit_code: int

    @property
    def experiment(self) -> RunResult | None:
        return next((r for role, r in self.runs if role == "experiment"), None)


def run_with_control(
    scenario: Scenario,
    results_root: Path,
    options: RunOptions = RunOptions(),
    design: str = "before",
) -> ControlResult:
    """Run the control(s) and the experiment in `design` order; attribute.
    control.json is written however it ends (a run that raised: the runs before it)."""
    folder = fresh_folder(results_root, f"{scenario.name}-control", time.time())
    runs: list[tuple[str, RunResult]] = []
    release = None
    try:
        # The stack is acquired once: the control and the experiment meet the same stack.
        release = acquire_target(
            scenario.platform, stack_of(scenario.platform, scenario.targets), scenario.stack_size
        )
        _run_in_order(scenario, folder, options, ORDER[design], runs)
    finally:
        if release is not None:
            release()
        if not runs:  # the first run could not start: nothing to keep
            folder.rmdir()
        else:
            done = _attributed(ControlResult(folder, scenario.name, design, runs, 0))
            write_record(done)
    return done


def _run_in_order(
    scenario: Scenario,
    folder: Path,
    options: RunOptions,
    order: tuple[str, ...],
    runs: list[tuple[str, RunResult]],
) -> None:
    """Append each run to `runs` as it ends; a run stopped by a signal ends the order."""
    control = named(control_of(scenario), f"{scenario.name}-no-faults")
    # A control is compared with its experiment only: no baseline of its own.
    quiet = dataclasses.replace(options, baseline_run=None, fail_on_regression=False)
    for role in order:
        result = (
            run(control, folder, quiet) if role == "control" else run(scenario, folder, options)
        )
        runs.append((role, result))
        if result.exit_code in EXIT_ON_SIGNAL.values():
            return


def _attributed(done: ControlResult) -> ControlResult:
    """The experiment's results written again with its controls' seconds kept
    in its folder (so they carry the attribution); the exit code: the
    experiment's (without one, the last run's)."""
    experiment = done.experiment
    if experiment is None:
        return dataclasses.replace(done, exit_code=done.runs[-1][1].exit_code)
    store_controls(experiment.run_dir, [r.run_dir for role, r in done.runs if role == "control"])
    again = dataclasses.replace(experiment, summary=write_results(experiment.run_dir))
    runs = [(role, again if r is experiment else r) for role, r in done.runs]
    return dataclasses.replace(done, runs=runs, exit_code=experiment.exit_code)


def record(done: ControlResult) -> dict:
    """control.json: the design, every run with its verdict, the attribution."""
    experiment = done.experiment
    return {
        "design": done.design,
        "scenario": done.scenario,
        "runs": [
            {
                "role": role,
                "folder": r.run_dir.name,
                "outcome": r.outcome,
                "verdict": r.summary["verdict"]["result"],
                "headline": r.summary["verdict"]["headline"],
                "exit_code": r.exit_code,
            }
            for role, r in done.runs
        ],
        "attribution": experiment.summary.get("attribution") if experiment else None,
        "exit_code": done.exit_code,
    }


def write_record(done: ControlResult) -> None:
    data = record(done)
    write_replacing(done.folder / CONTROL_JSON, json.dumps(data, indent=2) + "\n")
    write_page(done.folder, data)


def print_result(done: ControlResult) -> None:
    """The experiment as `harness run` prints it (with its attribution), then
    where each run is."""
    if done.experiment is not None:
        print_run(done.experiment)
    else:
        print("the experiment did not run: the control was stopped")
    for role, r in done.runs:
        print(f"{role}: {r.run_dir.name}: {r.summary['verdict']['result']} ({r.outcome})")
    print(f"control runs ({done.design}) in {done.folder} ({CONTROL_JSON}, report.html)")
