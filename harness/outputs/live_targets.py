"""A run's live /metrics, announced for Prometheus' file-based discovery: one
file per process in the live-targets folder (harness.platforms.base), which
the reference stack's Prometheus watches (job `kickoff`) and any other
Prometheus may (file_sd_configs). The file goes when the process ends;
one a killed process left names a dead address, so the next announcement
removes it."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
from pathlib import Path

from harness.platforms.base import live_targets_dir
from harness.platforms.hosts import reached_at


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _forget_dead(folder: Path) -> None:
    for file in folder.glob("*.json"):
        if file.stem.isdigit() and not _alive(int(file.stem)):
            file.unlink(missing_ok=True)


def announce(host: str, port: int, folder: Path | None = None) -> Path | None:
    """Write this process' file for the address host:port (a wildcard host
    as this machine's loopback); its path, or None when the folder cannot be
    written (a read-only state folder costs the discovery, never the run)."""
    folder = folder or live_targets_dir()
    host = reached_at(host)
    shown = f"[{host}]" if ":" in host else host
    file = folder / f"{os.getpid()}.json"
    entry = [{"targets": [f"{shown}:{port}"], "labels": {"pid": str(os.getpid())}}]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _forget_dead(folder)
        aside = file.with_suffix(".tmp")  # Prometheus never reads half a file
        aside.write_text(json.dumps(entry))
        aside.replace(file)
    except OSError:
        return None
    atexit.register(_withdraw, file)
    return file


def _withdraw(file: Path) -> None:
    with contextlib.suppress(OSError):
        file.unlink(missing_ok=True)
