"""Fault driver `note`: while a fault of kind `note` lasts, a file
TARGET.down in the folder its context names."""

from __future__ import annotations

from pathlib import Path

from harness.faults.driver import Driver, DriverSpec
from harness.faults.fault import Fault
from harness.faults.kinds import FaultKind, no_params


class NoteDriver(Driver):
    name = "note"

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        return {"file": str(self.folder / f"{fault.target}.down")}

    def apply(self, kind: FaultKind, params: dict, undo: dict) -> dict | None:
        self.folder.mkdir(parents=True, exist_ok=True)
        Path(undo["file"]).write_text("down\n")
        return {"wrote": Path(undo["file"]).name}

    def revert(self, undo: dict) -> dict | None:
        Path(undo["file"]).unlink(missing_ok=True)
        return None

    def reset(self) -> list[str]:
        found = sorted(self.folder.glob("*.down")) if self.folder.is_dir() else []
        for path in found:
            path.unlink()
        return [f"removed {path.name}" for path in found]


DRIVER = DriverSpec("note", (
    FaultKind("note", "note", "component", False, no_params("note takes no params"),
              "writes TARGET.down into the platform's notes folder while the fault lasts"),),
    lambda context: NoteDriver(context["folder"]))
