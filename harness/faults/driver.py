"""What every fault driver offers. A driver changes the stack through one
channel (Toxiproxy, the Docker engine, the OS) and can always take back what
it did: `plan` computes how to undo a fault before anything changes (that
goes to the journal), `apply` changes the stack, `revert` undoes it and is
harmless when repeated or when the fault never fully happened."""

from __future__ import annotations

from abc import ABC, abstractmethod

from harness.faults.kinds import FaultKind
from harness.scenario import Fault


class Driver(ABC):
    name: str

    @abstractmethod
    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        """How to undo the fault (JSON-able), found before anything changes."""

    @abstractmethod
    def apply(self, kind: FaultKind, params: dict, undo: dict) -> None:
        """Inject the fault."""

    @abstractmethod
    def revert(self, undo: dict) -> None:
        """Undo the fault; harmless if already undone."""

    @abstractmethod
    def reset(self) -> list[str]:
        """Take back every fault of this driver on the stack, journalled or not;
        what was done, one line each."""
