"""What a worker needs to run its share of the viewers, as one message.

The master sends the audience part of the resolved scenario as a document
(no faults, SLOs or halts: those stay with the master; the faults' real-time
stretches of the time map as timeline.real_time), the journey its
viewers run, the edge, and the bytes of every file that journey reads (the
journey file, its accounts CSV, a code journey's module). The worker writes
the files under a folder of its own, at their master paths below it, so
paths relative to a journey file still resolve, and validates the document
with the scenario rules like any scenario file.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness import scenario as scenarios
from harness.load import journey
from harness.scenario import Scenario
from harness.scenario.model import real_time_spans
from harness.spec.errors import InvalidInput

# Keys of a resolved scenario that only the master acts on.
MASTER_ONLY = ("platform", "targets", "slos", "faults", "halt_if")


@dataclass(frozen=True)
class Plan:
    document: dict  # the worker's scenario: the master's, resolved, minus MASTER_ONLY
    edge: str | None
    files: dict[str, bytes]  # master path -> content
    stride: int  # the run's workers: worker `index` numbers its viewers index + k * stride
    index: int = 0  # the worker's slot, 0 .. stride-1 (the master gives each its own)

    def to_message(self) -> dict:
        return {
            "document": self.document,
            "edge": self.edge,
            "stride": self.stride,
            "index": self.index,
            "files": {
                path: base64.b64encode(data).decode("ascii") for path, data in self.files.items()
            },
        }

    @classmethod
    def from_message(cls, data: Any) -> Plan:  # whatever arrived: every use is checked
        """The plan the master sent; InvalidInput when it is not one."""
        try:
            files = {
                str(path): base64.b64decode(text, validate=True)
                for path, text in data["files"].items()
            }
            plan = cls(
                dict(data["document"]), data["edge"], files, int(data["stride"]), int(data["index"])
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidInput(
                f"the master sent no usable plan ({error.__class__.__name__}: "
                f"{error}); are master and worker the same kickoff version?"
            ) from error
        if not 0 <= plan.index < plan.stride:
            raise InvalidInput(
                f"the master sent slot {plan.index} of {plan.stride}; a slot is "
                f"0 to the number of workers - 1"
            )
        return plan


def plan_of(
    scenario: Scenario,
    viewers_journey: journey.AnyJourney | None,
    spec: str | dict | None,
    edge: str | None,
    stride: int,
) -> Plan:
    """The plan for a run of `scenario` whose viewers run `viewers_journey`
    (read from `spec`: a file, a mapping, or None for a bare stream)."""
    document = {
        key: value
        for key, value in scenario.to_dict().items()
        if key not in MASTER_ONLY and key != "journey"
    }
    # Without the faults, the time map would lose their real-time stretches.
    document["timeline"]["real_time"] = real_time_spans(scenario.time_map.slow)
    if spec is not None:
        document["journey"] = spec
    return Plan(
        document,
        edge,
        {str(path): path.read_bytes() for path in _files(viewers_journey, spec)},
        stride,
    )


def _files(viewers_journey: journey.AnyJourney | None, spec: str | dict | None) -> set[Path]:
    files = set()
    if isinstance(spec, str):
        files.add(Path(spec))
    if isinstance(viewers_journey, journey.CodeJourney):
        files.add(viewers_journey.path)
    accounts = getattr(viewers_journey, "accounts", None)
    if accounts:
        files.add(Path(accounts.path))
    return {path.resolve() for path in files}


def unpack(plan: Plan, folder: Path) -> tuple[Scenario, journey.AnyJourney | None]:
    """The plan's scenario and journey, its files written below `folder`."""
    for path, data in plan.files.items():
        local = _below(folder, path)
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)
    document = dict(plan.document, platform="local")
    spec = document.get("journey")
    if spec is not None:
        document["journey"] = _moved(spec, folder)
    source = folder / "scenario.yaml"
    source.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    worker_scenario = scenarios.load(source)
    if worker_scenario.journey is None:
        return worker_scenario, None
    return worker_scenario, journey.load(worker_scenario.journey, folder, str(source))


def _below(folder: Path, path: str) -> Path:
    """Where a master path lives under `folder`; InvalidInput for one that climbs out."""
    local = (folder / path.lstrip("/")).resolve()
    if not local.is_relative_to(folder.resolve()):
        raise InvalidInput(f"the master sent a file outside its plan: {path[:80]!r}")
    return local


def _moved(spec: str | dict, folder: Path) -> str | dict:
    if isinstance(spec, str):
        return str(_below(folder, spec))
    moved = dict(spec)
    if isinstance(moved.get("python"), str):
        moved["python"] = str(_below(folder, moved["python"]))
    if isinstance(moved.get("accounts"), str):
        moved["accounts"] = str(_below(folder, moved["accounts"]))
    return moved
