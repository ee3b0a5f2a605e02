"""harness run SCENARIO --control: the same audience with the same seed and
no faults (the control), then the scenario itself (the experiment), each a
normal run folder inside `results/<UTC stamp>_<scenario>-control/`. The
experiment's folder keeps the controls' seconds, so its summary, verdict and
reports attribute every breach to the fault or to load
(harness.orchestrate.attribution); the parent folder gets `control.json` and
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
from datetime import datetime, timezone
from pathlib import Path

from harness.orchestrate.attribution import store_controls
from harness.orchestrate.control_page import write_page
from harness.orchestrate.variants import named, with_faults
from harness.results import write_results
from harness.run import EXIT_ON_SIGNAL, RunOptions, RunResult, run
from harness.run import print_result as print_run
from harness.scenario import Scenario

DESIGNS = ("before", "interleaved")
CONTROL_JSON = "control.json"
ORDER = {"before": ("control", "experiment"),
         "interleaved": ("control", "experiment", "control")}


@dataclasses.dataclass(frozen=True)
class ControlResult:
    folder: Path  # the parent: results/<stamp>_<scenario>-control
    design: str
    runs: list[tuple[str, RunResult]]  # (role, its result), in the order they ran
    exit_code: int

    @property
    def experiment(self) -> RunResult | None:
        return next((r for role, r in self.runs if role == "experiment"), None)


def make_folder(results_root: Path, scenario: Scenario) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = results_root / f"{stamp}_{scenario.name}-control"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = results_root / f"{stamp}_{scenario.name}-control-{suffix}"
    folder.mkdir(parents=True)
    return folder


def run_with_control(scenario: Scenario, results_root: Path, options: RunOptions = RunOptions(),
                     design: str = "before") -> ControlResult:
    """Run the control(s) and the experiment in `design` order; attribute."""
    folder = make_folder(results_root, scenario)
    control = named(with_faults(scenario, ()), f"{scenario.name}-no-faults")
    # A control is compared with its experiment only: no baseline of its own.
    quiet = dataclasses.replace(options, baseline_run=None, fail_on_regression=False)
    runs: list[tuple[str, RunResult]] = []
    for role in ORDER[design]:
        if role == "control":
            result = run(control, folder, quiet)
        else:
            result = run(scenario, folder, options)
        runs.append((role, result))
        if result.exit_code in EXIT_ON_SIGNAL.values():
            break  # stopped by hand: nothing more runs
    controls = [r.run_dir for role, r in runs if role == "control"]
    experiment = next((r for role, r in runs if role == "experiment"), None)
    if experiment is not None:
        store_controls(experiment.run_dir, controls)
        runs = [(role, dataclasses.replace(r, summary=write_results(r.run_dir))
                 if r is experiment else r) for role, r in runs]
    done = ControlResult(folder, design, runs,
                         experiment.exit_code if experiment else runs[-1][1].exit_code)
    write_record(done)
    return done


def record(done: ControlResult) -> dict:
    """control.json: the design, every run with its verdict, the attribution."""
    experiment = done.experiment
    return {
        "design": done.design,
        "scenario": experiment.summary["scenario"] if experiment else None,
        "runs": [{"role": role, "folder": r.run_dir.name, "outcome": r.outcome,
                  "verdict": r.summary["verdict"]["result"],
                  "headline": r.summary["verdict"]["headline"], "exit_code": r.exit_code}
                 for role, r in done.runs],
        "attribution": experiment.summary.get("attribution") if experiment else None,
        "exit_code": done.exit_code,
    }


def write_record(done: ControlResult) -> None:
    data = record(done)
    (done.folder / CONTROL_JSON).write_text(json.dumps(data, indent=2) + "\n")
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
