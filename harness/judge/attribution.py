"""Was a breach the fault or the load? Every SLO row an experiment failed,
judged again on its control run(s): the same audience and seed without faults
(harness.orchestrate.control).

The control's figure is taken over the same span of the timeline as the
experiment's row (the two runs share timeline and time scale, so a second's
number is the same match time in both): `span_of` with the *experiment's*
faults, applied to the control's seconds. A `during:<fault>` or
`recovery:<fault>` row is so judged on the control's seconds of that fault's
span, a demand row on the control's seconds the experiment's faults did not
disturb.

Causes: **load** (the control breaks the SLO too), **both** (the control
breaks it, and the fault made it worse beyond the regression tolerance; never
when no fault was injected: two runs of one audience differ by chance alone),
**fault** (only the experiment breaks it), **unknown** (a control has no
data in that span, or its load generator's shortfall could have changed
whether the control breaks the SLO: generator-bound by harness.judge.verdict's
rule, on the control's own seconds). With several
controls (the interleaved design) the breach is load when any control
breaks it, and the figure compared is the worst control's.

The experiment's run folder holds the controls' recorded seconds
(`controls/<control run folder>.windows.jsonl`), so `harness report` computes
the attribution again from that folder alone (harness.report.results)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from harness.judge.regression import NOISE, TOLERANCE
from harness.judge.verdict import FAIL, NO_DATA, judged, run_marks, span_of
from harness.measure.metrics import checked_metric
from harness.measure.slo import Slo
from harness.measure.truth import GENERATOR_BOUND
from harness.measure.units import format_value
from harness.runfolder.manifest import CONTROLS, reseal
from harness.runfolder.recorder import WINDOWS, Second
from harness.spec.jsonlines import read_records

SUFFIX = ".windows.jsonl"
FAULT, LOAD, BOTH, UNKNOWN = "fault", "load", "both", "unknown"
ORDER = (FAULT, BOTH, LOAD, UNKNOWN)  # what the headline says first
Control = tuple[str, Sequence[Second]]  # (its run folder's name, its seconds)


# --- the controls' seconds, kept in the experiment's folder ---------------------


def store_controls(run_dir: Path, control_dirs: Sequence[Path]) -> None:
    """Copy each control run's recorded seconds into the experiment's folder."""
    folder = run_dir / CONTROLS
    folder.mkdir(exist_ok=True)
    for control in control_dirs:
        shutil.copyfile(control / WINDOWS, folder / f"{control.name}{SUFFIX}")
    reseal(run_dir)  # they are part of what the experiment's folder proves


def read_controls(run_dir: Path) -> list[Control]:
    """The controls kept in a run folder, oldest first (none: not an experiment
    with a control). A torn last line is dropped, as in any run's windows."""
    folder = run_dir / CONTROLS
    if not folder.is_dir():
        return []
    return [
        (path.name.removesuffix(SUFFIX), read_records(path, Second.from_json)[0])
        for path in sorted(folder.glob(f"*{SUFFIX}"))
    ]


# --- the comparison ---------------------------------------------------------------


def _breaks(value: float, op: str, threshold: float) -> bool:
    return value > threshold if op == "max" else value < threshold


def _worse_by(row: dict, control: float) -> float:
    """How much worse the experiment's figure is than the control's (in the
    metric's unit, positive: worse)."""
    return row["observed"] - control if row["op"] == "max" else control - row["observed"]


def _figure(row: dict, control: Control, faults: Sequence[dict], peak: str) -> dict:
    name, seconds = control
    _, chosen = span_of(row["phase"], seconds, faults, peak)
    slo = Slo(row["metric"], row["op"], row["threshold"], row["phase"])
    found = judged(slo, chosen, run_marks(seconds))
    value = found["observed"]
    return {
        "run": name,
        "value": value,
        "seconds": len(chosen),
        "generator_bound": found["result"] == GENERATOR_BOUND,
        "generator_why": found["generator_why"],
        "breaks": value is not None and _breaks(value, row["op"], row["threshold"]),
    }


def _cause(row: dict, figures: Sequence[dict], faulted: bool) -> tuple[str, dict]:
    """(cause, the control figure it rests on); `faulted`: a fault was injected."""
    broken = [f for f in figures if f["breaks"] and not f["generator_bound"]]
    if broken:
        worst = max(broken, key=lambda f: f["value"] * (1 if row["op"] == "max" else -1))
        if row["observed"] is None or not faulted:  # no fault to make it worse
            return LOAD, worst
        unit = checked_metric(row["metric"]).unit
        beyond = _worse_by(row, worst["value"])
        relative = beyond / abs(worst["value"]) if worst["value"] else 1.0
        return (BOTH if beyond > NOISE[unit] and relative > TOLERANCE else LOAD), worst
    unknown = [f for f in figures if f["value"] is None or f["generator_bound"]]
    if unknown:
        return UNKNOWN, unknown[0]
    return FAULT, max(figures, key=lambda f: f["value"] * (1 if row["op"] == "max" else -1))


def attribute(
    verdict: dict, faults: Sequence[dict], peak: str, controls: Sequence[Control]
) -> dict:
    """The attribution block of summary.json: one entry per failed SLO row."""
    rows = []
    faulted = any(f.get("injected_second") is not None for f in faults)
    for row in verdict["slos"]:
        if row["result"] not in (FAIL, NO_DATA):
            continue
        figures = [_figure(row, control, faults, peak) for control in controls]
        cause, control = _cause(row, figures, faulted)
        difference = (
            None
            if row["observed"] is None or control["value"] is None
            else row["observed"] - control["value"]
        )
        entry = {
            "judged_for": row["judged_for"],
            "metric": row["metric"],
            "phase": row["phase"],
            "span": row["span"],
            "unit": row["unit"],
            "op": row["op"],
            "threshold": row["threshold"],
            "experiment": row["observed"],
            "experiment_seconds": row["seconds"],
            "control": control["value"],
            "control_seconds": control["seconds"],
            "control_run": control["run"],
            "difference": difference,
            "cause": cause,
            "controls": figures,
        }
        entry["cause_words"] = cause_words(entry, [f["name"] for f in faults])
        entry["words"] = words(entry)
        rows.append(entry)
    return {"controls": [name for name, _ in controls], "rows": rows}


# --- in words -------------------------------------------------------------------


def _figures(entry: dict) -> str:
    unit = entry["unit"]
    difference = entry["difference"]
    change = (
        ""
        if difference is None
        else f", {'+' if difference > 0 else ''}{format_value(difference, unit)}"
    )
    return (
        f"{format_value(entry['experiment'], unit)} with the fault over "
        f"{entry['experiment_seconds']} s, {format_value(entry['control'], unit)} without "
        f"over {entry['control_seconds']} s{change}"
    )


def cause_words(entry: dict, fault_names: Sequence[str]) -> str:
    """ "caused by the fault X", "caused by load" and the like."""
    named = [entry["judged_for"]] if entry["judged_for"] in fault_names else list(fault_names)
    fault = (
        "the fault " + named[0]
        if len(named) == 1
        else "the faults " + ", ".join(named)
        if named
        else "the fault"
    )
    return {
        FAULT: f"caused by {fault}",
        LOAD: "caused by load (it breaks without faults too)",
        BOTH: f"caused by load, made worse by {fault}",
        UNKNOWN: "cause unknown",
    }[entry["cause"]]


def words(entry: dict) -> str:
    """The cause and the figures behind it, in a sentence."""
    if entry["cause"] != UNKNOWN:
        return f"{entry['cause_words']} ({_figures(entry)})"
    if entry["control"] is None:
        return f"cause unknown: the control run {entry['control_run']} has no data in this span"
    figure = next(f for f in entry["controls"] if f["run"] == entry["control_run"])
    return (
        f"cause unknown: the control run {entry['control_run']}'s load generator could have "
        f"changed whether it breaks the SLO in this span ({figure['generator_why']})"
    )


def mark(verdict: dict, attribution: dict) -> None:
    """Say the causes where the verdict is read: each failed row's `cause`
    and the headline."""
    by_row = {(e["judged_for"], e["phase"], e["metric"]): e for e in attribution["rows"]}
    for row in verdict["slos"]:
        entry = by_row.get((row["judged_for"], row["phase"], row["metric"]))
        if entry:
            row["cause"] = entry["words"]
    first = sorted(attribution["rows"], key=lambda e: ORDER.index(e["cause"]))
    said = [f"{e['metric']} in {e['phase']} {e['words']}" for e in first[:2]]
    if len(attribution["rows"]) > 2:
        said.append(f"{len(attribution['rows']) - 2} more breach(es) attributed")
    controls = ", ".join(attribution["controls"])
    verdict["headline"] += (
        f"; against control {controls}: " + "; ".join(said)
        if said
        else f"; control {controls}: no breach to attribute"
    )
