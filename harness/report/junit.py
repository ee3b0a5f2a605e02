"""junit.xml: a run's verdict as test results for CI servers (Jenkins, GitLab,
GitHub test reporters): one test case per SLO row, per fault's recovery and,
against a baseline run, per SLO row both runs have (failing when it got worse).
A generator-bound row or fault is an error, not a failure: the load
generator's shortfall could have changed its result, so the test could not be
made, which says nothing about the stack."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

from harness.judge.regression import compared
from harness.measure.metrics import checked_metric
from harness.measure.truth import GENERATOR_BOUND
from harness.measure.units import format_value
from harness.spec.shown import escaped

ALLOWS = {"max": "<=", "min": ">="}
BREAKS = {"max": ">", "min": "<"}
# Characters XML 1.0 cannot carry at all, escaped or not (what `escaped` leaves of them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def case(classname: str, name: str, failure: tuple[str, str] | None = None) -> ET.Element:
    """A test case; failure: (type, message); type generator-bound is an error."""
    element = ET.Element("testcase", classname=escaped(classname), name=escaped(name), time="0")
    if failure:
        kind, message = failure
        ET.SubElement(
            element,
            "error" if kind == GENERATOR_BOUND else "failure",
            message=escaped(message),
            type=kind,
        ).text = escaped(message)
    return element


def _bound(slo: dict) -> tuple[str, str]:
    why = slo.get("generator_why") or "the load generator was saturated in this span"
    return (
        GENERATOR_BOUND,
        f"the load generator could have changed this result ({why}): not judged on the stack",
    )


def _slo_case(suite: str, slo: dict) -> ET.Element:
    unit = slo.get("unit") or checked_metric(slo["metric"]).unit
    threshold = format_value(slo["threshold"], unit)
    failure = None
    if slo["result"] == GENERATOR_BOUND:
        failure = _bound(slo)
    elif slo["result"] == "fail":
        failure = (
            "slo",
            f"observed {format_value(slo['observed'], unit)} "
            f"{BREAKS[slo['op']]} threshold {threshold}",
        )
    elif slo["result"] == "no data":
        span = slo.get("span")
        where = slo["phase"] + (f" ({span})" if span and span != slo["phase"] else "")
        failure = ("no-data", f"no data in phase {where}")
    if failure and slo.get("cause"):  # an experiment with a control: the fault, or load
        failure = (failure[0], f"{failure[1]}; {slo['cause']}")
    return case(
        f"{suite}.{slo['judged_for']}",
        f"{slo['phase']}: {slo['metric']} {ALLOWS[slo['op']]} {threshold}",
        failure,
    )


def _fault_case(suite: str, fault: dict) -> ET.Element:
    failure = None
    if fault["result"] == GENERATOR_BOUND:
        failure = (GENERATOR_BOUND, fault.get("why", GENERATOR_BOUND))
    elif fault["result"] == "fail":
        recovered, budget = fault.get("recovered_after_s"), fault.get("recovery_budget_s")
        failure = (
            "recovery",
            (
                "never recovered"
                if recovered is None
                else f"recovered after {format_value(recovered, 's')}"
            )
            + f", budget {format_value(budget, 's')}",
        )
    return case(f"{suite}.{fault['name']}", f"{fault['name']}: recovered within budget", failure)


def _regression_case(suite: str, row: dict) -> ET.Element:
    """A regression against the baseline run: a failure only when it got worse."""
    unit = row["unit"]
    failure = None
    if row["worse"]:
        failure = (
            "regression",
            f"{format_value(row['baseline'], unit)} in the baseline run, "
            f"{format_value(row['observed'], unit)} now: worse by more "
            f"than {row['tolerance']:.0%}",
        )
    return case(
        f"{suite}.regression",
        f"{row['judged_for']} {row['phase']}: {row['metric']} no worse than the baseline",
        failure,
    )


def _timestamp(utc: str | None) -> dict[str, str]:
    """The suite's timestamp attribute, if the run's start is known, in Ant's
    format that every reader takes: ISO 8601 without a zone (it is UTC)."""
    if utc is None:
        return {}
    return {"timestamp": datetime.fromisoformat(utc).strftime("%Y-%m-%dT%H:%M:%S")}


def render_junit(summary: dict) -> str:
    scenario, verdict = summary["scenario"], summary.get("verdict")
    suite = f"kickoff.{scenario}"
    if verdict:
        cases = [_slo_case(suite, slo) for slo in verdict.get("slos", [])]
        cases += [_fault_case(suite, fault) for fault in verdict.get("faults", [])]
        cases += [_regression_case(suite, row) for row in compared(summary.get("regressions", []))]
        out = verdict.get("headline", "")
    else:
        outcome = summary["outcome"]
        cases = [
            case(
                suite,
                "run completed",
                None if outcome == "completed" else ("outcome", f"run {outcome}"),
            )
        ]
        out = f"not evaluated: no verdict; outcome {outcome}"
    properties = {
        "scenario": scenario,
        "outcome": summary["outcome"],
        "platform": summary.get("platform"),
        "time_scale": summary.get("time_scale"),
        "fault_time_scale": summary.get("fault_time_scale"),
        "seed": summary.get("seed"),
        "verdict": (verdict or {}).get("result", "not evaluated"),
    }
    # a second recorded per wall second
    return document(
        suite, cases, properties, out, summary["seconds_recorded"], summary.get("started_utc")
    )


def document(
    suite: str,
    cases: list[ET.Element],
    properties: dict[str, object],
    out: str,
    seconds: float,
    started_utc: str | None,
) -> str:
    """junit.xml of one test suite: its cases (case()), properties and output."""
    failures = sum(element.find("failure") is not None for element in cases)
    errors = sum(element.find("error") is not None for element in cases)
    counts = {
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": str(errors),
        "time": f"{seconds:.3f}",
    }
    root = ET.Element("testsuites", {"name": "kickoff", **counts})
    testsuite = ET.SubElement(
        root,
        "testsuite",
        {"name": escaped(suite), **counts, "skipped": "0", **_timestamp(started_utc)},
    )
    listed = ET.SubElement(testsuite, "properties")
    for name, value in properties.items():
        ET.SubElement(listed, "property", name=name, value="" if value is None else escaped(value))
    testsuite.extend(cases)
    ET.SubElement(testsuite, "system-out").text = escaped(out)
    ET.indent(root)
    return _NOT_XML.sub(
        "",
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n",
    )
