"""The fault journals: one file per run in the state folder's runs/, written
when the run starts. It names its owner (the run's process, its folder, its
platform and the stack its faults go to: harness/faults/owner.py) and holds
every fault on disk before it is applied, off disk once it is reverted. A
run that ends with nothing left in it removes it; what a killed harness left
behind is what a dead owner's journal holds, and `harness reset` reverts it
(harness/faults/side_by_side.py says whose journal stops whom). A run with
faults planned is also on the machine's registry of live runs while it goes
(harness/faults/live_runs.py), for resets under any state folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from harness.faults import live_runs
from harness.platforms.base import state_dir


def journals_dir() -> Path:
    """Where every run's journal lives (KICKOFF_STATE_DIR/runs)."""
    return state_dir() / "runs"


class Journal:
    """One run's journal: {"owner": {...}, "entries": {id: {"fault", "kind",
    "target", "context", "undo", ...}}, "marks": [...]}."""

    def __init__(self, path: Path | None = None, owner: dict | None = None) -> None:
        # Named by when it began, so a listing reads oldest first.
        self.path = path or journals_dir() / (
            f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}.json"
        )
        self._owner = owner

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict]:
        """The journal, for reading and changing under a lock shared by every
        journal of the folder (other shells, other runs)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(self.path.read_text())
            except FileNotFoundError:
                data = {"owner": None, "entries": {}, "marks": []}
            before = json.dumps(data, sort_keys=True)
            yield data
            if data.get("gone"):
                self.path.unlink(missing_ok=True)
            elif json.dumps(data, sort_keys=True) != before:
                temporary = self.path.with_suffix(".tmp")
                temporary.write_text(json.dumps(data, indent=1))
                temporary.replace(self.path)  # atomic: never half a journal

    def open(self) -> None:
        """Write the journal with its owner and nothing in it yet (a run
        starting); a run with faults planned goes on the machine's registry."""
        owner = self._owner
        if owner and owner.get("faults"):
            live_runs.register(self.path.name, owner)
        with self._locked() as data:
            data["owner"] = self._owner

    def finish(self) -> None:
        """The run is over: its journal goes if nothing is left in it, else it
        stays for `harness reset`, marked as ended whatever its PID does next;
        it leaves the machine's registry either way."""
        with self._locked() as data:
            planned = (data["owner"] or {}).get("faults")
            if data["entries"]:
                data["owner"] = {**(data["owner"] or {}), "ended": True}
            else:
                data["gone"] = True
        if planned:
            live_runs.unregister(self.path.name)

    def forget(self) -> None:
        """Remove the journal if nothing is left in it (after `harness reset`)."""
        with self._locked() as data:
            if not data["entries"]:
                data["gone"] = True

    @property
    def owner(self) -> dict | None:
        with self._locked() as data:
            return data["owner"]

    def add(self, entry_id: str, entry: dict) -> None:
        with self._locked() as data:
            data["entries"][entry_id] = entry

    def remove(self, entry_id: str) -> None:
        with self._locked() as data:
            data["entries"].pop(entry_id, None)

    def entries(self) -> dict[str, dict]:
        with self._locked() as data:
            return dict(data["entries"])

    def ask(self, mark: dict) -> bool:
        """A fault marked by hand, for the run to take (harness/faults/marks.py);
        False when the journal is gone (its run ended)."""
        with self._locked() as data:
            if not self.path.exists():
                return False
            data["marks"].append(mark)
            return True

    def answer(self, mark_id: str, answer: dict) -> None:
        """The run's answer to a mark: what it recorded, or why it did not."""
        with self._locked() as data:
            for mark in data["marks"]:
                if mark["id"] == mark_id:
                    mark["answer"] = answer

    def marks(self) -> list[dict]:
        with self._locked() as data:
            return list(data["marks"])


def run_journals(folder: Path | None = None) -> list[Journal]:
    """Every run's journal in `folder` (default: the state folder's), oldest first."""
    folder = folder or journals_dir()
    return [Journal(path) for path in sorted(folder.glob("*.json"))]


def unreverted(folder: Path | None = None) -> dict[str, dict]:
    """Every journalled fault of every run, by entry id."""
    return {
        key: entry for journal in run_journals(folder) for key, entry in journal.entries().items()
    }
