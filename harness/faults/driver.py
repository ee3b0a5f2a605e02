"""What every fault driver offers. A driver changes the stack through one
channel (Toxiproxy, the Docker engine, the OS) and can always take back what
it did: `plan` computes how to undo a fault before anything changes (that
goes to the journal), `apply` changes the stack, `revert` undoes it and is
harmless when repeated or when the fault never fully happened.

A driver declares itself in its own module (DriverSpec: its kinds, and how it
is built from a context alone, so `harness reset` can rebuild it from a
journal entry in another process); faults/registry.py collects them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from harness.faults.fault import Fault
from harness.faults.kinds import FaultKind


class Driver(ABC):
    name: str

    def check(self) -> None:  # noqa: B027 (a hook: a driver with nothing to ask keeps it)
        """Raise a HarnessError saying why when the driver's channel to the stack
        (an API, an engine) does not answer; a run on a stack it did not start
        asks this before it begins."""

    @abstractmethod
    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        """How to undo the fault (JSON-able), found before anything changes."""

    @abstractmethod
    def apply(self, kind: FaultKind, params: dict, undo: dict) -> dict | None:
        """Inject the fault; what the driver has to say about it for the
        fault_injected event (JSON-able; None: nothing)."""

    @abstractmethod
    def revert(self, undo: dict) -> dict | None:
        """Undo the fault; harmless if already undone. What the driver has to
        say about it for the fault_reverted event, as apply."""

    def probes(self) -> dict[str, Callable[[], str]]:
        """Health probes this driver can ask, by component: each answers as
        harness.platforms.health.probe does ('healthy', 'unhealthy: why', 'down: why')."""
        return {}

    @abstractmethod
    def reset(self) -> list[str]:
        """Take back every fault of this driver on the stack, journalled or not;
        what was done, one line each."""


@dataclass(frozen=True)
class DriverSpec:
    """A fault driver as the registry knows it."""

    name: str  # what a stack's contexts are keyed by, and a context's "driver"
    kinds: tuple[FaultKind, ...]  # the kinds of fault it carries out
    build: Callable[[dict], Driver]  # the driver from its context (a JSON-able dict)
