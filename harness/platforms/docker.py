"""The stack as containers: compose/docker-compose.yml on a Docker engine.

Compose (v2 `docker compose` or v1 `docker-compose`) brings the project up
and down; the docker SDK finds, signals and starts the project's containers,
always by the project's label, so nothing outside the stack is touched. The
stack's size is the project's KICKOFF_STACK_SIZE (a label on every
container, so compose recreates them when it changes); its CPU and memory
quotas are set on the containers once they run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from harness.platforms import images
from harness.platforms.base import (
    STACK_SIZES,
    Platform,
    PlatformSpec,
    live_targets_dir,
    stack_size,
)
from harness.platforms.reference import (
    TOXIPROXY_API,
    reference_stack,
    toxiproxy_context,
    wait_observers,
)
from harness.platforms.stack import Stack
from harness.spec.errors import HarnessError, InfrastructureMissing
from harness.spec.paths import COMPOSE_DIR
from kickoff_stack.sizes import NORMAL, SIZE_ENV, limits

if TYPE_CHECKING:  # the SDK is loaded when a container is first asked for (images.engine)
    import docker
    from docker.models.containers import Container
    from docker.models.networks import Network

log = logging.getLogger(__name__)
PROJECT = "kickoff"
PROJECT_LABEL = "com.docker.compose.project"
COMPONENT_LABEL = "kickoff.component"
OBSERVER_LABEL = "kickoff.observer"  # the exporters and Prometheus: they watch, faults skip them
OBSERVERS_READY = 60.0  # seconds for the observers to answer once compose started them
SERVICE_LABEL = "com.docker.compose.service"
SIZE_LABEL = "kickoff.size"
CPU_PERIOD_US = 100_000
DOWN_ARGS = ("down", "--volumes", "--remove-orphans", "--timeout", "5")
ACTIVE_ENDPOINTS = "has active endpoints"  # the engine's words for a network still in use
NETWORK_RELEASE = 5.0  # seconds for the engine to let go of a network's last endpoint


def compose_command() -> list[str]:
    """`docker compose` when the v2 plugin is there, else `docker-compose` v1."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise InfrastructureMissing(
        "neither `docker compose` nor `docker-compose` is installed "
        "(install: apt-get install -y docker-compose)"
    )


class DockerPlatform(Platform):
    name = "docker"
    restarts = "Docker restarts containers by their restart policy"

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

    def _compose(self, *args: str, size: str = NORMAL) -> None:
        command = compose_command() + [
            "-p",
            self.project,
            "-f",
            str(COMPOSE_DIR / "docker-compose.yml"),
            *args,
        ]
        env = dict(
            os.environ,
            KICKOFF_TOXIPROXY_IMAGE=images.toxiproxy_image(self.client),
            KICKOFF_STACK_IMAGE=images.stack_image(),
            KICKOFF_LIVE_TARGETS=str(live_targets_dir().resolve()),
            **{SIZE_ENV: size},
        )
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-8:])
            raise HarnessError(f"`{' '.join(command[:2])} {' '.join(args)}` failed:\n{tail}")

    def containers(self) -> dict[str, Container]:
        """The project's containers (running or not), by component: not its observers."""
        found = self.client.containers.list(all=True, filters={"label": self._label()})
        # Our label first; an external compose stack's service name otherwise.
        return {
            c.labels.get(COMPONENT_LABEL) or c.labels.get(SERVICE_LABEL, c.name): c
            for c in found
            if OBSERVER_LABEL not in c.labels
        }

    def container(self, component: str) -> Container:
        """One component's container, asked of the engine by label (a fault's
        moment waits on it: inspecting only it is several times faster)."""
        for key in (COMPONENT_LABEL, SERVICE_LABEL):  # as containers() names them
            labels = [self._label(), f"{key}={component}"]
            found = self.client.containers.list(all=True, filters={"label": labels})
            found = [c for c in found if OBSERVER_LABEL not in c.labels]
            if found:
                return found[0]
        raise HarnessError(f"{component} has no container in project {self.project!r}")

    def handles(self) -> dict[str, str]:
        return {
            name: f"{c.name} ({c.short_id})"
            for name, c in self.containers().items()
            if c.status == "running"
        }

    def is_managed(self) -> bool:
        return bool(self.containers())

    def up(self, size: str | None = None) -> None:
        size = stack_size(size)
        absent = images.missing(self.client)
        if absent:
            log.info("images missing (%s): building them", ", ".join(absent))
            images.build()
        live_targets_dir().mkdir(parents=True, exist_ok=True)  # compose mounts it
        self._compose("up", "-d", "--no-build", "--timeout", "5", size=size)
        self.wait_healthy()
        self._set_quotas(size)  # once started: a quota would slow its start
        wait_observers(
            OBSERVERS_READY, f"docker logs {self.project}-prometheus-1 and the exporters'"
        )

    def _set_quotas(self, size: str) -> None:
        """The size's CPU and memory quotas on its containers (compose made
        them with the file's own limits)."""
        for name, container in self.containers().items():
            allowed = limits(size, name)
            quotas: dict[str, object] = {}
            if allowed.cpus:
                quotas.update(
                    cpu_period=CPU_PERIOD_US, cpu_quota=round(allowed.cpus * CPU_PERIOD_US)
                )
            if allowed.memory:
                quotas.update(mem_limit=allowed.memory, memswap_limit=allowed.memory)
            if quotas:
                container.update(**quotas)

    def size(self) -> str | None:
        sizes = [
            c.labels[SIZE_LABEL]
            for c in self.containers().values()
            if c.status == "running" and SIZE_LABEL in c.labels
        ]
        return sizes[0] if sizes else None

    def cpu_seconds(self) -> dict[str, float]:
        running = {name: c for name, c in self.containers().items() if c.status == "running"}
        # All at once: the engine answers each with its next sample, up to a second away.
        with ThreadPoolExecutor(max_workers=max(1, len(running))) as pool:
            counters = dict(zip(running, pool.map(_cpu_counter, running.values()), strict=True))
        return {name: seconds for name, seconds in counters.items() if seconds is not None}

    def cpu_limits(self) -> dict[str, float | None]:
        found = {}
        for name, container in self.containers().items():
            config = container.attrs["HostConfig"]
            quota, period = config.get("CpuQuota") or 0, config.get("CpuPeriod") or CPU_PERIOD_US
            nano = config.get("NanoCpus") or 0
            found[name] = quota / period if quota > 0 else nano / 1e9 if nano else None
        return found

    def down(self) -> None:
        try:
            self._compose(*DOWN_ARGS)
            failed = False
        except HarnessError as error:
            if ACTIVE_ENDPOINTS not in str(error):
                raise
            failed = True  # compose v1 stops at such a network, its containers removed
        for name in self._release_networks():
            log.warning(
                "network %s stays: the engine counts an endpoint on it that no container "
                "has (a Docker engine fault, moby#42119). It is empty and the next `stack up` "
                "reuses it; restarting the engine clears the count.",
                name,
            )
        if failed:  # what compose v1 does after the networks
            from docker.errors import APIError

            for volume in self.client.volumes.list(filters={"label": self._label()}):
                try:
                    volume.remove(force=True)
                except APIError as error:
                    raise HarnessError(
                        f"cannot remove volume {volume.name}: {error.explanation}"
                    ) from None

    def _label(self) -> str:
        return f"{PROJECT_LABEL}={self.project}"

    def _release_networks(self) -> list[str]:
        """Remove the project's networks, disconnecting whatever still joins them
        (a container from outside the stack); the names of those the engine keeps."""
        deadline = time.monotonic() + NETWORK_RELEASE
        kept = []
        for network in self.client.networks.list(filters={"label": self._label()}):
            while not _removed(network):
                if time.monotonic() > deadline:
                    kept.append(network.name)
                    break
                time.sleep(0.2)  # the engine may free an endpoint on its own, and says nothing
        return kept

    def kill(self, component: str, signal_name: str = "SIGKILL") -> None:
        from docker.errors import APIError

        try:
            self.container(component).kill(signal=signal_name)
        except APIError as error:
            raise HarnessError(f"cannot signal {component}: {error.explanation}") from None

    def start(self, component: str) -> None:
        from docker.errors import APIError

        try:
            self.container(component).start()
        except APIError as error:
            raise HarnessError(f"cannot start {component}: {error.explanation}") from None


def _removed(network: Network) -> bool:
    """One try at removing a network after disconnecting what joins it; False
    while the engine still counts an endpoint on it."""
    from docker.errors import APIError, NotFound

    try:
        network.reload()
        for endpoint in network.attrs.get("Containers") or {}:
            log.warning("disconnecting %s from network %s to remove it", endpoint, network.name)
            with contextlib.suppress(NotFound):
                network.disconnect(endpoint, force=True)
        network.remove()
    except NotFound:
        return True
    except APIError as error:
        if ACTIVE_ENDPOINTS not in str(error.explanation):
            raise HarnessError(
                f"cannot remove network {network.name}: {error.explanation}"
            ) from None
        return False
    return True


def _cpu_counter(container: Container) -> float | None:
    """The container's CPU seconds so far; None if it is gone since it was listed."""
    from docker.errors import APIError

    try:
        stats = container.stats(stream=False, one_shot=True)
        return stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9
    except (APIError, KeyError):
        return None


def docker_stack(targets: Path | None = None) -> Stack:
    """The reference stack as containers (a docker stack reads no targets file)."""
    return reference_stack(
        "docker",
        {
            "toxiproxy": {"driver": "toxiproxy", "api": TOXIPROXY_API},
            "docker": {"driver": "docker", "project": PROJECT, "host": None},
        },
    )


def _running_contexts() -> list[dict]:
    try:
        managed = DockerPlatform().is_managed()
    except InfrastructureMissing:
        managed = False  # no Docker engine: no container of the stack to reset
    return toxiproxy_context() + ([docker_stack().contexts["docker"]] if managed else [])


PLATFORM = PlatformSpec(
    name="docker",
    description="the reference stack as containers on this machine's Docker engine",
    drivers={"toxiproxy": "", "docker": ""},
    stack=docker_stack,
    manager=DockerPlatform,
    sizes=STACK_SIZES,
    running_contexts=_running_contexts,
)
