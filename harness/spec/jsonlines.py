"""Reading a run folder's JSON-lines files (windows.jsonl, events.jsonl)
strictly: every line must be a whole, well-formed record, except a torn last
line (no newline at its end: the harness was killed mid-write), which is
dropped and said. Any other damaged line is an error naming FILE:LINE; a file
that is not a regular one, or over MAX_BYTES, is refused (harness.spec.safe_files)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from harness.spec.errors import SHOWN_PROBLEMS, InvalidInput, problem_lines
from harness.spec.safe_files import read_regular
from harness.spec.shown import escaped

T = TypeVar("T")
MAX_BYTES = 1 << 30  # a day-long run at 1,000 viewers writes well under this


def _record(line: bytes, parse: Callable[[Any], T]) -> T:
    """One line's record; ValueError saying what is wrong with it."""
    if not line.strip():
        raise ValueError("an empty line (each line holds one record)")
    try:
        data = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 (byte {error.start + 1})") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None
    try:
        return parse(data)
    except (TypeError, KeyError, AttributeError, RecursionError) as error:
        raise ValueError(f"not a record of this file ({type(error).__name__}: {error})") from None


def read_records(path: Path, parse: Callable[[Any], T]) -> tuple[list[T], list[str]]:
    """(the records of every line, notes on what was dropped: a torn last line).
    parse turns a line's JSON into a record, raising ValueError("where: problem").
    Raises InvalidInput with one `FILE:LINE: problem` line per damaged line (the
    first SHOWN_PROBLEMS of them, then how many more)."""
    lines = read_regular(path, MAX_BYTES).split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline, as the recorder leaves it
    records, problems, notes = [], [], []
    damaged = 0  # problems beyond the ones shown are counted, not kept
    for number, line in enumerate(lines, start=1):
        try:
            records.append(_record(line, parse))
        except ValueError as error:
            damaged += 1
            if damaged <= SHOWN_PROBLEMS:
                problems.append(escaped(f"{path}:{number}: {error}"))  # it may quote a key
    if torn:
        try:
            records.append(_record(torn, parse))
        except ValueError:
            notes.append(
                f"{path}:{len(lines) + 1}: last line torn (the run was stopped while "
                f"writing it): dropped"
            )
    if problems:
        raise InvalidInput(problem_lines(problems, damaged))
    return records, notes
