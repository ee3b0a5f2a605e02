"""What every platform offers: bring the stack up and down, report, and act on
one component (the handle faults use)."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from kickoff_stack.topology import COMPONENTS

from harness import health
from harness.errors import InfrastructureMissing

UP_TIMEOUT = 90.0


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    handle: str  # pid or container, "-" when not running
    port: int
    health: str


def state_dir() -> Path:
    """Where platforms keep what they started, shared by every shell of the user."""
    configured = os.environ.get("KICKOFF_STATE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "kickoff"


class Platform(ABC):
    """A place the reference stack runs: local processes or Docker containers."""

    name: str

    @abstractmethod
    def up(self) -> None:
        """Start whatever is not running and wait until every component is healthy."""

    @abstractmethod
    def down(self) -> None:
        """Stop and remove everything this platform started, and nothing else."""

    @abstractmethod
    def handles(self) -> dict[str, str]:
        """The running components' handles (pid or container), by component."""

    @abstractmethod
    def kill(self, component: str, signal_name: str = "SIGKILL") -> None:
        """Send a signal to a component (its whole process group or container)."""

    @abstractmethod
    def start(self, component: str) -> None:
        """Start one component that is not running."""

    def is_managed(self) -> bool:
        """Whether this platform has started anything that is still there."""
        return bool(self.handles())

    def status(self) -> list[ComponentStatus]:
        handles = self.handles()
        return [ComponentStatus(c.name, handles.get(c.name, "-"), c.port, health.probe(c.name))
                for c in COMPONENTS]

    def wait_healthy(self, timeout: float = UP_TIMEOUT) -> None:
        results = health.wait_healthy((c.name for c in COMPONENTS), timeout)
        sick = {name: r for name, r in results.items() if r != "healthy"}
        if sick:
            detail = ", ".join(f"{name} {r}" for name, r in sick.items())
            raise InfrastructureMissing(
                f"the {self.name} stack did not become healthy within {timeout:.0f}s: {detail}")
