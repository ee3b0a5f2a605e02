"""Container faults through the Docker engine, on the target compose project's
containers only (found by its labels: a container outside it is never touched).
Its context is the Docker engine (None: this machine's) and the project.

container-kill signals the container's main process from this machine as a
crash would when /proc proves the engine's PID is that process here
(faults/container_process.py); otherwise the engine sends the signal, which
restart policies take as an operator's stop.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from harness.faults.container_process import signal_main_process
from harness.faults.driver import Driver, DriverSpec
from harness.faults.fault import Fault
from harness.faults.kinds import SIGNAL, FaultKind, no_params
from harness.faults.together import all_at_once
from harness.platforms.docker import DockerPlatform
from harness.spec.document import Where
from harness.spec.errors import HarnessError
from harness.spec.fields import Number, Record, Text, Time

if TYPE_CHECKING:  # the SDK loads with the platform's client
    from docker.models.containers import Container

ZONE_LABEL = "kickoff.zone"
UNLIMITED_CPU = -1  # CpuQuota -1: no limit (0 would mean "leave as it is")


def _memory_bytes(text: str) -> int:
    units = {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


class DockerDriver(Driver):
    name = "docker"

    def __init__(self, platform: DockerPlatform) -> None:
        self.platform = platform

    def check(self) -> None:
        self.platform.client.ping()  # connects first, or says which piece is missing

    def _targets(self, target: str) -> dict[str, Container]:
        containers = self.platform.containers()
        if target.startswith("zone:"):
            zone = target.removeprefix("zone:")
            found = {n: c for n, c in containers.items() if c.labels.get(ZONE_LABEL) == zone}
        else:
            found = {n: c for n, c in containers.items() if n == target}
        if not found:
            raise HarnessError(
                f"{target} has no container in compose project {self.platform.project!r}"
            )
        return found

    def _container(self, container_id: str) -> Container | None:
        """One of the project's containers by id, or None (gone, or not the project's)."""
        from docker.errors import NotFound

        try:
            container = self.platform.client.containers.get(container_id)
        except NotFound:
            return None
        return container if self.platform.owns(container) else None

    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        containers = self._targets(fault.target)
        return {
            "kind": kind.name,
            "containers": {n: c.id for n, c in containers.items()},
            **_KINDS[kind.name].planned(containers, params),
        }

    def apply(self, kind: FaultKind, params: dict, undo: dict) -> None:
        # A zone's containers all at once: its last one goes down with its first.
        all_at_once(
            [
                partial(self._apply_to, kind, params, container_id, undo)
                for container_id in undo["containers"].values()
            ]
        )

    def _apply_to(self, kind: FaultKind, params: dict, container_id: str, undo: dict) -> None:
        container = self._container(container_id)
        if container is None:
            raise HarnessError(f"container {container_id[:12]} is gone")
        from docker.errors import APIError

        try:
            _KINDS[kind.name].inject(self.platform, container, params, undo)
        except APIError as error:
            raise HarnessError(f"{kind.name} on {container.name}: {error.explanation}") from None

    def revert(self, undo: dict) -> None:
        all_at_once(
            [
                partial(self._revert_to, undo, container_id)
                for container_id in undo["containers"].values()
            ]
        )

    def _revert_to(self, undo: dict, container_id: str) -> None:
        container = self._container(container_id)
        if container is not None:
            from docker.errors import APIError

            try:
                _KINDS[undo["kind"]].undo(self.platform, container, undo)
            except APIError as error:
                raise HarnessError(
                    f"reverting {undo['kind']} on {container.name}: {error.explanation}"
                ) from None

    def reset(self) -> list[str]:
        done = []
        for name, container in self.platform.containers().items():
            container.reload()
            if container.status == "paused":
                container.unpause()
                done.append(f"docker: unpaused {name}")
            elif container.status in ("exited", "created"):
                container.start()
                done.append(f"docker: started {name}")
            network = self.platform.network_name()
            if network not in container.attrs["NetworkSettings"]["Networks"]:
                self.platform.client.networks.get(network).connect(container, aliases=[name])
                done.append(f"docker: reconnected {name} to {network}")
            if container.attrs["HostConfig"]["CpuQuota"] not in (0, UNLIMITED_CPU):
                container.update(cpu_quota=UNLIMITED_CPU)
                done.append(f"docker: lifted the CPU limit of {name}")
        return done


@dataclass(frozen=True)
class ContainerKind(FaultKind):
    """A kind the docker driver carries out: what it does to each container
    (inject), what it must note first to undo that (planned), and the undo.
    By default the undo starts the container if it does not run."""

    def planned(self, containers: dict[str, Container], params: dict) -> dict:
        return {}

    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        raise NotImplementedError

    def undo(self, platform: DockerPlatform, container: Container, undo: dict) -> None:
        if container.status not in ("running", "restarting", "paused"):
            container.start()  # it runs again at the latest now


class ContainerKill(ContainerKind):
    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        signal_name = params.get("signal", "SIGKILL")
        pid = container.attrs["State"]["Pid"]
        if not signal_main_process(container.id, pid, signal.Signals[signal_name]):
            container.kill(signal=signal_name)  # not provably this machine's process


class ContainerStop(ContainerKind):
    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        container.stop(timeout=round(params.get("grace", 1)))


class ContainerRestart(ContainerKind):
    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        container.restart(timeout=1)


class ContainerPause(ContainerKind):
    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        container.pause()

    def undo(self, platform: DockerPlatform, container: Container, undo: dict) -> None:
        if container.status == "paused":
            container.unpause()


class NetworkDisconnect(ContainerKind):
    def planned(self, containers: dict[str, Container], params: dict) -> dict:
        return {
            "networks": {
                c.id: {
                    net: (info.get("Aliases") or [])
                    for net, info in c.attrs["NetworkSettings"]["Networks"].items()
                }
                for c in containers.values()
            }
        }

    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        for network in undo["networks"][container.id]:
            platform.client.networks.get(network).disconnect(container, force=True)

    def undo(self, platform: DockerPlatform, container: Container, undo: dict) -> None:
        connected = container.attrs["NetworkSettings"]["Networks"]
        for network, aliases in undo["networks"][container.id].items():
            if network not in connected:
                platform.client.networks.get(network).connect(container, aliases=aliases)


class ResourceSqueeze(ContainerKind):
    def params_problems(self, params: dict) -> list[tuple[Where, str]]:
        return (
            []
            if {"cpus", "memory"} & set(params)
            else [((), "resource-squeeze needs cpus, memory or both")]
        )

    def planned(self, containers: dict[str, Container], params: dict) -> dict:
        unlimited = [n for n, c in containers.items() if not c.attrs["HostConfig"]["Memory"]]
        if "memory" in params and unlimited:
            raise HarnessError(
                f"cannot squeeze the memory of {', '.join(unlimited)}: it has "
                f"no memory limit to go back to (give it mem_limit)"
            )
        return {
            "resources": {
                c.id: {
                    k: c.attrs["HostConfig"][k]
                    for k in ("CpuPeriod", "CpuQuota", "Memory", "MemorySwap")
                }
                for c in containers.values()
            }
        }

    def inject(
        self, platform: DockerPlatform, container: Container, params: dict, undo: dict
    ) -> None:
        limits: dict = {}
        if "cpus" in params:
            limits.update(cpu_period=100_000, cpu_quota=round(params["cpus"] * 100_000))
        if "memory" in params:
            memory = _memory_bytes(params["memory"])
            limits.update(mem_limit=memory, memswap_limit=memory)
        container.update(**limits)

    def undo(self, platform: DockerPlatform, container: Container, undo: dict) -> None:
        previous = undo["resources"][container.id]
        container.update(
            cpu_period=previous["CpuPeriod"] or 100_000,
            cpu_quota=previous["CpuQuota"] or UNLIMITED_CPU,
            **(
                {"mem_limit": previous["Memory"], "memswap_limit": previous["MemorySwap"]}
                if previous["Memory"]
                else {}
            ),
        )


KINDS = (
    ContainerKill(
        "container-kill",
        "docker",
        "component",
        True,
        Record("container-kill params", {"signal": SIGNAL}),
        "sends a signal to the container; its restart policy decides whether it comes back",
    ),
    ContainerStop(
        "container-stop",
        "docker",
        "component",
        False,
        Record(
            "container-stop params",
            {"grace": Time("how long docker waits before SIGKILL (default 1s)", duration=True)},
        ),
        "stops the container (started again at revert)",
        outage=True,
    ),
    ContainerRestart(
        "container-restart",
        "docker",
        "component",
        True,
        no_params("container-restart takes no params"),
        "restarts the container",
    ),
    ContainerPause(
        "container-pause",
        "docker",
        "component",
        False,
        no_params("container-pause takes no params"),
        "freezes the container (a hung machine)",
    ),
    NetworkDisconnect(
        "network-disconnect",
        "docker",
        "component",
        False,
        no_params("network-disconnect takes no params"),
        "disconnects the container from its network (a dead NIC)",
    ),
    ResourceSqueeze(
        "resource-squeeze",
        "docker",
        "component",
        False,
        Record(
            "resource-squeeze params",
            {
                "cpus": Number("CPUs the container may use", above=0),
                "memory": Text(
                    "memory limit, e.g. 64m or 1g",
                    pattern="^[0-9]+[bkmg]?$",
                    rule="a memory size like 64m or 1g",
                ),
            },
        ),
        "squeezes the container's CPU and memory",
        {"cpus": 0.1, "memory": "64m"},
    ),
)
_KINDS: dict[str, ContainerKind] = {kind.name: kind for kind in KINDS}  # journals name kinds
DRIVER = DriverSpec(
    "docker",
    KINDS,
    lambda context: DockerDriver(DockerPlatform(context["project"], context["host"])),
)
