"""Which drivers a run's faults use, and each driver rebuilt from a context
alone: a journal entry keeps its driver's context (Toxiproxy API, Docker host
and project, local state folder), so `harness reset` can revert it later from
another process."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from harness.faults.docker import DockerDriver
from harness.faults.driver import Driver
from harness.faults.process import ProcessDriver
from harness.faults.toxiproxy import ToxiproxyDriver
from harness.links import Links
from harness.platforms.base import state_dir
from harness.platforms.docker import PROJECT, DockerPlatform
from harness.platforms.local import LocalPlatform
from harness.targets import load_targets

LOCAL_TOXIPROXY = "http://127.0.0.1:8474"


def contexts_for(platform: str, targets: Path | None = None) -> dict[str, dict]:
    """The context of every driver a platform offers, by driver name (an
    external stack: what its targets file describes)."""
    if platform == "local":
        return {"toxiproxy": {"driver": "toxiproxy", "api": LOCAL_TOXIPROXY},
                "process": {"driver": "process", "state_dir": str(state_dir())}}
    if platform == "docker":
        return {"toxiproxy": {"driver": "toxiproxy", "api": LOCAL_TOXIPROXY},
                "docker": {"driver": "docker", "project": PROJECT, "host": None}}
    stack = load_targets(targets)
    contexts = {}
    if stack.toxiproxy:
        contexts["toxiproxy"] = {"driver": "toxiproxy", "api": stack.toxiproxy,
                                 "links": list(stack.links)}
    if stack.docker_host:
        contexts["docker"] = {"driver": "docker", "project": stack.compose_project or PROJECT,
                              "host": stack.docker_host}
    return contexts


def driver(context: dict) -> Driver:
    name = context["driver"]
    if name == "toxiproxy":
        api = urlsplit(context["api"])
        return ToxiproxyDriver(Links(api.hostname, api.port or 80, context.get("links")))
    if name == "docker":
        return DockerDriver(DockerPlatform(context["project"], context["host"]))
    if name == "process":
        return ProcessDriver(LocalPlatform(root=Path(context["state_dir"])))
    raise ValueError(f"unknown fault driver {name!r}")
