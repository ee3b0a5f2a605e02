"""The stack as local processes: nginx, redis-server and toxiproxy-server from
PATH, the Python services as subprocesses of this interpreter.

What it starts is recorded in a state file (pid, start time, port, size), so
a later `down` from any shell stops exactly those processes: a pid is only
ours while its start time matches, so a recycled pid is never signalled. At a
size with CPU quotas, each process runs under its quota where the kernel
allows (cpu_quota); its CPU use is read from /proc (proc_cpu).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from harness.platforms import cpu_quota, health, prerequisites, proc_cpu
from harness.platforms.base import STACK_SIZES, Platform, PlatformSpec, stack_size, state_dir
from harness.platforms.process_tree import process_start_time, signal_tree
from harness.platforms.reference import HOST, TOXIPROXY_API, reference_stack, toxiproxy_context
from harness.platforms.stack import Stack
from harness.spec.errors import HarnessError, InfrastructureMissing
from kickoff_stack import media, postgres
from kickoff_stack.sizes import NORMAL, SIZE_ENV, limits
from kickoff_stack.topology import BY_NAME, COMPONENTS, LINKS, link_environment, toxiproxy_config

log = logging.getLogger(__name__)
STOP_TIMEOUT = 5.0
DEFAULT_RESTART_AFTER = 5.0  # seconds the supervisor waits before starting a killed component


class LocalPlatform(Platform):
    name = "local"
    supervised = True
    restart_after: float

    def __init__(
        self, root: Path | None = None, restart_after: float = DEFAULT_RESTART_AFTER
    ) -> None:
        self.root = (root or state_dir()) / "local"
        self.stack = local_stack(root=root)
        self.state_file = self.root / "stack.json"
        self.supervisor_file = self.root / "supervisor.json"
        self.restart_after = restart_after

    # --- the state file -------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One up/down at a time across shells."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "stack.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _records(self) -> dict[str, dict]:
        try:
            return json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise HarnessError(
                f"{self.state_file}: unreadable state file ({error}); "
                "remove it after stopping the stack's processes by hand"
            ) from None

    def _save(self, records: dict[str, dict]) -> None:
        _write_atomically(self.state_file, records)

    @staticmethod
    def _alive(record: dict) -> bool:
        return process_start_time(record["pid"]) == record["started"]

    def handles(self) -> dict[str, str]:
        return {name: f"pid {r['pid']}" for name, r in self._records().items() if self._alive(r)}

    def is_managed(self) -> bool:
        return bool(self.handles()) or self.supervisor_pid() is not None

    def dead_components(self) -> list[str]:
        """Components it started whose process is gone (killed, crashed)."""
        return [name for name, r in self._records().items() if not self._alive(r)]

    # --- the supervisor -------------------------------------------------------

    def supervisor_settings(self) -> dict:
        """{"restart_after": seconds, "holds": components not to restart, "pid", "started"}."""
        try:
            return json.loads(self.supervisor_file.read_text())
        except (FileNotFoundError, ValueError):
            return {"restart_after": self.restart_after, "holds": []}

    def supervisor_pid(self) -> int | None:
        settings = self.supervisor_settings()
        alive = "pid" in settings and process_start_time(settings["pid"]) == settings["started"]
        return settings["pid"] if alive else None

    def supervision(self) -> str | None:
        pid = self.supervisor_pid()
        if pid is None:
            return None
        after = self.supervisor_settings()["restart_after"]
        return f"supervisor pid {pid}: restarts a killed component after {after:g} s"

    def hold(self, component: str, held: bool = True) -> None:
        """Keep the supervisor from restarting `component` (a fault holds it down)."""
        with self._locked():
            settings = self.supervisor_settings()
            holds = (
                set(settings["holds"]) | {component}
                if held
                else set(settings["holds"]) - {component}
            )
            _write_atomically(self.supervisor_file, {**settings, "holds": sorted(holds)})

    def _start_supervisor(self) -> None:
        if self.supervisor_pid() is not None:
            settings = self.supervisor_settings()
            _write_atomically(
                self.supervisor_file, {**settings, "restart_after": self.restart_after}
            )
            return
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / "supervisor.log", "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "harness.platforms.supervisor", str(self.root)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _write_atomically(
            self.supervisor_file,
            {
                "pid": process.pid,
                "started": process_start_time(process.pid),
                "restart_after": self.restart_after,
                "holds": [],
            },
        )
        log.info(
            "started the supervisor (pid %d; restarts killed components after %g s)",
            process.pid,
            self.restart_after,
        )

    def _stop_supervisor(self) -> None:
        pid = self.supervisor_pid()
        if pid is not None:
            started = self.supervisor_settings()["started"]
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while process_start_time(pid) == started and time.monotonic() < deadline:
                time.sleep(0.05)
            if process_start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
        self.supervisor_file.unlink(missing_ok=True)

    # --- starting -------------------------------------------------------------

    def _command(self, name: str, size: str) -> tuple[list[str], dict[str, str]]:
        component = BY_NAME[name]
        port = str(component.port)
        env = dict(os.environ, KICKOFF_MEDIA_DIR=str(media.default_media_dir()), **{SIZE_ENV: size})
        if component.kind == "redis":
            (self.root / "redis").mkdir(exist_ok=True)
            # Append-only persistence, as production Redis has: a killed Redis
            # comes back with its sessions and schedule (at most 1 s lost).
            return [
                "redis-server",
                "--port",
                port,
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.root / "redis"),
            ], env
        if component.kind == "toxiproxy":
            config = self.root / "toxiproxy.json"
            config.write_text(json.dumps(toxiproxy_config(HOST, HOST), indent=1))
            env["LOG_LEVEL"] = "warn"
            return ["toxiproxy-server", "-host", HOST, "-port", port, "-config", str(config)], env
        if component.kind == "nginx":
            return [
                sys.executable,
                "-m",
                "kickoff_stack.edge",
                "--work-dir",
                str(self.root / "edge"),
                "--listen",
                f"{HOST}:{port}",
                "--upstream-host",
                HOST,
                "--error-log",
                str(self.root / "logs" / "edge-error.log"),
            ], env
        if component.kind == "postgres":
            return [
                sys.executable,
                "-m",
                "kickoff_stack.postgres",
                "--data-dir",
                str(self.postgres_data()),
                "--host",
                HOST,
                "--port",
                port,
            ], env
        module = "origin" if name.startswith("origin") else name
        command = [sys.executable, "-m", f"kickoff_stack.{module}", "--host", HOST, "--port", port]
        if module == "origin":
            command += ["--name", name]
        return command, env | link_environment(name, HOST)

    def postgres_data(self) -> Path:
        """The database's folder. PostgreSQL runs as user postgres when we are
        root, who cannot reach root's home (mode 700): then it is in /var/tmp,
        named after this platform's state folder."""
        if os.geteuid() != 0:
            return self.root / "postgres"
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:12]
        return Path("/var/tmp") / f"kickoff-postgres-{digest}"

    def _ports_of(self, name: str) -> list[int]:
        ports = [BY_NAME[name].port]
        if name == "toxiproxy":
            ports += [link.listen_port for link in LINKS]
        return ports

    def _launch(self, name: str, size: str) -> dict:
        busy = [p for p in self._ports_of(name) if health.port_open(HOST, p)]
        if busy:
            raise InfrastructureMissing(
                f"port {busy[0]} (for {name}) is in use by a program kickoff did not start; "
                "stop it or choose another machine"
            )
        command, env = self._command(name, size)
        cores = self._quota(name, size)
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"{name}.log", "ab") as out:
            # A session of its own: the process outlives this command, and
            # its whole group (nginx workers too) can be signalled at once.
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        started = process_start_time(process.pid)
        if started is None:
            raise InfrastructureMissing(f"{name} exited at once; see {logs / f'{name}.log'}")
        log.info("started %s (pid %d)", name, process.pid)
        return {
            "pid": process.pid,
            "started": started,
            "port": BY_NAME[name].port,
            "command": command,
            "size": size,
            "cpus": cores,
        }

    @staticmethod
    def _quota(name: str, size: str) -> float | None:
        """The component's CPU quota at `size`, where local processes can have one."""
        cores = limits(size, name).cpus
        return cores if cores and cpu_quota.available() else None

    def size(self) -> str | None:
        sizes = [r.get("size", NORMAL) for r in self._records().values() if self._alive(r)]
        return sizes[0] if sizes else None

    def cpu_seconds(self) -> dict[str, float]:
        return {
            name: proc_cpu.tree_seconds(r["pid"])
            for name, r in self._records().items()
            if self._alive(r)
        }

    def cpu_limits(self) -> dict[str, float | None]:
        return {name: r.get("cpus") for name, r in self._records().items() if self._alive(r)}

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
        with self._locked():
            records = self._records()
            for component in COMPONENTS:
                if component.name in records and self._alive(records[component.name]):
                    continue
                if component.kind == "redis":  # a new stack starts empty; a restart does not
                    shutil.rmtree(self.root / "redis", ignore_errors=True)
                if component.kind == "postgres" and component.name not in records:
                    # A new stack's database starts empty; a killed one keeps its data.
                    shutil.rmtree(self.postgres_data(), ignore_errors=True)
                records[component.name] = self._launch(component.name, size)
                self._save(records)
        self.wait_healthy()
        with self._locked():
            self._confine(self._records())  # once started: a quota would slow its start
            self._start_supervisor()

    def start(self, component: str) -> None:
        with self._locked():
            records = self._records()
            if component in records and self._alive(records[component]):
                return
            size = records.get(component, {}).get("size") or self.size() or NORMAL
            records[component] = self._launch(component, size)
            self._save(records)
            self._confine({component: records[component]})

    @staticmethod
    def _confine(records: dict[str, dict]) -> None:
        """Each process with a CPU quota (and what it started) into its CPU group."""
        for name, record in records.items():
            if record.get("cpus"):
                cpu_quota.confine(name, record["cpus"], record["pid"])

    # --- stopping -------------------------------------------------------------

    def kill(self, component: str, signal_name: str = "SIGKILL") -> None:
        record = self._records().get(component)
        if record is None or not self._alive(record):
            raise HarnessError(f"{component} is not running on the local platform")
        signal_tree(record["pid"], signal.Signals[signal_name])

    def down(self) -> None:
        with self._locked():
            self._stop_supervisor()  # first, or it would start what is being stopped
            records = self._records()
            alive = {n: r for n, r in records.items() if self._alive(r)}
            for name in reversed([c.name for c in COMPONENTS]):
                if name in alive:
                    self._signal_group(alive[name], signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while any(self._alive(r) for r in alive.values()) and time.monotonic() < deadline:
                time.sleep(0.05)
            for name, record in alive.items():
                if self._alive(record):
                    log.warning("%s ignored SIGTERM, sending SIGKILL", name)
                    self._signal_group(record, signal.SIGKILL)
            self.state_file.unlink(missing_ok=True)
            # Stopped is gone: the database's data goes with the stack (as
            # Docker's volume does), so nothing is left behind.
            shutil.rmtree(self.postgres_data(), ignore_errors=True)
            for name in records:
                cpu_quota.release(name)
        for name, record in alive.items():
            log.info("stopped %s (pid %d)", name, record["pid"])

    @staticmethod
    def _signal_group(record: dict, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            signal_tree(record["pid"], sig)


def _write_atomically(path: Path, data: dict) -> None:
    """Readers never see half a file: write aside, then rename over."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1))
    temporary.replace(path)


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
