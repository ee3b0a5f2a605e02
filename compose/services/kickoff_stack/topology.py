"""The stack's components, their ports and the Toxiproxy links between them.

One table for both platforms: locally every port is on 127.0.0.1; in Docker
each service listens on the same port inside its container, the public ones
are published on 127.0.0.1, and every link is a Toxiproxy proxy named after
it. compose/docker-compose.yml and compose/toxiproxy.json follow this table
(tests/unit/test_topology.py keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

EDGE_PORT = 8080
TOXIPROXY_PORT = 8474


@dataclass(frozen=True)
class Component:
    name: str
    port: int
    kind: str  # "nginx", "python", "redis" or "toxiproxy"
    zone: str  # the data-centre zone it runs in: a zone fault takes all of a zone at once


@dataclass(frozen=True)
class Link:
    """A connection from one component to another, through a Toxiproxy proxy."""

    source: str
    target: str
    listen_port: int

    @property
    def name(self) -> str:
        return f"{self.source}-{self.target}"


COMPONENTS = (
    Component("redis", 9379, "redis", "core"),
    Component("toxiproxy", TOXIPROXY_PORT, "toxiproxy", "core"),
    Component("origin-a", 9101, "python", "a"),
    Component("origin-b", 9102, "python", "b"),
    Component("auth", 9201, "python", "core"),
    Component("catalog", 9301, "python", "core"),
    Component("edge", EDGE_PORT, "nginx", "core"),
)
BY_NAME = {c.name: c for c in COMPONENTS}
ZONES = {zone: tuple(c.name for c in COMPONENTS if c.zone == zone)
         for zone in dict.fromkeys(c.zone for c in COMPONENTS)}

LINKS = (
    Link("edge", "origin-a", 19101),
    Link("edge", "origin-b", 19102),
    Link("edge", "auth", 19201),
    Link("edge", "catalog", 19301),
    Link("auth", "redis", 19379),
    Link("catalog", "redis", 19380),
)
LINKS_BY_NAME = {link.name: link for link in LINKS}


def link(source: str, target: str) -> Link:
    return LINKS_BY_NAME[f"{source}-{target}"]


def toxiproxy_config(listen_host: str, upstream_host: str | None) -> list[dict]:
    """Toxiproxy's -config document. upstream_host None means each target's
    own name (Docker's DNS); locally it is 127.0.0.1."""
    return [
        {
            "name": l.name,
            "listen": f"{listen_host}:{l.listen_port}",
            "upstream": f"{upstream_host or l.target}:{BY_NAME[l.target].port}",
            "enabled": True,
        }
        for l in LINKS
    ]
