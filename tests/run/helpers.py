"""Writing short scenarios and reading what a run left in its folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from harness.runfolder.recorder import columns


def write_scenario(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\ndescription: a test run\n{body}")
    return path


def run_dir(results: Path) -> Path:
    (found,) = [p for p in results.iterdir() if p.is_dir()]
    return found


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def timeseries(folder: Path) -> list[dict[str, str]]:
    with open(folder / "timeseries.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        # the run's groups as its start declared them (a killed run has no summary),
        # then the server metrics it read, if it read any and ended (timeseries.csv is
        # written again at the end with them)
        started = next(e for e in events(folder) if e["kind"] == "run_started")
        server = next((e["queries"] for e in events(folder) if e["kind"] == "server_metrics"), {})
        ended = (folder / "summary.json").exists()
        assert tuple(reader.fieldnames) == columns(started["request_groups"]) + \
            tuple(f"server.{name}" for name in server if ended)
        return list(reader)


def events(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


def number(value: str) -> float | None:
    return float(value) if value != "" else None
