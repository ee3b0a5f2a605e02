"""Random mode: a seeded chaos monkey. A `random` fault becomes concrete
faults before the run starts: every `every` inside its window (at .. at + for,
or to the end), one kind from its list and one target that kind can hit,
lasting `lasting`. The same seed gives the same faults, so a run that found
something can be run again."""

from __future__ import annotations

import random

from kickoff_stack.topology import COMPONENTS, LINKS_BY_NAME, ZONES

from harness.faults.kinds import KINDS, RANDOM, RANDOM_PICK_PARAMS, RANDOM_PARAMS
from harness.document import Document
from harness.scenario import Fault, Scenario

# Toxiproxy carries every link and the harness's own fault reverts: never a pick.
NEVER_PICKED = ("toxiproxy",)


def _targets(kind: str, pool: str, links: list[str], components: list[str]) -> list[str]:
    hits_link = KINDS[kind].hits == "link"
    if pool == "any":
        return links if hits_link else components
    if pool.startswith("zone:"):
        members = ZONES.get(pool.removeprefix("zone:"), ())
        return [l for l in links if l.split("-", 1)[1] in members] if hits_link else list(members)
    return [pool] if (pool in links) == hits_link else []


def expand(scenario: Scenario) -> tuple[Fault, ...]:
    """The scenario's faults with every random one replaced by its picks."""
    links = list(LINKS_BY_NAME)
    components = [c.name for c in COMPONENTS if c.name not in NEVER_PICKED]
    faults: list[Fault] = []
    for fault in scenario.faults:
        if fault.kind != RANDOM:
            faults.append(fault)
            continue
        document = Document(f"params of {fault.name}", fault.params, {})
        params = RANDOM_PARAMS.read(fault.params, (), document)
        document.check()
        rng = random.Random(f"{scenario.seed}:{fault.name}")
        end = fault.at + fault.duration if fault.duration else scenario.timeline.end
        lasting = params.get("lasting", params["every"] / 2)
        at, number = fault.at, 1
        while at < end:
            choices = [(kind, target) for kind in params["kinds"]
                       for target in _targets(kind, fault.target, links, components)]
            if choices:
                kind, target = rng.choice(choices)
                faults.append(Fault(f"{fault.name}-{number}", kind, target, at,
                                    min(lasting, end - at), RANDOM_PICK_PARAMS.get(kind, {}),
                                    fault.recover_within))
                number += 1
            at += params["every"]
    return tuple(faults)
