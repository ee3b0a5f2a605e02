"""What a platform started as local processes, recorded in a JSON file: one
record per component (its pid and start time, port, size, command, CPU quota).

The file is read and written whole under a lock that also keeps up and down
to one at a time across shells. A record's process is alive only while its pid
has the recorded start time, so a recycled pid is never taken for it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import signal
from collections.abc import Iterator
from pathlib import Path

from harness.platforms.detached import spawn, wait_gone
from harness.platforms.health import port_open
from harness.platforms.process_tree import process_start_time, signal_tree
from harness.spec.errors import HarnessError, InfrastructureMissing

log = logging.getLogger(__name__)


class ProcessRecords:
    """The records in `root`/stack.json, locked by `root`/stack.lock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.file = root / "stack.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One up/down at a time across shells."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "stack.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def read(self) -> dict[str, dict]:
        """Every record by component, its process alive or not."""
        try:
            return json.loads(self.file.read_text())
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise HarnessError(
                f"{self.file}: unreadable state file ({error}); "
                "remove it after stopping the stack's processes by hand"
            ) from None

    def save(self, records: dict[str, dict]) -> None:
        write_atomically(self.file, records)

    def alive(self) -> dict[str, dict]:
        """The records whose process still runs."""
        return {name: r for name, r in self.read().items() if is_alive(r)}

    def dead(self) -> list[str]:
        """Components whose recorded process is gone (killed, crashed)."""
        return [name for name, r in self.read().items() if not is_alive(r)]


def launch(
    name: str, command: list[str], env: dict[str, str], host: str, ports: list[int], logs: Path
) -> dict:
    """Start `name` detached once its ports on `host` are free, its output in
    `logs`/NAME.log: its record (pid, start time, first port, command).
    InfrastructureMissing when a port is taken or it exits at once."""
    busy = [port for port in ports if port_open(host, port)]
    if busy:
        raise InfrastructureMissing(
            f"port {busy[0]} (for {name}) is in use by a program kickoff did not start; "
            "stop it or choose another machine"
        )
    log_file = logs / f"{name}.log"
    pid, started = spawn(command, log_file, env)
    if started is None:
        raise InfrastructureMissing(f"{name} exited at once; see {log_file}")
    log.info("started %s (pid %d)", name, pid)
    return {"pid": pid, "started": started, "port": ports[0], "command": command}


def is_alive(record: dict) -> bool:
    """Whether the record's pid still runs the process it recorded."""
    return process_start_time(record["pid"]) == record["started"]


def stop_all(alive: dict[str, dict]) -> None:
    """Stop the recorded processes `alive` (by name, in that order), each with
    what it started: SIGTERM, then SIGKILL for those still there after
    STOP_TIMEOUT."""
    for record in alive.values():
        _signal_tree(record, signal.SIGTERM)
    if not wait_gone(lambda: any(is_alive(r) for r in alive.values())):
        for name, record in alive.items():
            if is_alive(record):
                log.warning("%s ignored SIGTERM, sending SIGKILL", name)
                _signal_tree(record, signal.SIGKILL)


def _signal_tree(record: dict, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        signal_tree(record["pid"], sig)


def write_atomically(path: Path, data: dict) -> None:
    """Readers never see half a file: write aside, then rename over."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1))
    temporary.replace(path)
