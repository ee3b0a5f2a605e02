"""The fault journal: every fault on disk before it is applied, off disk once
it is reverted. What a killed harness left behind is what the journal holds;
`harness reset` reverts it, and `harness run` will not start while it is not
empty.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path

from harness.platforms.base import state_dir


def journal_path() -> Path:
    return state_dir() / "fault-journal.json"


class Journal:
    """Entries by id: {"fault", "kind", "driver", "target", "undo", ...}."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or journal_path()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict]]:
        """The entries, for reading and changing under a lock (other shells too)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                entries = json.loads(self.path.read_text())
            except FileNotFoundError:
                entries = {}
            before = json.dumps(entries, sort_keys=True)
            yield entries
            if json.dumps(entries, sort_keys=True) != before:
                temporary = self.path.with_suffix(".tmp")
                temporary.write_text(json.dumps(entries, indent=1))
                temporary.replace(self.path)  # atomic: never half a journal

    def add(self, entry_id: str, entry: dict) -> None:
        with self._locked() as entries:
            entries[entry_id] = entry

    def remove(self, entry_id: str) -> None:
        with self._locked() as entries:
            entries.pop(entry_id, None)

    def entries(self) -> dict[str, dict]:
        with self._locked() as entries:
            return dict(entries)
