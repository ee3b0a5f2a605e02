"""Random mode: a seeded chaos monkey. A `random` fault becomes concrete
faults before the run starts: every `every` inside its window (at .. at + for,
or to the end), one kind from its list and one target that kind can hit,
lasting `lasting`. The same seed gives the same faults, so a run that found
something can be run again. Targets come from the run's stack descriptor:
on an external stack, only what its targets file names."""

from __future__ import annotations

import random

from harness.faults.kinds import RANDOM
from harness.faults.registry import KINDS, RANDOM_PARAMS
from harness.platforms.stack import Stack
from harness.scenario import Fault, Scenario
from harness.spec.document import Document


def targets(kind: str, pool: str, stack: Stack) -> list[str]:
    """What a fault of `kind` may hit in `pool` ("any", "zone:<zone>" or one
    name) on `stack`: links for a link kind; for a component kind, the
    components random mode may pick (never the fault tools' own parts)."""
    found = _pool(KINDS[kind].hits == "link", pool, stack)
    # Only targets the kind's driver can hit with the params random mode gives it.
    return [
        target
        for target in found
        if not KINDS[kind].problems_on(target, KINDS[kind].picked, stack.contexts)
    ]


def _pool(hits_link: bool, pool: str, stack: Stack) -> list[str]:
    links = [link.name for link in stack.links]
    if pool == "any":
        return links if hits_link else [c.name for c in stack.components if c.picked]
    if pool.startswith("zone:"):
        members = stack.zones.get(pool.removeprefix("zone:"), ())
        return (
            [link.name for link in stack.links if link.target in members]
            if hits_link
            else list(members)
        )
    return [pool] if (pool in links) == hits_link else []


def expand(scenario: Scenario, stack: Stack) -> tuple[Fault, ...]:
    """The scenario's faults with every random one replaced by its picks on `stack`."""
    faults: list[Fault] = []
    for fault in scenario.faults:
        if fault.kind != RANDOM:
            faults.append(fault)
            continue
        document = Document(f"params of {fault.name}", fault.params, {})
        params = RANDOM_PARAMS.read(fault.params, (), document)
        document.check()
        assert params is not None  # None comes with a problem, and check() raised it
        rng = random.Random(f"{scenario.seed}:{fault.name}")
        end = fault.at + fault.duration if fault.duration else scenario.timeline.end
        lasting = params.get("lasting", params["every"] / 2)
        at, number = fault.at, 1
        while at < end:
            choices = [
                (kind, target)
                for kind in params["kinds"]
                for target in targets(kind, fault.target, stack)
            ]
            if choices:
                kind, target = rng.choice(choices)
                faults.append(
                    Fault(
                        f"{fault.name}-{number}",
                        kind,
                        target,
                        at,
                        min(lasting, end - at),
                        dict(KINDS[kind].picked),
                        fault.recover_within,
                    )
                )
                number += 1
            at += params["every"]
    return tuple(faults)
