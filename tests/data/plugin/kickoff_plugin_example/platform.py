"""Platform `noted`: an external stack (a targets file) that also offers the
`note` driver, its folder notes/ beside the targets file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from harness.platforms.base import PlatformSpec
from harness.platforms.external import external_stack
from harness.platforms.stack import Stack


def noted_stack(targets: Path | None) -> Stack:
    stack = external_stack(targets)  # refuses a missing targets file, as external does
    folder = Path(targets).resolve().parent / "notes"
    return dataclasses.replace(stack, platform="noted", contexts={
        **stack.contexts, "note": {"driver": "note", "folder": str(folder)}})


PLATFORM = PlatformSpec(
    name="noted", description="an external stack whose components take note of faults",
    drivers={"note": ""}, stack=noted_stack, reads_targets=True)
