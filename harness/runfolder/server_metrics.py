"""server.jsonl: the platform's own figures (a targets file's server_metrics,
read from its Prometheus) for each second of a run, beside windows.jsonl.
Written only by a run whose targets file names server_metrics, so every other
run folder is as it was. A line: {"second": n, "values": {name: figure or
null}, "missing": {name: why}}; a missing figure is null, never 0."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.measure import shapes
from harness.spec.jsonlines import read_records
from harness.spec.safe_files import open_new

SERVER = "server.jsonl"


@dataclass(frozen=True)
class ServerSecond:
    second: int
    values: dict[str, float | None]  # every query's name; None: missing
    missing: dict[str, str]  # name -> why it has no figure

    def to_json(self) -> dict:
        return {"second": self.second, "values": self.values, "missing": self.missing}

    @classmethod
    def from_json(cls, data: object) -> ServerSecond:
        """The line to_json() wrote; ValueError("field: problem") when damaged."""
        data = shapes.mapping(data, "line")
        values = shapes.mapping(data.get("values"), "values")
        missing = shapes.mapping(data.get("missing", {}), "missing")
        return cls(
            shapes.count(data.get("second"), "second"),
            {
                shapes.group(name, "values"): None if v is None else shapes.number(v, "values")
                for name, v in values.items()
            },
            {
                shapes.group(name, "missing"): shapes.text(why, "missing")
                for name, why in missing.items()
            },
        )


class ServerWriter:
    """Appends each second's figures to the folder's server.jsonl as they come."""

    def __init__(self, run_dir: Path) -> None:
        self._file = open_new(run_dir / SERVER, append=True)

    def write(self, second: ServerSecond) -> None:
        self._file.write(json.dumps(second.to_json(), separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class ServerSeries:
    """A run's server figures: the queries' names and each second's answers."""

    names: tuple[str, ...]
    seconds: dict[int, ServerSecond]  # by second; a second asked too late is absent

    def value(self, second: int, name: str) -> float | None:
        answered = self.seconds.get(second)
        return None if answered is None else answered.values.get(name)

    def at(self, second: int) -> dict[str, float | None]:
        """Every query's figure that second (None: missing)."""
        return {name: self.value(second, name) for name in self.names}

    def columns(self) -> list[str]:
        """Their timeseries.csv headings."""
        return [f"server.{name}" for name in self.names]


def read_server(run_dir: Path) -> ServerSeries | None:
    """The folder's server figures; None: the run read none."""
    if not (run_dir / SERVER).exists():
        return None
    seconds = read_records(run_dir / SERVER, ServerSecond.from_json)[0]
    names = tuple(dict.fromkeys(name for s in seconds for name in s.values))
    return ServerSeries(names, {s.second: s for s in seconds})
