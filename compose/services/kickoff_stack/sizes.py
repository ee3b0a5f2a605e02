"""Stack sizes: what each component may use, by size, for both platforms.

"normal" is the stack as it has always been: limits no run on one machine
reaches. "small" gives the components limits a capacity search on one
machine finds within a few hundred viewers: CPU quotas (containers; local
processes where the kernel lets root set them), container memory, nginx's
workers and connections, and an admission limit in front of each Python
service (requests in progress, a short queue, 503 beyond it). The services
read their size from KICKOFF_STACK_SIZE; a component without an entry at a
size has no limits there, so a new component is one entry per size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

NORMAL = "normal"
SMALL = "small"
SIZE_ENV = "KICKOFF_STACK_SIZE"


@dataclass(frozen=True)
class Limits:
    cpus: float | None = None  # CPU quota in cores
    memory: str | None = None  # container memory limit, e.g. "256m"
    in_flight: int | None = None  # Python services: requests handled at once
    queue: int = 0  # Python services: requests waiting beyond those; more are answered 503
    workers: int | None = None  # nginx worker processes
    connections: int | None = None  # nginx worker_connections (viewers, upstreams, idle ones)


UNLIMITED = Limits()

SIZES: dict[str, dict[str, Limits]] = {
    NORMAL: {
        "edge": Limits(workers=2, connections=8192),
    },
    SMALL: {
        # The edge is the part a kickoff audience breaks first, as at a real
        # CDN: 0.015 cores serve about a hundred viewers of the 4 Mbit/s
        # rendition locally, a few dozen in a container (docs/reference-stack.md).
        "edge": Limits(cpus=0.015, memory="256m", workers=1, connections=512),
        "origin-a": Limits(cpus=0.25, memory="256m", in_flight=4, queue=16),
        "origin-b": Limits(cpus=0.25, memory="256m", in_flight=4, queue=16),
        "auth": Limits(cpus=0.2, memory="256m", in_flight=4, queue=16),
        "catalog": Limits(cpus=0.2, memory="256m", in_flight=4, queue=16),
        "redis": Limits(cpus=0.25, memory="128m"),
        "postgres": Limits(cpus=0.25, memory="256m"),
        "accounts": Limits(cpus=0.2, memory="256m", in_flight=4, queue=16),
        # payment has none: it stands in for someone else's service, not a part of this stack
    },
}


def limits(size: str, component: str) -> Limits:
    """What `component` may use at `size` (KeyError for an unknown size)."""
    return SIZES[size].get(component, UNLIMITED)


def size_from_env() -> str:
    """The size this process runs at (normal unless KICKOFF_STACK_SIZE says)."""
    size = os.environ.get(SIZE_ENV) or NORMAL
    if size not in SIZES:
        raise SystemExit(f"{SIZE_ENV}={size!r}: unknown stack size (choose from "
                         f"{', '.join(SIZES)})")
    return size
