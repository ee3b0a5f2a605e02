"""Output `seconds`: seconds.txt in the run folder, one line per second
recorded (its number and its viewers), written when the run has ended."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.outputs.hooks import Output, RunEvents


def attach(events: RunEvents, run_dir: Path, groups: Iterable[str]) -> None:
    lines: list[str] = []
    events.second_recorded.add_listener(
        lambda second: lines.append(f"{second.window.second} {second.viewers}\n"))
    events.run_ended.add_listener(
        lambda run_dir, **_: (run_dir / "seconds.txt").write_text("".join(lines)))


OUTPUT = Output("seconds", attach)
