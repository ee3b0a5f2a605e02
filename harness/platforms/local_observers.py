"""The local stack's observers (kickoff_stack.observers) as processes beside
it: Debian's exporters of the machine, the edge's nginx, Redis and
PostgreSQL, and the Prometheus that scrapes them, the Python services and
every live kickoff run.

They are recorded apart from the components (their own ProcessRecords), so
no fault picks them, the supervisor leaves them be and their CPU use is not
the stack's: they watch the platform, they are not part of it."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from harness.platforms.base import live_targets_dir
from harness.platforms.prerequisites import Program, require
from harness.platforms.process_records import ProcessRecords, is_alive, launch, stop_all
from harness.platforms.reference import HOST, wait_observers
from kickoff_stack.observers import (
    EXPORTERS,
    PROGRAMS,
    PROMETHEUS_PORT,
    exporter_command,
    prometheus_command,
    prometheus_config,
)

log = logging.getLogger(__name__)

READY_TIMEOUT = 30.0  # seconds; Prometheus replays its short history first
PROGRAMS_NEEDED = tuple(Program(p, f"apt-get install -y {p}") for p in PROGRAMS)


class LocalObservers:
    """The observers of the local stack whose state folder is `state`."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.root = state / "local" / "observers"
        self.records = ProcessRecords(self.root)

    def commands(self) -> dict[str, tuple[list[str], dict[str, str], int]]:
        """Each observer's command line, the environment it adds and its port."""
        commands = {e.name: (*exporter_command(e, HOST, HOST), e.port) for e in EXPORTERS}
        config, data = self.root / "prometheus.yml", self.root / "prometheus"
        command = prometheus_command(str(config), str(data), HOST)
        return commands | {"prometheus": (command, {}, PROMETHEUS_PORT)}

    def up(self) -> None:
        """Start the observers that do not run, and wait until they answer."""
        require(*PROGRAMS_NEEDED)
        live_targets_dir(self.state).mkdir(parents=True, exist_ok=True)
        config = prometheus_config(str(live_targets_dir(self.state).resolve()))
        with self.records.locked():
            # JSON is YAML: Prometheus reads it as its configuration file.
            (self.root / "prometheus.yml").write_text(json.dumps(config, indent=1))
            records = self.records.read()
            for name, (command, env, port) in self.commands().items():
                if name in records and is_alive(records[name]):
                    continue
                environment = {**os.environ, **env}
                records[name] = launch(name, command, environment, HOST, [port], self.root / "logs")
                self.records.save(records)
        wait_observers(READY_TIMEOUT, str(self.root / "logs"))

    def down(self) -> None:
        """Stop every observer that runs."""
        with self.records.locked():
            alive = self.records.alive()
            stop_all(alive)
            self.records.file.unlink(missing_ok=True)
        for name, record in alive.items():
            log.info("stopped %s (pid %d)", name, record["pid"])
