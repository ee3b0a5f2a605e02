"""A run folder that proves itself: manifest.json, written as the run ends,
names the run (its id, also in its run_started event) and binds every file it
recorded (scenario.yaml, windows.jsonl, events.jsonl, server.jsonl when the
run read server metrics, the controls' seconds of an experiment) by size and
SHA-256, with the number of seconds recorded.

`harness report` and `harness compare` check a folder against it: a file
missing, cut, added to, changed or taken from another run, and a folder
without a manifest (the run was killed before it ended), are each one line
of what was lost, and a verdict on such a folder is INCOMPLETE, never a pass
(docs/results.md#the-manifest)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

from harness.measure import shapes
from harness.spec.errors import InvalidInput
from harness.spec.jsonlines import MAX_BYTES
from harness.spec.safe_files import read_regular, write_replacing

MANIFEST = "manifest.json"
VERSION = 1
RECORDED = ("scenario.yaml", "windows.jsonl", "events.jsonl", "server.jsonl")
CONTROLS = "controls"  # the folder of an experiment's controls' seconds (attribution.py)
MAX_MANIFEST_BYTES = 1 << 20
NO_MANIFEST = f"no manifest: the run did not finish ({MANIFEST} missing)"


def new_run_id() -> str:
    return uuid.uuid4().hex


def _recorded(run_dir: Path) -> list[str]:
    """The names of the recorded files in the folder, as the manifest lists them."""
    controls = run_dir / CONTROLS
    kept = sorted(f"{CONTROLS}/{p.name}" for p in controls.iterdir()) if controls.is_dir() else []
    return [name for name in RECORDED if (run_dir / name).exists()] + kept


def _fingerprint(path: Path) -> dict:
    data = read_regular(path, MAX_BYTES)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def seal(run_dir: Path, run_id: str, seconds: int) -> None:
    """Write the manifest of the folder's recorded files as they are now (again
    when an experiment's controls are added to it)."""
    files = {name: _fingerprint(run_dir / name) for name in _recorded(run_dir)}
    manifest = {"version": VERSION, "run_id": run_id, "seconds": seconds, "files": files}
    write_replacing(run_dir / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def read_manifest(run_dir: Path) -> dict | None:
    """The folder's manifest (None: it has none); InvalidInput when it is not one."""
    path = run_dir / MANIFEST
    if not path.exists() and not path.is_symlink():
        return None
    try:
        manifest = shapes.mapping(json.loads(read_regular(path, MAX_MANIFEST_BYTES)), "manifest")
        shapes.text(manifest.get("run_id"), "run_id")
        shapes.count(manifest.get("seconds"), "seconds")
        for name, entry in shapes.mapping(manifest.get("files"), "files").items():
            entry = shapes.mapping(entry, f"files.{name}")
            shapes.count(entry.get("bytes"), f"files.{name}.bytes")
            shapes.text(entry.get("sha256"), f"files.{name}.sha256")
    except (ValueError, TypeError, RecursionError) as error:  # JSON's errors are ValueErrors
        raise InvalidInput(f"{path}: not a run's manifest ({error})") from None
    return manifest


def digest(run_dir: Path) -> str | None:
    """The SHA-256 of the folder's manifest as it is now (None: it has none, or
    it cannot be read): a summary keeps the one it was computed under."""
    try:
        return hashlib.sha256(read_regular(run_dir / MANIFEST, MAX_MANIFEST_BYTES)).hexdigest()
    except InvalidInput:
        return None


def _file_problem(run_dir: Path, name: str, entry: dict) -> str | None:
    path = run_dir / name
    if not path.exists() and not path.is_symlink():
        return f"{name}: missing (the manifest lists it)"
    try:
        found = _fingerprint(path)
    except InvalidInput as error:
        return str(error)
    if found["bytes"] != entry["bytes"]:
        return (
            f"{name}: {found['bytes']:,} bytes where the run wrote {entry['bytes']:,} "
            f"(cut or added to)"
        )
    if found["sha256"] != entry["sha256"]:
        return f"{name}: not the file the run wrote (its SHA-256 differs from the manifest's)"
    return None


def reseal(run_dir: Path) -> None:
    """The manifest again, for the same run, after recorded files were added."""
    manifest = read_manifest(run_dir)
    if manifest is not None:
        seal(run_dir, manifest["run_id"], manifest["seconds"])


def problems(run_dir: Path, run_id: object, seconds: int | None) -> list[str]:
    """What the folder lost against its manifest, one line each (none: it is
    whole); run_id: the one its other files carry (the run_started event's, a
    summary's), seconds: how many were read (None: not read)."""
    try:
        manifest = read_manifest(run_dir)
    except InvalidInput as error:
        return [str(error)]
    if manifest is None:
        return [NO_MANIFEST]
    found = [
        p for name, entry in manifest["files"].items() if (p := _file_problem(run_dir, name, entry))
    ]
    found += [
        f"{name}: not in the manifest (added after the run)"
        for name in _recorded(run_dir)
        if name not in manifest["files"]
    ]
    if run_id != manifest["run_id"]:
        found.append(
            f"run id {str(run_id)[:40]!r} is not the manifest's "
            f"{manifest['run_id'][:40]!r} (files of another run)"
        )
    if seconds is not None and seconds != manifest["seconds"]:
        found.append(
            f"windows.jsonl: {seconds} seconds where the run recorded {manifest['seconds']}"
        )
    return found
