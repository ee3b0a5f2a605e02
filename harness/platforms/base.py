"""What every platform offers. Its declaration (PlatformSpec: its name, the
fault drivers it offers, its stack descriptor, whether kickoff manages it)
goes in the registry; a platform kickoff manages also brings the stack up and
down, reports, and acts on one component (the handle faults use)."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harness.platforms import health
from harness.platforms.stack import Stack
from harness.spec.errors import InvalidInput
from kickoff_stack.sizes import NORMAL, SIZES

UP_TIMEOUT = 90.0
STACK_SIZES = tuple(SIZES)  # the sizes of the reference stack (kickoff_stack.sizes)


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    handle: str  # pid or container, "-" when not running
    port: int | None  # its health check's port
    health: str


def _no_contexts() -> list[dict]:
    return []


@dataclass(frozen=True)
class PlatformSpec:
    """A platform as the registry knows it, declared in the platform's module."""

    name: str
    description: str  # one line, for the CLI's help
    drivers: dict[str, str]  # fault drivers it can offer: "" always, else what its stack needs
    stack: Callable[[Path | None], Stack]  # its stack descriptor (read from a targets file?)
    reads_targets: bool = False  # whether its stack is described by a targets file
    manager: Callable[[], Platform] | None = None  # None: kickoff never brings it up or down
    sizes: tuple[str, ...] = ()  # the stack sizes its manager can bring the stack to
    # Its drivers' contexts where it has something on this machine now (for
    # `harness reset`, which must find faults no journal names).
    running_contexts: Callable[[], list[dict]] = _no_contexts

    @property
    def managed(self) -> bool:
        return self.manager is not None


def state_dir() -> Path:
    """Where platforms keep what they started, shared by every shell of the user."""
    configured = os.environ.get("KICKOFF_STATE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "kickoff"


def live_targets_dir(state: Path | None = None) -> Path:
    """Where runs announce their live /metrics, one file each in Prometheus'
    file-based discovery format (harness.outputs.live_targets), so that the
    stack's Prometheus scrapes them; `state`: a state folder, else the user's."""
    return (state or state_dir()) / "live-targets"


def stack_size(size: str | None) -> str:
    """A size the stack has (None: normal); InvalidInput for any other."""
    size = size or NORMAL
    if size not in SIZES:
        raise InvalidInput(f"unknown stack size {size!r} (choose from {', '.join(SIZES)})")
    return size


class Platform(ABC):
    """A stack kickoff brings up and down: local processes or Docker containers."""

    name: str
    stack: Stack
    # Whether a supervisor of its own starts a killed component again, after
    # `restart_after` seconds (which `up` takes); else `restarts` says what does.
    supervised: bool = False
    restart_after: float | None = None
    restarts: str = "it starts killed components again its own way"

    def supervision(self) -> str | None:
        """What its supervisor is doing, for `harness stack status` (None: none runs)."""
        return None

    @abstractmethod
    def up(self, size: str | None = None) -> None:
        """Start whatever is not running at `size` (default normal; a stack
        running at another size is brought to this one) and wait until every
        component is healthy."""

    @abstractmethod
    def size(self) -> str | None:
        """The size the stack runs at; None when nothing of it runs."""

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds each running component has used so far, by component
        (none: the platform cannot tell)."""
        return {}

    def cpu_limits(self) -> dict[str, float | None]:
        """Each component's CPU quota in cores (None: none), by component."""
        return {}

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
        return [
            ComponentStatus(name, handles.get(name, "-"), urlsplit(check).port, health.probe(check))
            for name, check in self.stack.checks.items()
        ]

    def wait_healthy(self, timeout: float = UP_TIMEOUT) -> None:
        health.require_healthy(self.stack.checks, timeout, f"the {self.name} stack")
