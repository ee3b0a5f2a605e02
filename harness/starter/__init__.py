"""`harness init`: the files a QA team starts from to test its own platform.

A scenario on platform external, a data journey and a targets file, each
commented so that whoever edits them knows what to change. They are templates
shipped in this folder (package data), copied as they are.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from harness.spec.errors import InvalidInput

FILES = ("scenario.yaml", "journey.yaml", "targets.yaml")  # the scenario names the other two


def write_starter(folder: Path, force: bool = False) -> list[Path]:
    """Write the starter files into `folder` (made if missing) and return their paths.

    Existing files are never overwritten unless `force`: InvalidInput names them.
    """
    paths = [folder / name for name in FILES]
    present = [str(path) for path in paths if path.exists()]
    if present and not force:
        raise InvalidInput(
            f"{', '.join(present)}: already there (harness init overwrites "
            f"nothing; choose another folder, or add --force to replace them)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in paths:
            path.write_text(
                (files(__package__) / path.name).read_text(encoding="utf-8"), encoding="utf-8"
            )
    except OSError as error:
        raise InvalidInput(
            f"{error.filename or folder}: cannot write: {error.strerror or error}"
        ) from None
    return paths
