"""File names a scenario, targets or journey file writes (`journey:`,
`targets:`, `accounts:`, `python:`), checked as names before any lookup: a
part longer than NAME_MAX bytes, or a name longer than PATH_MAX bytes, is
refused as a name (the system would only say "File name too long"), and a
lookup that meets a loop of symbolic links says so (ELOOP), each as one
problem at the field's line.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

NAME_MAX = 255  # bytes in one part of a path (Linux, and most file systems)
PATH_MAX = 4095  # bytes in a whole path, the terminating NUL aside


def name_problem(name: str) -> str | None:
    """What is wrong with `name` as a file name, or None."""
    if _size(name) > PATH_MAX:
        return f"is {_size(name):,} bytes long; a file name has at most {PATH_MAX:,}"
    longest = max(name.split("/"), key=_size)
    if _size(longest) > NAME_MAX:
        return (
            f"has a part of {_size(longest):,} bytes ({longest[:20]!r}...); a folder or "
            f"file name has at most {NAME_MAX}"
        )
    return None


def _size(text: str) -> int:
    """Bytes the name takes on disk (UTF-8)."""
    return len(text.encode("utf-8", "surrogatepass"))


def file_problem(path: Path) -> str | None:
    """None when `path` names a regular file; else what is wrong, in words."""
    try:
        status = path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"{path}: a loop of symbolic links (ELOOP)"
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"no file {path}"
        return f"{path}: cannot be looked up ({error.strerror or error})"
    if not stat.S_ISREG(status.st_mode):
        return f"{path} is not a regular file"
    return None
