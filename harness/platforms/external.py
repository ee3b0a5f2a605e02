"""Platform external: somebody's stack that kickoff neither starts nor stops,
described by a targets file (harness/platforms/targets.py). Its components and links
are only the names the file lists (and the targets of its commands); it offers
the fault drivers the file gives the means for (Toxiproxy's API, a Docker
engine and compose project, the operator's commands)."""

from __future__ import annotations

from pathlib import Path

from harness.platforms.base import PlatformSpec
from harness.platforms.docker import PROJECT
from harness.platforms.prometheus import ServerQueries
from harness.platforms.stack import Component, Link, Stack
from harness.platforms.targets import load_targets
from harness.spec.errors import InvalidInput


def external_stack(targets: Path | None) -> Stack:
    """The stack the targets file at `targets` describes; InvalidInput lists its problems."""
    if targets is None:
        raise InvalidInput(
            "platform external needs a targets file describing the stack (see docs/scenarios.md)"
        )
    described = load_targets(targets)
    contexts: dict[str, dict[str, object]] = {}
    if described.toxiproxy:
        contexts["toxiproxy"] = {
            "driver": "toxiproxy",
            "api": described.toxiproxy,
            "ca": described.toxiproxy_ca,
        }
    if described.docker_host:
        contexts["docker"] = {
            "driver": "docker",
            "host": described.docker_host,
            "project": described.compose_project or PROJECT,
        }
    if described.commands:
        contexts["command"] = {"driver": "command", "targets": described.commands}
    # A target of the operator's commands is a component faults may hit.
    names = dict.fromkeys([*described.components, *described.commands])
    return Stack(
        platform="external",
        edge=described.edge,
        toxiproxy=described.toxiproxy,
        components=tuple(Component(name) for name in names),
        links=tuple(Link(name) for name in described.links),
        contexts=contexts,
        allow_hosts=described.allow_hosts,
        journey=None,
        server=(
            ServerQueries(described.prometheus, described.server_metrics)
            if described.prometheus
            else None
        ),
    )


PLATFORM = PlatformSpec(
    name="external",
    description="a stack kickoff did not start, described by a targets file",
    drivers={
        "toxiproxy": "toxiproxy: in its targets file",
        "docker": "docker_host: in its targets file",
        "command": "commands: in its targets file",
    },
    stack=external_stack,
    reads_targets=True,
)
