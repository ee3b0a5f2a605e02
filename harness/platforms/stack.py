"""The stack a run targets, as one description every platform hands the run.

Where viewers enter (edge), where Toxiproxy's API is, the components (their
zone and health check), the links faults may hit, each fault driver's context
(what `harness reset` needs to rebuild the driver later) and the hosts traffic
may go to. Everything downstream of the platform (the run, health watch,
fault drivers, random mode, validation) reads this, never a topology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.platforms.hosts import allowed
from harness.platforms.prometheus import ServerQueries


@dataclass(frozen=True)
class Component:
    name: str
    zone: str | None = None  # the data-centre zone: a zone fault takes all of a zone at once
    check: str | None = None  # health-check URL (http(s)://... answers 2xx, redis://... PONGs)
    picked: bool = True  # whether random mode may pick it (not the fault tools' own parts)


@dataclass(frozen=True)
class Link:
    """A connection between components that faults can degrade or cut."""

    name: str  # the Toxiproxy proxy's name
    source: str | None = None  # the components at its ends, when the stack says so
    target: str | None = None


@dataclass(frozen=True)
class Stack:
    platform: str  # the registry name of the platform that built it
    edge: str | None  # base URL viewers' journeys use; None: the stack has no app API
    toxiproxy: str | None  # Toxiproxy's API URL
    components: tuple[Component, ...]
    links: tuple[Link, ...]
    contexts: dict[str, dict] = field(default_factory=dict)  # fault-driver contexts by driver
    allow_hosts: tuple[str, ...] = ()  # hosts besides this machine that traffic may go to
    journey: Path | None = None  # the platform's default journey file
    server: ServerQueries | None = None  # the platform's own figures a run reads each second

    @property
    def zones(self) -> dict[str, tuple[str, ...]]:
        """Components by zone, in component order."""
        zones: dict[str, tuple[str, ...]] = {}
        for c in self.components:
            if c.zone is not None:
                zones[c.zone] = zones.get(c.zone, ()) + (c.name,)
        return zones

    @property
    def drivers(self) -> tuple[str, ...]:
        """The fault drivers this stack offers."""
        return tuple(self.contexts)

    @property
    def checks(self) -> dict[str, str]:
        """Health-check URLs of the components that have one, by component."""
        return {c.name: c.check for c in self.components if c.check}

    def link(self, name: str) -> Link | None:
        return next((link for link in self.links if link.name == name), None)

    def components_hit(self, target: str) -> list[str]:
        """The components whose health tells whether a fault's target is back:
        a zone's members, a link's two ends (a cut auth-redis shows at auth,
        not redis), or the component itself."""
        if target.startswith("zone:"):
            return list(self.zones.get(target.removeprefix("zone:"), ()))
        link = self.link(target)
        if link is not None:
            return [end for end in (link.source, link.target) if end]
        return [target]

    def allows(self, url: str) -> bool:
        """Whether traffic may go to `url`'s host (this machine, or allow_hosts)."""
        return allowed(url, self.allow_hosts)
