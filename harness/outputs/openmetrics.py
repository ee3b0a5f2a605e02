"""openmetrics.txt: a run's seconds as OpenMetrics text, next to
timeseries.csv and with the same figures (its columns, the whole run's
generator marks), for tools that read Prometheus' formats (promtool, an
import into a TSDB). Each column is a gauge family `kickoff_<column>`, a
request group's figure labelled `group`; each sample is one second's,
stamped with the second's end (Unix seconds). Counts are the second's own,
not running totals. An empty cell (no data that second) has no sample.
Written when the run has ended; a listener on the run's events only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from harness.measure.saturation import marks
from harness.outputs.hooks import Output, RunEvents
from harness.runfolder.recorder import Second, columns, timeseries_row
from harness.spec.safe_files import write_replacing

FILE = "openmetrics.txt"
PREFIX = "kickoff_"
NOT_FIGURES = ("second", "time_utc", "phase")  # the row's own labels, not figures


def families(names: Sequence[str]) -> dict[str, list[tuple[int, str | None]]]:
    """Family name -> (column index, group label or None), in column order."""
    found: dict[str, list[tuple[int, str | None]]] = {}
    for index, name in enumerate(names):
        if name in NOT_FIGURES:
            continue
        base, _, group = name.partition(".")
        found.setdefault(PREFIX + base, []).append((index, group or None))
    return found


def _escaped(label: str) -> str:
    """A label value as OpenMetrics writes one (backslash, quote and newline escaped)."""
    return label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _value(cell: object) -> str:
    return repr(float(cell)) if isinstance(cell, float) else str(cell)


def render(seconds: Sequence[Second], groups: Iterable[str]) -> str:
    """The OpenMetrics text of these seconds."""
    groups = tuple(groups)
    found = marks((s.window.second, s.window.generator) for s in seconds)
    rows = [(s.epoch, timeseries_row(s, groups, found.of(s.window.second))) for s in seconds]
    lines = []
    for family, cells in families(columns(groups)).items():
        lines += [
            f"# TYPE {family} gauge",
            f"# HELP {family} {family[len(PREFIX) :]} of each second (timeseries.csv)",
        ]
        for index, group in cells:
            label = f'{{group="{_escaped(group)}"}}' if group else ""
            lines += [
                f"{family}{label} {_value(row[index])} {epoch:.3f}"
                for epoch, row in rows
                if row[index] != ""
            ]
    return "\n".join([*lines, "# EOF"]) + "\n"


def attach(events: RunEvents, run_dir: Path, groups: Iterable[str]) -> None:
    seconds: list[Second] = []
    events.second_recorded.add_listener(lambda second: seconds.append(second))
    events.run_ended.add_listener(
        lambda run_dir, **_: write_replacing(run_dir / FILE, render(seconds, groups))
    )


OUTPUT = Output("openmetrics", attach)
