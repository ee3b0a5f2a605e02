"""What a run could not have recorded: the checks of a run folder's seconds
and events against each other and against the clock, which hold for every
folder `harness run` writes, with or without a manifest.

- a second's number is its place in the run: its wall time is the first
  second's plus the difference (a second lost and the rest renumbered shows),
  and its match time is where the run's time map puts the end of it;
- wall times fall between 2020 and a day from now, match times within the
  timeline, viewer counts and per-second counts under MAX_COUNT;
- as many seconds as the run's wall duration when it completed, never more.
Each problem is one line, naming the file and line of its first instance."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from harness.runfolder.recorder import COUNTS, EVENTS, GAUGES, WINDOWS, Second

EARLIEST_EPOCH = 1_577_836_800.0  # 2020-01-01T00:00:00Z, before any kickoff run
FUTURE_S = 86_400.0  # a clock a day ahead of this machine's is not a run's
MAX_COUNT = 10_000_000  # viewers, or events of theirs in one second: far above any run
WALL_SLACK_S = 5.0  # a second's wall time against its number (clock slews, a late tick)
MATCH_SLACK_S = 0.01  # a second's match time against the time map (rounding)
_WINDOW_COUNTS = tuple(
    name for name in (*GAUGES, *COUNTS) if name not in ("target_viewers", "viewers")
)


def _epoch_problem(epoch: float, where: str) -> str | None:
    latest = time.time() + FUTURE_S
    if not EARLIEST_EPOCH <= epoch <= latest:
        return f"{where}: wall time {epoch:.0f} is not a run's (before 2020 or after tomorrow)"
    return None


def _match_at(time_map: Sequence[Sequence[float]], wall_s: float) -> float:
    """Match time `wall_s` after the start on the run's time map
    ([[match start, match end, rate], ...], as run_started records it)."""
    wall = 0.0
    for start, end, rate in time_map:
        length = (end - start) / rate
        if wall_s <= wall + length or (start, end, rate) == tuple(time_map[-1]):
            return start + (wall_s - wall) * rate
        wall += length
    return math.nan


def _time_map(started: dict) -> list[list[float]] | None:
    """run_started's time map when it is whole (older runs have none)."""
    found = started.get("time_map")
    try:
        if found and all(len(s) == 3 and s[2] > 0 and s[1] > s[0] for s in found):
            return [[float(v) for v in s] for s in found]
    except TypeError:
        pass
    return None


def _second_problem(
    second: Second, first: Second, line: int, time_map: list | None, wall_duration: float | None
) -> str | None:
    where = f"{WINDOWS}:{line}"
    number = second.window.second
    for name in ("target_viewers", "viewers"):
        if getattr(second, name) > MAX_COUNT:
            return f"{where}: {name} {getattr(second, name):,} is beyond any run"
    for name in _WINDOW_COUNTS:
        if getattr(second.window, name) > MAX_COUNT:
            return f"{where}: {name} {getattr(second.window, name):,} is beyond any run"
    epoch = _epoch_problem(second.epoch, where)
    if epoch:
        return epoch
    off = second.epoch - first.epoch - (number - first.window.second)
    if abs(off) > WALL_SLACK_S:
        return (
            f"{where}: second {number} ends {off:+.0f} s off its place in the run "
            f"(seconds lost or renumbered)"
        )
    if time_map is not None:
        wall_s = number + 1 if wall_duration is None else min(number + 1, wall_duration)
        due = _match_at(time_map, wall_s)
        if not abs(second.match_s - due) <= MATCH_SLACK_S:
            return (
                f"{where}: second {number} at match time {second.match_s:g} s where the run's "
                f"time map puts it at {due:g} s (seconds lost, renumbered or from another run)"
            )
    return None


def problems(seconds: Sequence[Second], events: Sequence[dict]) -> list[str]:
    """What in the seconds and events no run could have written, one line each."""
    started = next((e for e in events if e["kind"] == "run_started"), {})
    time_map = _time_map(started)
    wall_duration = started.get("wall_duration_s")
    wall_duration = wall_duration if isinstance(wall_duration, (int, float)) else None
    found = []
    ended: dict = next((e for e in reversed(events) if e["kind"] == "run_ended"), {})
    if wall_duration is not None and len(seconds) > math.ceil(wall_duration):
        found.append(f"{WINDOWS}: {len(seconds)} seconds in a run of {wall_duration:g} s")
    elif (
        wall_duration is not None
        and ended.get("outcome") == "completed"
        and len(seconds) < math.ceil(wall_duration)
    ):
        found.append(
            f"{WINDOWS}: {len(seconds)} seconds of a run of {wall_duration:g} s that "
            f"completed (seconds lost)"
        )
    for line, second in enumerate(seconds, start=1):
        problem = _second_problem(second, seconds[0], line, time_map, wall_duration)
        if problem:
            found.append(problem)
            break
    for line, event in enumerate(events, start=1):
        problem = _epoch_problem(event["epoch"], f"{EVENTS}:{line}")
        if problem:
            found.append(problem)
            break
    if events and events[0]["kind"] != "run_started":
        found.append(f"{EVENTS}:1: {events[0]['kind'][:40]!r} where the run_started event was due")
    return found
