"""How the local platform starts each component of the reference stack as a
process: its command line and environment, the ports it listens on, its CPU
quota at a size, and where PostgreSQL keeps its data."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from harness.platforms import cpu_quota
from harness.platforms.reference import HOST
from kickoff_stack import media
from kickoff_stack.sizes import SIZE_ENV, limits
from kickoff_stack.topology import BY_NAME, LINKS, link_environment, toxiproxy_config


def command(name: str, size: str, root: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of component `name` at `size`, its
    files under the platform's state folder `root`."""
    component = BY_NAME[name]
    port = str(component.port)
    env = dict(os.environ, KICKOFF_MEDIA_DIR=str(media.default_media_dir()), **{SIZE_ENV: size})
    if component.kind == "redis":
        (root / "redis").mkdir(exist_ok=True)
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
            str(root / "redis"),
        ], env
    if component.kind == "toxiproxy":
        config = root / "toxiproxy.json"
        config.write_text(json.dumps(toxiproxy_config(HOST, HOST), indent=1))
        env["LOG_LEVEL"] = "warn"
        return ["toxiproxy-server", "-host", HOST, "-port", port, "-config", str(config)], env
    if component.kind == "nginx":
        return [
            sys.executable,
            "-m",
            "kickoff_stack.edge",
            "--work-dir",
            str(root / "edge"),
            "--listen",
            f"{HOST}:{port}",
            "--upstream-host",
            HOST,
            "--error-log",
            str(root / "logs" / "edge-error.log"),
        ], env
    if component.kind == "postgres":
        return [
            sys.executable,
            "-m",
            "kickoff_stack.postgres",
            "--data-dir",
            str(postgres_data(root)),
            "--host",
            HOST,
            "--port",
            port,
        ], env
    module = "origin" if name.startswith("origin") else name
    line = [sys.executable, "-m", f"kickoff_stack.{module}", "--host", HOST, "--port", port]
    if module == "origin":
        line += ["--name", name]
    return line, env | link_environment(name, HOST)


def ports(name: str) -> list[int]:
    """The ports component `name` listens on (Toxiproxy: every link's too)."""
    found = [BY_NAME[name].port]
    if name == "toxiproxy":
        found += [link.listen_port for link in LINKS]
    return found


def quota(name: str, size: str) -> float | None:
    """The component's CPU quota at `size`, where local processes can have one."""
    cores = limits(size, name).cpus
    return cores if cores and cpu_quota.available() else None


def postgres_data(root: Path) -> Path:
    """The database's folder. PostgreSQL runs as user postgres when we are
    root, who cannot reach root's home (mode 700): then it is in /var/tmp,
    named after the platform's state folder `root`."""
    if os.geteuid() != 0:
        return root / "postgres"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"kickoff-postgres-{digest}"
