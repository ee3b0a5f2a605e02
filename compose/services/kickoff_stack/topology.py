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
EDGE_STATUS_PORT = 9680  # the edge's nginx stub_status, for its exporter only
TOXIPROXY_PORT = 8474


@dataclass(frozen=True)
class Component:
    name: str
    port: int
    kind: str  # "nginx", "python", "redis", "postgres" or "toxiproxy"
    # The data-centre zone it runs in: a zone fault takes all of a zone at once.
    # "external" is a third party's (the payment provider), outside every zone of ours.
    zone: str


@dataclass(frozen=True)
class Link:
    """A connection from one component to another, through a Toxiproxy proxy."""

    source: str
    target: str
    listen_port: int

    @property
    def name(self) -> str:
        return f"{self.source}-{self.target}"


# In starting order: what a component reaches comes before it.
COMPONENTS = (
    Component("redis", 9379, "redis", "core"),
    Component("postgres", 9432, "postgres", "core"),
    Component("toxiproxy", TOXIPROXY_PORT, "toxiproxy", "core"),
    Component("origin-a", 9101, "python", "a"),
    Component("origin-b", 9102, "python", "b"),
    Component("auth", 9201, "python", "core"),
    Component("catalog", 9301, "python", "core"),
    Component("payment", 9501, "python", "external"),
    Component("accounts", 9401, "python", "core"),
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
    Link("edge", "accounts", 19401),
    Link("auth", "redis", 19379),
    Link("catalog", "redis", 19380),
    Link("accounts", "redis", 19381),
    Link("accounts", "postgres", 19432),
    Link("accounts", "payment", 19501),
)
LINKS_BY_NAME = {link.name: link for link in LINKS}


def link(source: str, target: str) -> Link:
    return LINKS_BY_NAME[f"{source}-{target}"]


# How a service is told where a dependency is: the variable and its URL.
CLIENT_URLS = {
    "redis": ("KICKOFF_REDIS_URL", "redis://{}/0"),
    "postgres": ("KICKOFF_DATABASE_URL", "postgresql://kickoff@{}/postgres"),
    "payment": ("KICKOFF_PAYMENT_URL", "http://{}"),
}


def link_environment(source: str, proxy_host: str) -> dict[str, str]:
    """The environment telling `source` where its dependencies are: each at
    its link's proxy on proxy_host (the edge's links are in its nginx.conf)."""
    environment = {}
    for l in LINKS:
        if l.source == source and l.target in CLIENT_URLS:
            variable, url = CLIENT_URLS[l.target]
            environment[variable] = url.format(f"{proxy_host}:{l.listen_port}")
    return environment


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
