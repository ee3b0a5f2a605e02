"""A fault as a scenario plans it: what, where, when and for how long.

It lives with the faults, not the scenario, so the drivers that take one and
the scenario that declares them import in one direction only."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_RECOVERY_BUDGET = 30.0  # seconds a fault's recovery may take, unless it says otherwise


@dataclass(frozen=True)
class Fault:
    name: str
    kind: str
    target: str  # a component or link name
    at: float  # match seconds
    duration: float | None  # YAML `for`; None: until the end
    params: dict
    recover_within: float = DEFAULT_RECOVERY_BUDGET  # seconds the stack may take to recover
