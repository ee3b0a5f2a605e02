"""The runs with faults planned that are going on this machine, whatever
KICKOFF_STATE_DIR each uses: one record per run (its owner record,
harness/faults/owner.py: PID and process start time, run folder, state
folder, the contexts of its stack) in one folder shared by every state
folder and every user, so that `harness reset` under any state folder leaves
their stacks alone. The folder is sticky and world-writable like /tmp itself:
anyone can add a record, only its writer can take it away. A run registers
as it opens its journal and unregisters as it finishes it (harness/faults/
journal.py); a record whose run is no longer going (killed) is stale: it is
ignored, and removed where the reader may."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from harness.faults.owner import is_live
from harness.spec.errors import InfrastructureMissing

# Not tempfile.gettempdir(): TMPDIR differs between users and shells, and
# there must be one registry per machine.
FOLDER = Path("/tmp/kickoff-live-runs")


def _check(folder: int) -> None:
    """Accept the opened folder if it is this user's or sticky and
    world-writable; InfrastructureMissing otherwise (a folder another user
    could empty would let them take our records away)."""
    info = os.fstat(folder)
    if info.st_uid == os.geteuid():
        os.fchmod(folder, 0o1777)  # made by us: mkdir's mode went through the umask
    elif info.st_mode & 0o1777 != 0o1777:
        raise InfrastructureMissing(
            f"{FOLDER}: the machine's registry of live runs must be sticky and world-writable "
            f"like /tmp (it is {stat.filemode(info.st_mode)}, of uid {info.st_uid}); remove it "
            f"and kickoff makes it again"
        )


@contextlib.contextmanager
def _opened() -> Iterator[int]:
    """The registry's folder, made if missing, opened never through a
    symlink (what we read and remove is in it, wherever a path would lead)
    and checked."""
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(FOLDER)
        folder = os.open(FOLDER, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        raise InfrastructureMissing(
            f"{FOLDER}: the machine's registry of live runs: {error.strerror} (it must be a folder)"
        ) from error
    try:
        _check(folder)
        yield folder
    finally:
        os.close(folder)


def register(name: str, owner: dict) -> None:
    """Record a going run (`name`: its journal's file name, unique per run)."""
    temporary = f".{name}.tmp"
    with _opened() as folder:
        try:
            with open(
                os.open(
                    temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, dir_fd=folder
                ),
                "w",
            ) as out:
                os.fchmod(out.fileno(), 0o644)  # every user's reset reads it, whatever the umask
                json.dump(owner, out, indent=1)
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)  # never half one
        except OSError as error:
            raise InfrastructureMissing(
                f"{FOLDER / name}: cannot record the run: {error.strerror}"
            ) from error


def unregister(name: str) -> None:
    """Take a run's record away (it is over). Never fails: on the way out of
    a run, a record left behind is stale as soon as its process is gone."""
    with contextlib.suppress(OSError, InfrastructureMissing), _opened() as folder:
        os.unlink(name, dir_fd=folder)


def _read(name: str, folder: int) -> dict | None:
    """A record, or None for a file this registry did not write (never
    through a symlink; a FIFO reads as empty instead of blocking)."""
    with open(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)) as file:
        try:
            owner = json.load(file)
        except ValueError:
            return None
    return owner if isinstance(owner, dict) and isinstance(owner.get("pid"), int) else None


def live_runs() -> list[dict]:
    """The owner records of the runs going on this machine with faults
    planned, oldest first; stale records are removed where this user may."""
    going = []
    with _opened() as folder:
        for name in sorted(n for n in os.listdir(folder) if n.endswith(".json")):
            try:
                owner = _read(name, folder)
            except FileNotFoundError:
                continue  # its run just ended
            except OSError:
                owner = None  # not a record this registry wrote (a symlink, say): stale
            if owner is not None and is_live(owner):
                going.append(owner)
                continue
            with contextlib.suppress(OSError):  # another user's: theirs to remove
                os.unlink(name, dir_fd=folder)
    return going
