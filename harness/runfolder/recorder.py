"""Writes a run to its folder while it runs, so a crash keeps what was measured.

- windows.jsonl: every second's full window (counts, sums, histograms), the
  source every summary and report is computed from;
- timeseries.csv: the same seconds flattened for people and spreadsheets, with
  request columns for the groups the run declared (a group only seen in the
  data counts in the all-requests columns; windows.jsonl keeps it apart).
  Its generator marks are those known so far while the run goes, and the
  whole run's when it is written again at the end (write_timeseries);
- events.jsonl: what happened when (run start/end, phase changes, faults);
  its run_started event carries the run's id;
- manifest.json, when the recorder closes: the run's id, its seconds and the
  size and hash of every file it recorded (harness.runfolder.manifest).
Every line is flushed as it is written. Files are created inside the folder
only, never through a link (harness.spec.safe_files).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from harness.measure import shapes
from harness.measure.aggregate import metrics_of
from harness.measure.metrics import metric_names
from harness.measure.saturation import SATURATED, STALL, Streak, marks
from harness.measure.window import Window
from harness.runfolder.events import checked_event
from harness.runfolder.manifest import new_run_id, seal
from harness.runfolder.server_metrics import ServerSeries
from harness.spec.jsonlines import read_records
from harness.spec.safe_files import open_new, replacing

WINDOWS = "windows.jsonl"
TIMESERIES = "timeseries.csv"
EVENTS = "events.jsonl"

GAUGES = ("target_viewers", "viewers", "joining", "playing", "stalled")
COUNTS = (
    "attempts",
    "starts",
    "start_failures",
    "exits_before_start",
    "playback_failures",
    "stalls",
    "switches",
)
# The manifest tier (harness.load.fidelity), apart from the full viewers' figures before it.
TIERS = (
    "manifest_viewers",
    "manifest_attempts",
    "manifest_failures",
    "manifest_requests",
    "manifest_request_failures",
)
# Getting in (harness.measure.metrics.BOOKING_GROUPS): full viewers' attempts that signed up
# or booked.
BOOKING = ("booking_attempts", "booking_failures")
# The load generator's truth (harness/measure/truth.py), as measured; empty cells: not
# measured (and the machine's figures in runs from before they were read).
GENERATOR = (
    "processes",
    "over_bounds",
    "cpu_cores",
    "cpu_max_cores",
    "lag_p99_s",
    "machine_idle_share",
    "machine_steal_share",
    "run_queue",
    "cpus",
)
# Its marks (harness/measure/saturation.py): generator_saturated 1 in a sustained
# stretch, generator_stall_s the size of a stall (0: none).
MARKS = ("saturated", "stall_s")
# Viewers coming into the audience and leaving it during the second (harness/load/arrivals).
PRESENCE = ("arrivals", "departures")


def columns(groups: Iterable[str]) -> tuple[str, ...]:
    """timeseries.csv's header for a run with these request groups."""
    return (
        "second",
        "time_utc",
        "match_s",
        "phase",
        *GAUGES,
        *COUNTS,
        *TIERS,
        *BOOKING,
        *metric_names(groups),
        *(f"generator_{name}" for name in (*GENERATOR[:2], *MARKS, *GENERATOR[2:])),
        *PRESENCE,
    )


def utc(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


@dataclass(frozen=True)
class Second:
    """One recorded second: the window and where it stood on the timeline."""

    window: Window
    epoch: float  # wall clock at the end of the second
    match_s: float
    phase: str
    target_viewers: int
    viewers: int

    def to_json(self) -> dict:
        return {
            "epoch": self.epoch,
            "match_s": self.match_s,
            "phase": self.phase,
            "target_viewers": self.target_viewers,
            "viewers": self.viewers,
            "window": self.window.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> Second:
        """The second to_json() wrote; ValueError("field: problem") when damaged."""
        data = shapes.mapping(data, "line")
        missing = sorted(
            {"window", "epoch", "match_s", "phase", "target_viewers", "viewers"} - set(data)
        )
        if missing:
            raise ValueError(f"{missing[0]}: missing")
        return cls(
            Window.from_json(data["window"]),
            shapes.epoch(data["epoch"], "epoch"),
            shapes.seconds(data["match_s"], "match_s"),
            shapes.text(data["phase"], "phase"),
            shapes.count(data["target_viewers"], "target_viewers"),
            shapes.count(data["viewers"], "viewers"),
        )


def _cell(value: float | int | str | None) -> str | float | int:
    if value is None:
        return ""
    return round(value, 6) if isinstance(value, float) else value


def timeseries_row(second: Second, groups: Iterable[str], mark: str | None = None) -> list:
    """mark: the generator's mark of the second (SATURATED, STALL or None)."""
    w = second.window
    row: list[float | int | str | None] = [
        w.second,
        utc(second.epoch),
        round(second.match_s, 3),
        second.phase,
        second.target_viewers,
        second.viewers,
        w.joining,
        w.playing,
        w.stalled,
    ]
    row += [getattr(w, name) for name in (*COUNTS, *TIERS, *BOOKING)]
    metrics = metrics_of([w], groups)
    row += [metrics[name] for name in metric_names(groups)]
    truth = w.generator
    measured = [None if truth is None else getattr(truth, name) for name in GENERATOR]
    marked = (
        [None, None]
        if truth is None
        else [int(mark == SATURATED), truth.lag_p99_s if mark == STALL else 0.0]
    )
    row += measured[:2] + marked + measured[2:]
    row += [getattr(w, name) for name in PRESENCE]
    return [_cell(v) for v in row]


class Recorder:
    def __init__(self, run_dir: Path, groups: Iterable[str]) -> None:
        """groups: the request groups the run declares (its scenario's)."""
        self.run_dir = run_dir
        self.groups = tuple(groups)
        self.run_id = new_run_id()
        self._windows = open_new(run_dir / WINDOWS, append=True)
        self._events = open_new(run_dir / EVENTS, append=True)
        self._timeseries_file: IO[str] = open_new(run_dir / TIMESERIES, newline="")
        self._timeseries = csv.writer(self._timeseries_file)
        self._timeseries.writerow(columns(self.groups))
        self._timeseries_file.flush()
        self._streak = Streak()  # the generator's marks so far
        self.seconds: list[Second] = []

    def event(self, kind: str, match_s: float | None = None, **fields) -> None:
        now = time.time()
        record = {"time_utc": utc(now), "epoch": now, "kind": kind}
        if match_s is not None:
            record["match_s"] = round(match_s, 3)
        if kind == "run_started":  # the id the manifest binds the folder's files with
            record["run_id"] = self.run_id
        record.update(fields)
        self._events.write(json.dumps(record) + "\n")
        self._events.flush()

    def second(self, second: Second) -> None:
        self.seconds.append(second)
        self._windows.write(json.dumps(second.to_json(), separators=(",", ":")) + "\n")
        self._windows.flush()
        self._timeseries.writerow(
            timeseries_row(second, self.groups, self._streak.add(second.window.generator))
        )
        self._timeseries_file.flush()

    def close(self) -> None:
        """Close the files and seal them in the folder's manifest: the run ended."""
        for handle in (self._windows, self._events, self._timeseries_file):
            handle.close()
        seal(self.run_dir, self.run_id, len(self.seconds))


def write_timeseries(
    run_dir: Path,
    seconds: Iterable[Second],
    groups: Iterable[str],
    server: ServerSeries | None = None,
) -> None:
    """timeseries.csv again, with the whole run's generator marks (and the
    server figures, `server.<name>` columns, of a run that read them)."""
    seconds, groups = list(seconds), tuple(groups)
    found = marks((s.window.second, s.window.generator) for s in seconds)

    def row(second: Second) -> list:
        cells = timeseries_row(second, groups, found.of(second.window.second))
        if server is not None:
            cells += [_cell(server.value(second.window.second, n)) for n in server.names]
        return cells

    with replacing(run_dir / TIMESERIES, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns(groups), *(server.columns() if server is not None else ())])
        writer.writerows(map(row, seconds))


def with_server(seconds: Iterable[Second], server: ServerSeries | None) -> list[Second]:
    """The seconds with their server figures (Window.server) from `server`, if any."""
    if server is None:
        return list(seconds)
    return [
        replace(s, window=replace(s.window, server=server.at(s.window.second))) for s in seconds
    ]


def read_seconds(run_dir: Path) -> list[Second]:
    """The seconds of a run folder, as recorded (a torn last line is dropped:
    read_recorded() says so); InvalidInput naming every other damaged line."""
    return read_records(run_dir / WINDOWS, Second.from_json)[0]


def read_events(run_dir: Path) -> list[dict]:
    """The events of a run folder, in order (a torn last line is dropped);
    InvalidInput naming every other damaged line."""
    return read_records(run_dir / EVENTS, checked_event)[0]


def read_recorded(run_dir: Path) -> tuple[list[Second], list[dict], list[str]]:
    """(seconds, events, notes on the torn last lines dropped) of a run folder."""
    seconds, torn_seconds = read_records(run_dir / WINDOWS, Second.from_json)
    events, torn_events = read_records(run_dir / EVENTS, checked_event)
    return seconds, events, torn_seconds + torn_events
