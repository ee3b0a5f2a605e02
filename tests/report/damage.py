"""Damage done to a copy of a judged run folder, in the classes a hostile-input
run found (issue 20): data lost (cut, spliced from another run, renumbered,
events duplicated or removed, implausible values, the manifest gone or
forged) and hostile files (outputs that are symbolic links, existing or
dangling, named pipes, /dev/zero, a directory where a file should be).
Shared by tests/unit/test_hostile_folders.py and benchmarks/hostile_folders.py.

Every damage is a function (run folder, another run's folder, outside folder,
u, v) with u and v in [0, 1) choosing where; it returns whether the run's
data was lost (then `harness report` and `harness compare` must never exit 0)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from harness.runfolder.manifest import MANIFEST, reseal

Damage = Callable[[Path, Path, Path, float, float], bool]
INPUTS = ("windows.jsonl", "events.jsonl", "scenario.yaml", "summary.json", MANIFEST,
          "controls/control.windows.jsonl")
OUTPUTS = ("summary.json", "report.html", "junit.xml", "timeseries.csv")
OUTSIDE_TEXT = "a file outside the run folder\n"


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _at(u: float, count: int) -> int:
    return min(int(u * count), max(count - 1, 0))


def cut_lines(name: str) -> Damage:
    """The file cut at a line boundary (keeps at least its first line)."""
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        lines = _lines(run / name)
        (run / name).write_bytes(b"".join(lines[:1 + _at(u, len(lines) - 1)]))
        return True
    return damage


def cut_bytes(name: str) -> Damage:
    """The file cut anywhere (mid-line, mid-YAML)."""
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        data = (run / name).read_bytes()
        (run / name).write_bytes(data[:_at(u, len(data))])
        return True
    return damage


def renumbered(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
    """Seconds deleted (1 to 20) and the rest renumbered: no gap shows in the numbers."""
    records = [json.loads(line) for line in _lines(run / "windows.jsonl")]
    start, width = _at(u, len(records) - 2), 1 + _at(v, 20)
    kept = records[:start] + records[start + width:]
    for number, record in enumerate(kept):
        record["window"]["second"] = number
    (run / "windows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept))
    return True


def duplicated_second(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
    """A second recorded twice and the rest renumbered."""
    records = [json.loads(line) for line in _lines(run / "windows.jsonl")]
    at = _at(u, len(records))
    records.insert(at, json.loads(json.dumps(records[at])))
    for number, record in enumerate(records):
        record["window"]["second"] = number
    (run / "windows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return True


def foreign(name: str) -> Damage:
    """The file of another run (nothing lost when it is the same bytes)."""
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        same = (other / name).read_bytes() == (run / name).read_bytes()
        shutil.copyfile(other / name, run / name)
        return not same
    return damage


def event_line(kind: str) -> Damage:
    """An event line (not the first) removed, or repeated."""
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        lines = _lines(run / "events.jsonl")
        at = 1 + _at(u, len(lines) - 1)
        if kind == "removed":
            del lines[at]
        else:
            lines.insert(at, lines[at])
        (run / "events.jsonl").write_bytes(b"".join(lines))
        return True
    return damage


IMPLAUSIBLE = {"epoch": 0.0, "match_s": -1e7, "viewers": 10**15, "target_viewers": 10**12,
               "window.attempts": 10**15, "window.playing": 10**14}


def implausible(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
    """One second with a value no run records (epoch 0, 10^15 viewers ...)."""
    lines = _lines(run / "windows.jsonl")
    at = _at(u, len(lines))
    field, value = list(IMPLAUSIBLE.items())[_at(v, len(IMPLAUSIBLE))]
    record = json.loads(lines[at])
    target = record["window"] if field.startswith("window.") else record
    target[field.removeprefix("window.")] = value
    lines[at] = (json.dumps(record) + "\n").encode()
    (run / "windows.jsonl").write_bytes(b"".join(lines))
    return True


def no_manifest(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
    """The run was killed: it never wrote its manifest."""
    (run / MANIFEST).unlink()
    return True


def resealed(damage: Damage) -> Damage:
    """A damage, then a manifest written again over the damaged files (so only
    the run's own clocks and counts can tell)."""
    def done(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        lost = damage(run, other, outside, u, v)
        reseal(run)
        return lost
    return done


def linked_out(name: str, dangling: bool) -> Damage:
    """An output that is a symbolic link to a file outside the folder (or to
    where one would be)."""
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        target = outside / f"{name}.target"
        if not dangling:
            target.write_text(OUTSIDE_TEXT)
        (run / name).unlink(missing_ok=True)
        (run / name).symlink_to(target)
        return name == MANIFEST
    return damage


def _replace(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.parent.mkdir(exist_ok=True)


def fifo(name: str) -> Damage:
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        _replace(run / name)
        os.mkfifo(run / name)
        return name not in OUTPUTS
    return damage


def device(name: str) -> Damage:
    """/dev/zero at the name (a link to it: an endless file of zeros)."""
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        _replace(run / name)
        (run / name).symlink_to("/dev/zero")
        return name not in OUTPUTS
    return damage


def directory(name: str) -> Damage:
    def damage(run: Path, other: Path, outside: Path, u: float, v: float) -> bool:
        _replace(run / name)
        (run / name).mkdir()
        (run / name / "inside").write_text("x")
        return name not in OUTPUTS
    return damage


LOST_DATA: dict[str, Damage] = {
    "windows cut at a line": cut_lines("windows.jsonl"),
    "windows cut mid-line": cut_bytes("windows.jsonl"),
    "events cut at a line": cut_lines("events.jsonl"),
    "scenario cut": cut_bytes("scenario.yaml"),
    "seconds renumbered": renumbered,
    "second duplicated": duplicated_second,
    "foreign scenario": foreign("scenario.yaml"),
    "foreign windows": foreign("windows.jsonl"),
    "foreign events": foreign("events.jsonl"),
    "foreign manifest": foreign(MANIFEST),
    "event removed": event_line("removed"),
    "event duplicated": event_line("duplicated"),
    "implausible value": implausible,
    "no manifest (killed)": no_manifest,
    "resealed: windows cut at a line": resealed(cut_lines("windows.jsonl")),
    "resealed: seconds renumbered": resealed(renumbered),
    "resealed: second duplicated": resealed(duplicated_second),
    "resealed: implausible value": resealed(implausible),
}
HOSTILE_FILES: dict[str, Damage] = {
    **{f"{name} links out": linked_out(name, False) for name in (*OUTPUTS, MANIFEST)},
    **{f"{name} links out, dangling": linked_out(name, True) for name in (*OUTPUTS, MANIFEST)},
    **{f"{name} is a named pipe": fifo(name) for name in (*INPUTS, *OUTPUTS[1:])},
    **{f"{name} is /dev/zero": device(name) for name in (*INPUTS, *OUTPUTS[1:])},
    **{f"{name} is a directory": directory(name) for name in (*INPUTS, *OUTPUTS[1:])},
}
ALL: dict[str, Damage] = {**LOST_DATA, **HOSTILE_FILES}


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """What is in a folder outside the run folder: names, link targets, contents."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path)] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found
