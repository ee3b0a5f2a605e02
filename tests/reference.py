"""The reference stack as the stack, faults and run tiers reach it: its
health checks, its ports on this machine and its Toxiproxy."""

from __future__ import annotations

from harness.platforms import health
from harness.platforms.links import Links
from harness.platforms.reference import HOST, TOXIPROXY_API, reference_stack

CHECKS = reference_stack("local", {}).checks


def probe(component: str) -> str:
    return health.probe(CHECKS[component])


def port_open(port: int) -> bool:
    return health.port_open(HOST, port)


def toxiproxy() -> Links:
    return Links(TOXIPROXY_API)
