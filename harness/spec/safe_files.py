"""Reading and writing the files of a run folder without leaving it.

A run folder may come from anywhere (a CI artifact, a colleague's archive), so
its names are not trusted to be what a run wrote:
- an input is read only if it is a regular file of at most a given size, not
  through a symbolic link (a link could splice in another run's file, or a
  device), and opened without blocking (a named pipe never hangs a read);
- an output is written to a fresh temporary file beside it and renamed over
  its name, so a symbolic link, named pipe or device at that name is replaced,
  never written through, and a reader never sees half a file.
Every problem is one InvalidInput line naming the file (exit 2)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from harness.spec.errors import InvalidInput

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(path: Path, mode: int) -> InvalidInput:
    return InvalidInput(f"{path}: {_kind(mode)}, not a regular file: a run writes plain files here")


class NotRegular(Exception):
    """Why a file was not read: it is of another kind (`kind`), larger than
    asked (`size`), or the system said no (`reason`); the caller words it."""

    def __init__(self, *, kind: str = "", size: int = 0, reason: str = "") -> None:
        super().__init__(kind or reason or f"{size} bytes")
        self.kind, self.size, self.reason = kind, size, reason


def regular_bytes(path: Path | str, limit: int, *, follow_links: bool) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; through
    symbolic links only with `follow_links` (a scenario may be one; a run
    folder's file may not). Nothing else is opened: a named pipe, a device or
    a folder is refused on its status first, and the open never blocks
    should one take the file's place in between. NotRegular otherwise."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        status = os.stat(path) if follow_links else os.lstat(path)
        if stat.S_ISREG(status.st_mode):
            descriptor = os.open(path, flags)
    except OSError as error:
        raise NotRegular(reason=error.strerror or str(error)) from None
    if not stat.S_ISREG(status.st_mode):
        raise NotRegular(kind=_kind(status.st_mode))
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())  # still a regular file, and its size now
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(kind=_kind(status.st_mode))
        if status.st_size > limit:
            raise NotRegular(size=status.st_size)
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise NotRegular(reason=error.strerror or str(error)) from None
    if len(data) > limit:  # grew while it was read
        raise NotRegular(size=len(data))
    return data


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path` (at most `limit` of them), never
    through a symbolic link; InvalidInput("FILE: problem") otherwise."""
    try:
        return regular_bytes(path, limit, follow_links=False)
    except NotRegular as refused:
        if refused.kind:
            raise InvalidInput(
                f"{path}: {refused.kind}, not a regular file: a run writes plain files here"
            ) from None
        if refused.size:
            raise InvalidInput(
                f"{path}: {refused.size:,} bytes, larger than the {limit:,} a run writes here"
            ) from None
        raise InvalidInput(f"{path}: cannot be read ({refused.reason})") from None


@contextlib.contextmanager
def replacing(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    """A text handle whose content replaces `path` when the block ends without
    an error (nothing changes otherwise). A directory at `path` is refused."""
    if path.is_dir() and not path.is_symlink():
        raise _not_regular(path, stat.S_IFDIR)
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be written ({error.strerror or error})") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)  # a link, pipe or device at `path` is replaced, not followed
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be written ({error.strerror or error})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_replacing(path: Path, text: str) -> None:
    """`text` as the whole content of `path` (see replacing())."""
    with replacing(path) as handle:
        handle.write(text)


def open_new(path: Path, append: bool = False, newline: str | None = None) -> IO[str]:
    """A text handle on a file a run streams into as it goes (its windows,
    events and time series): created, or appended to, never through a link."""
    # O_NONBLOCK: a named pipe at the name fails to open instead of waiting for a reader.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    flags |= os.O_APPEND if append else os.O_TRUNC
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be written ({error.strerror or error})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise _not_regular(path, mode)
    return os.fdopen(descriptor, "a" if append else "w", encoding="utf-8", newline=newline)
