"""A run folder's scenario.yaml read back: the resolved scenario the run
wrote, checked for the parts its summary and verdict use (name, peak phase,
SLOs on known metrics), so a damaged or hand-edited file is named, never a
traceback."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from harness.measure import shapes
from harness.measure.metrics import known_metric
from harness.measure.slo import Slo, threshold_of
from harness.spec.document import read_document
from harness.spec.errors import InvalidInput


def _load(path: Path) -> Any:
    """The file's data through the guarded reader input files go through (size,
    UTF-8, control characters, YAML budgets, duplicate keys)."""
    document = read_document(path)
    document.check()
    return document.data


def _slo(slo: Any, where: str) -> None:
    slo = shapes.mapping(slo, where)
    metric = shapes.text(slo.get("metric"), f"{where}.metric")
    if known_metric(metric) is None:
        raise ValueError(f"{where}.metric: {metric[:60]!r} is not a metric")
    bounds = [op for op in ("max", "min") if op in slo]
    if len(bounds) != 1:
        raise ValueError(f"{where}: wants one of max or min")
    written = slo[bounds[0]]
    if not isinstance(written, str):
        shapes.number(written, f"{where}.{bounds[0]}")
    elif len(written) > 40 or not _finite(threshold_of(written)):
        raise ValueError(f"{where}.{bounds[0]}: {written[:40]!r} is not a threshold")
    shapes.text(slo.get("phase", "overall"), f"{where}.phase")


def slos_of(scenario: dict) -> list[Slo]:
    """The SLOs of a scenario read by read_scenario."""
    return [Slo.read(slo) for slo in scenario.get("slos", [])]


def read_scenario(path: Path) -> dict:
    """The resolved scenario of a run folder; InvalidInput("FILE: field: problem")."""
    scenario = _load(path)
    if scenario is None:
        raise InvalidInput(f"{path}: empty (a run writes its resolved scenario here)")
    try:
        shapes.whole(scenario, "YAML")
        shapes.text(scenario.get("name"), "name")
        shapes.text(scenario.get("description", ""), "description")
        shapes.text(scenario.get("platform", "local"), "platform")
        shapes.number(scenario.get("time_scale", 1), "time_scale", 0.0)
        shapes.number(scenario.get("fault_time_scale", 1), "fault_time_scale", 0.0)
        shapes.text(
            shapes.mapping(scenario.get("timeline"), "timeline").get("peak"), "timeline.peak"
        )
        for index, slo in enumerate(shapes.listing(scenario.get("slos", []), "slos")):
            _slo(slo, f"slos[{index}]")
    except (ValueError, TypeError) as error:
        raise InvalidInput(f"{path}: {error}") from None
    return scenario


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
