"""The stack as containers: compose/docker-compose.yml on a Docker engine.

Compose (v2 `docker compose` or v1 `docker-compose`) brings the project up
and down; the docker SDK finds, signals and starts the project's containers,
always by the project's label, so nothing outside the stack is touched.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import docker
from docker.errors import APIError
from docker.models.containers import Container

from harness.platforms import images
from harness.errors import HarnessError, InfrastructureMissing
from harness.paths import COMPOSE_DIR
from harness.platforms.base import Platform, PlatformSpec
from harness.platforms.reference import TOXIPROXY_API, reference_stack, toxiproxy_context
from harness.platforms.stack import Stack

log = logging.getLogger(__name__)
PROJECT = "kickoff"
PROJECT_LABEL = "com.docker.compose.project"
COMPONENT_LABEL = "kickoff.component"
SERVICE_LABEL = "com.docker.compose.service"


def compose_command() -> list[str]:
    """`docker compose` when the v2 plugin is there, else `docker-compose` v1."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise InfrastructureMissing("neither `docker compose` nor `docker-compose` is installed "
                                "(install: apt-get install -y docker-compose)")


class DockerPlatform(Platform):
    name = "docker"

    def __init__(self, project: str = PROJECT, host: str | None = None) -> None:
        self.project = project  # another compose project: an external stack's
        self.host = host  # None: DOCKER_HOST or the local engine
        self._client: docker.DockerClient | None = None
        self.stack = docker_stack()

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = images.engine(host=self.host)
        return self._client

    def owns(self, container: Container) -> bool:
        """Whether a container belongs to the stack (faults touch nothing else)."""
        return container.labels.get(PROJECT_LABEL) == self.project

    def network_name(self) -> str:
        return f"{self.project}_default"

    def _compose(self, *args: str) -> None:
        command = compose_command() + ["-p", self.project, "-f", str(COMPOSE_DIR / "docker-compose.yml"),
                                       *args]
        env = dict(os.environ, KICKOFF_TOXIPROXY_IMAGE=images.toxiproxy_image(self.client),
                   KICKOFF_STACK_IMAGE=images.stack_image())
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-8:])
            raise HarnessError(f"`{' '.join(command[:2])} {' '.join(args)}` failed:\n{tail}")

    def containers(self) -> dict[str, Container]:
        """The project's containers (running or not), by component."""
        found = self.client.containers.list(all=True,
                                            filters={"label": f"{PROJECT_LABEL}={self.project}"})
        # Our label first; an external compose stack's service name otherwise.
        return {c.labels.get(COMPONENT_LABEL) or c.labels.get(SERVICE_LABEL, c.name): c
                for c in found}

    def container(self, component: str) -> Container:
        try:
            return self.containers()[component]
        except KeyError:
            raise HarnessError(f"{component} has no container in project {self.project!r}") \
                from None

    def handles(self) -> dict[str, str]:
        return {name: f"{c.name} ({c.short_id})" for name, c in self.containers().items()
                if c.status == "running"}

    def is_managed(self) -> bool:
        return bool(self.containers())

    def up(self) -> None:
        absent = images.missing(self.client)
        if absent:
            log.info("images missing (%s): building them", ", ".join(absent))
            images.build()
        self._compose("up", "-d", "--no-build")
        self.wait_healthy()

    def down(self) -> None:
        self._compose("down", "--volumes", "--remove-orphans", "--timeout", "5")

    def kill(self, component: str, signal_name: str = "SIGKILL") -> None:
        try:
            self.container(component).kill(signal=signal_name)
        except APIError as error:
            raise HarnessError(f"cannot signal {component}: {error.explanation}") from None

    def start(self, component: str) -> None:
        try:
            self.container(component).start()
        except APIError as error:
            raise HarnessError(f"cannot start {component}: {error.explanation}") from None


def docker_stack(targets: Path | None = None) -> Stack:
    """The reference stack as containers (a docker stack reads no targets file)."""
    return reference_stack("docker", {
        "toxiproxy": {"driver": "toxiproxy", "api": TOXIPROXY_API},
        "docker": {"driver": "docker", "project": PROJECT, "host": None}})


def _running_contexts() -> list[dict]:
    try:
        managed = DockerPlatform().is_managed()
    except InfrastructureMissing:
        managed = False  # no Docker engine: no container of the stack to reset
    return toxiproxy_context() + ([docker_stack().contexts["docker"]] if managed else [])


PLATFORM = PlatformSpec(
    name="docker", description="the reference stack as containers on this machine's Docker engine",
    drivers={"toxiproxy": "", "docker": ""}, stack=docker_stack, manager=DockerPlatform,
    running_contexts=_running_contexts)
