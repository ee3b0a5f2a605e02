"""Comparing runs: the same SLO rows (what was judged, metric, phase) of two
runs side by side, and which got worse than a baseline run beyond a
tolerance. Small absolute changes never count (a 0.01% error ratio that
doubles is still noise). A row only one run has (an SLO on a request group
the other run's journey did not have, an SLO added since) is listed as
such, never compared and never worse. Nor is a row either run judged
generator-bound (its load generator's shortfall could have changed it): its
figure says nothing about the stack, so it is shown, marked, and never worse.
A run folder that lost data (losses()) is compared, and said to be INCOMPLETE."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from harness.measure import shapes
from harness.measure.metrics import checked_metric, known_metric
from harness.measure.truth import GENERATOR_BOUND
from harness.runfolder import manifest
from harness.spec.errors import InvalidInput
from harness.spec.safe_files import read_regular

TOLERANCE = 0.2  # relative: 20% worse than the baseline
MAX_SUMMARY_BYTES = 64 << 20  # a summary is tens of kilobytes
NOISE = {"ratio": 0.001, "s": 0.05, "kbps": 50.0, "per_hour": 1.0, "per_s": 0.5}


def _key(row: dict) -> tuple[str, str, str]:
    return row["judged_for"], row["metric"], row["phase"]


def deltas(
    current: Sequence[dict], baseline: Sequence[dict], tolerance: float = TOLERANCE
) -> list[dict]:
    """Every SLO row the two runs share, with its change and whether it got
    worse; then the rows only one of them has (`only_in`: "this run" or
    "baseline")."""
    before = {_key(row): row for row in baseline}
    now = {_key(row) for row in current}
    found = []
    for row in current:
        old = before.get(_key(row))
        if old is None:
            found.append(_one_sided(row, "this run", tolerance))
            continue
        metric = checked_metric(row["metric"])
        new_value, old_value = row["observed"], old["observed"]
        change = None
        worse = False
        if new_value is not None and old_value is not None:
            difference = (
                new_value - old_value if metric.better == "lower" else old_value - new_value
            )
            change = (new_value - old_value) / old_value if old_value else None
            relative = (
                difference / abs(old_value) if old_value else (1.0 if difference > 0 else 0.0)
            )
            worse = difference > NOISE[metric.unit] and relative > tolerance
        bound = _generator_bound(row, old)
        found.append(
            {
                "judged_for": row["judged_for"],
                "metric": row["metric"],
                "phase": row["phase"],
                "unit": metric.unit,
                "baseline": old_value,
                "observed": new_value,
                "change": change,
                "tolerance": tolerance,
                "worse": worse and bound is None,
                "only_in": None,
                "generator_bound": bound,
            }
        )
    return found + [
        _one_sided(row, "baseline", tolerance) for row in baseline if _key(row) not in now
    ]


def _generator_bound(row: dict, old: dict) -> str | None:
    """Which of the two runs judged the row generator-bound: "this run",
    "baseline", "both" or None."""
    now, before = (r.get("result") == GENERATOR_BOUND for r in (row, old))
    return "both" if now and before else "this run" if now else "baseline" if before else None


def _one_sided(row: dict, only_in: str, tolerance: float) -> dict:
    """A row of one run only: its value on its side, nothing to compare."""
    value = row["observed"]
    return {
        "judged_for": row["judged_for"],
        "metric": row["metric"],
        "phase": row["phase"],
        "unit": row["unit"],
        "baseline": value if only_in == "baseline" else None,
        "observed": None if only_in == "baseline" else value,
        "change": None,
        "tolerance": tolerance,
        "worse": False,
        "only_in": only_in,
        "generator_bound": only_in if row.get("result") == GENERATOR_BOUND else None,
    }


def compared(rows: Sequence[dict]) -> list[dict]:
    """The rows both runs had (deltas() without the one-sided ones)."""
    return [row for row in rows if not row.get("only_in")]


def read_summary(run_dir: Path) -> dict:
    """A run folder's summary.json as an object; InvalidInput("FILE: problem")."""
    path = run_dir / "summary.json"
    try:
        data = read_regular(path, MAX_SUMMARY_BYTES)
    except InvalidInput as error:
        raise InvalidInput(
            f"{path}: not a run's summary ({str(error).removeprefix(f'{path}: ')})"
        ) from None
    try:
        summary = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise InvalidInput(f"{path}: not a run's summary (nested too deeply)") from None
    except ValueError as error:  # also UnicodeDecodeError
        raise InvalidInput(f"{path}: not a run's summary ({error})") from None
    if not isinstance(summary, dict):
        raise InvalidInput(f"{path}: not a run's summary (not a JSON object)")
    return summary


def _row(row: object, where: str) -> dict:
    row = shapes.mapping(row, where)
    for name in ("judged_for", "metric", "phase", "unit"):
        shapes.text(row.get(name), f"{where}.{name}")
    if known_metric(row["metric"]) is None:
        raise ValueError(f"{where}.metric: {row['metric'][:60]!r} is not a metric")
    if row.get("observed") is not None:
        shapes.number(row["observed"], f"{where}.observed")
    return row


def slo_rows(run_dir: Path) -> list[dict]:
    """The judged SLO rows of a run folder's summary (verdict.slos), each with
    the fields comparing needs; InvalidInput("FILE: field: problem")."""
    summary = read_summary(run_dir)
    try:
        verdict = shapes.mapping(summary.get("verdict"), "verdict")
        rows = shapes.listing(verdict.get("slos"), "verdict.slos")
        return [_row(row, f"verdict.slos[{i}]") for i, row in enumerate(rows)]
    except ValueError as error:
        hint = " (run `harness report` on it)" if "verdict" not in summary else ""
        raise InvalidInput(f"{run_dir / 'summary.json'}: {error}{hint}") from None


def losses(run_dir: Path) -> list[str]:
    """What a run folder lost, one line each: what its verdict says it lost,
    and what its manifest finds now (harness.runfolder.manifest); none: it is whole."""
    summary = read_summary(run_dir)
    verdict = summary.get("verdict")
    said = verdict.get("incomplete") if isinstance(verdict, dict) else None
    said = [str(line)[:300] for line in said] if isinstance(said, list) else []
    found = said + [
        line for line in manifest.problems(run_dir, summary.get("run_id"), None) if line not in said
    ]
    now = manifest.digest(run_dir)
    if now is not None and summary.get("manifest_sha256") != now:
        found.append(
            f"{run_dir / 'summary.json'}: computed from other data than the folder "
            f"holds now (run `harness report` on it)"
        )
    return found


def latest_pass(results_root: Path, scenario: str, before: str | None = None) -> Path:
    """The newest run folder of `scenario` whose verdict passed (older than `before`)."""
    folders = sorted((p for p in results_root.glob(f"*_{scenario}") if p.is_dir()), reverse=True)
    for folder in folders:
        if before is not None and folder.name >= before:
            continue
        try:
            verdict = read_summary(folder).get("verdict")
            if isinstance(verdict, dict) and verdict.get("result") == "pass":
                return folder
        except InvalidInput:
            continue
    raise InvalidInput(
        f"no passing run of {scenario!r} in {results_root} to compare with "
        f"(run it once without --baseline, or name a run folder)"
    )
