"""The faults of a sweep: each component of the stack killed and each link
cut, one at a time, from the run's stack descriptor (on an external
platform: what its targets file names, with the drivers it offers).

The targets are those random mode may hit (harness.run.chaos.targets:
never the fault tools' own parts); the kind is the first the stack offers
that takes a component, or a link, out of service for the fault's whole
duration (harness.faults.registry.outage_kind: a kill held down, a cut),
undone at its revert, so every component is lost for the same time whatever
its platform would do by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.faults.registry import outage_kind
from harness.platforms.stack import Stack
from harness.run.chaos import targets
from harness.scenario import Fault
from harness.spec.errors import InvalidInput

VERBS = {"component": "kill", "link": "cut"}


@dataclass(frozen=True)
class SweepFault:
    """One fault of the sweep: what it hits and how."""

    target: str
    kind: str
    hits: str  # "component" or "link"

    @property
    def name(self) -> str:
        """The fault's name in its run (kill-redis, cut-edge-origin-a)."""
        return f"{VERBS[self.hits]}-{self.target}"

    def fault(self, at: float, duration: float) -> Fault:
        """The scenario fault: injected at `at` match seconds for `duration`."""
        return Fault(self.name, self.kind, self.target, at, duration, {})


def sweep_faults(stack: Stack, only: Sequence[str] = ()) -> list[SweepFault]:
    """Every component kill, then every link cut, the stack allows; `only`:
    just those targets, in the stack's order (InvalidInput for a name the
    stack does not have, or has no driver to break)."""
    faults = []
    for hits in ("component", "link"):
        kind = outage_kind(stack.drivers, hits)
        if kind is not None:
            faults += [
                SweepFault(target, kind.name, hits) for target in targets(kind.name, "any", stack)
            ]
    if not only:
        return faults
    offered = {fault.target for fault in faults}
    problems = [_unknown(name, stack, offered) for name in only if name not in offered]
    if problems:
        raise InvalidInput("\n".join(problems))
    return [fault for fault in faults if fault.target in only]


def _unknown(name: str, stack: Stack, offered: set[str]) -> str:
    """Why `name` cannot be one of the sweep's targets, in one line."""
    components = [c.name for c in stack.components]
    if name in components or stack.link(name) is not None:
        return (
            f"--only: {name}: the sweep cannot break it here (a part of the fault tools, "
            f"or no fault driver for it on platform {stack.platform}); it can break: "
            f"{', '.join(sorted(offered)) or 'nothing'}"
        )
    return (
        f"--only: no component or link {name!r} in the stack (components: "
        f"{', '.join(components) or 'none'}; links: "
        f"{', '.join(link.name for link in stack.links) or 'none'})"
    )
