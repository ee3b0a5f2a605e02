"""The stack as local processes: nginx, redis-server and toxiproxy-server from
PATH, the Python services as subprocesses of this interpreter.

What it starts is recorded in a state file (process_records: pid, start time,
port, size), so a later `down` from any shell stops exactly those processes.
How each component is started is local_commands'; a supervisor of its own
(supervisor_control) starts a killed component again; the exporters and the
Prometheus that watch the stack run beside it (local_observers). At a size with CPU
quotas, each process runs under its quota where the kernel allows
(cpu_quota); its CPU use is read from /proc (proc_cpu).
"""

from __future__ import annotations

import logging
import shutil
import signal
from pathlib import Path

from harness.platforms import cpu_quota, local_commands, prerequisites, proc_cpu
from harness.platforms.base import STACK_SIZES, Platform, PlatformSpec, stack_size, state_dir
from harness.platforms.local_observers import LocalObservers
from harness.platforms.process_records import ProcessRecords, is_alive, launch, stop_all
from harness.platforms.process_tree import signal_tree
from harness.platforms.reference import HOST, TOXIPROXY_API, reference_stack, toxiproxy_context
from harness.platforms.stack import Stack
from harness.platforms.supervisor_control import DEFAULT_RESTART_AFTER, SupervisorControl
from harness.spec.errors import HarnessError, InfrastructureMissing
from kickoff_stack import media, postgres
from kickoff_stack.sizes import NORMAL
from kickoff_stack.topology import COMPONENTS

log = logging.getLogger(__name__)


class LocalPlatform(Platform):
    name = "local"
    supervised = True
    restart_after: float

    def __init__(
        self, root: Path | None = None, restart_after: float = DEFAULT_RESTART_AFTER
    ) -> None:
        self.root = (root or state_dir()) / "local"
        self.stack = local_stack(root=root)
        self.records = ProcessRecords(self.root)
        self.supervisor = SupervisorControl(self.records)
        self.observers = LocalObservers(root or state_dir())
        self.restart_after = restart_after

    def handles(self) -> dict[str, str]:
        return {name: f"pid {r['pid']}" for name, r in self.records.alive().items()}

    def is_managed(self) -> bool:
        return bool(self.handles()) or self.supervisor.pid() is not None

    def supervision(self) -> str | None:
        return self.supervisor.described()

    def size(self) -> str | None:
        sizes = [r.get("size", NORMAL) for r in self.records.alive().values()]
        return sizes[0] if sizes else None

    def cpu_seconds(self) -> dict[str, float]:
        return {name: proc_cpu.tree_seconds(r["pid"]) for name, r in self.records.alive().items()}

    def cpu_limits(self) -> dict[str, float | None]:
        return {name: r.get("cpus") for name, r in self.records.alive().items()}

    # --- starting -------------------------------------------------------------

    def up(self, size: str | None = None) -> None:
        size = stack_size(size)
        if self.size() not in (None, size):
            log.info("the local stack runs at size %s: stopping it for size %s", self.size(), size)
            self.down()
        prerequisites.require(
            prerequisites.NGINX, prerequisites.REDIS, prerequisites.TOXIPROXY, prerequisites.FFMPEG
        )
        try:
            postgres.binaries()
        except postgres.NotInstalled as error:
            raise InfrastructureMissing(str(error)) from None
        if not (media.default_media_dir() / "manifest.json").exists():
            log.info("rendering the stream's media once with ffmpeg (about 20 s)")
        media.render(media.default_media_dir())
        with self.records.locked():
            records = self.records.read()
            for component in COMPONENTS:
                if component.name in records and is_alive(records[component.name]):
                    continue
                if component.kind == "redis":  # a new stack starts empty; a restart does not
                    shutil.rmtree(self.root / "redis", ignore_errors=True)
                if component.kind == "postgres" and component.name not in records:
                    # A new stack's database starts empty; a killed one keeps its data.
                    shutil.rmtree(local_commands.postgres_data(self.root), ignore_errors=True)
                records[component.name] = self._launch(component.name, size)
                self.records.save(records)
        self.wait_healthy()
        with self.records.locked():
            _confine(self.records.read())  # once started: a quota would slow its start
            self.supervisor.start(self.restart_after)
        self.observers.up()

    def start(self, component: str) -> None:
        with self.records.locked():
            records = self.records.read()
            if component in records and is_alive(records[component]):
                return
            size = records.get(component, {}).get("size") or self.size() or NORMAL
            records[component] = self._launch(component, size)
            self.records.save(records)
            _confine({component: records[component]})

    def _launch(self, name: str, size: str) -> dict:
        """Start component `name` at `size`: its record."""
        command, env = local_commands.command(name, size, self.root)
        ports = local_commands.ports(name)
        record = launch(name, command, env, HOST, ports, self.root / "logs")
        cores = local_commands.quota(name, size)
        return {**record, "size": size, "cpus": cores}

    # --- stopping -------------------------------------------------------------

    def kill(self, component: str, signal_name: str = "SIGKILL") -> None:
        record = self.records.read().get(component)
        if record is None or not is_alive(record):
            raise HarnessError(f"{component} is not running on the local platform")
        signal_tree(record["pid"], signal.Signals[signal_name])

    def down(self) -> None:
        self.observers.down()
        with self.records.locked():
            self.supervisor.stop()  # first, or it would start what is being stopped
            records = self.records.read()
            order = reversed([c.name for c in COMPONENTS])  # what others reach goes last
            alive = {n: records[n] for n in order if n in records and is_alive(records[n])}
            stop_all(alive)
            self.records.file.unlink(missing_ok=True)
            # Stopped is gone: the database's data goes with the stack (as
            # Docker's volume does), so nothing is left behind.
            shutil.rmtree(local_commands.postgres_data(self.root), ignore_errors=True)
            for name in records:
                cpu_quota.release(name)
        for name, record in alive.items():
            log.info("stopped %s (pid %d)", name, record["pid"])


def _confine(records: dict[str, dict]) -> None:
    """Each process with a CPU quota (and what it started) into its CPU group."""
    for name, record in records.items():
        if record.get("cpus"):
            cpu_quota.confine(name, record["cpus"], record["pid"])


def local_stack(targets: Path | None = None, root: Path | None = None) -> Stack:
    """The reference stack as local processes (a local stack reads no targets file)."""
    return reference_stack(
        "local",
        {
            "toxiproxy": {"driver": "toxiproxy", "api": TOXIPROXY_API},
            "process": {"driver": "process", "state_dir": str(root or state_dir())},
        },
    )


def _running_contexts() -> list[dict]:
    platform = LocalPlatform()
    return toxiproxy_context() + (
        [platform.stack.contexts["process"]] if platform.is_managed() else []
    )


PLATFORM = PlatformSpec(
    name="local",
    description="the reference stack as local processes (the default)",
    drivers={"toxiproxy": "", "process": ""},
    stack=local_stack,
    manager=LocalPlatform,
    sizes=STACK_SIZES,
    running_contexts=_running_contexts,
)
