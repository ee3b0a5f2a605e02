"""Programs the stack needs, and how to install each when it is missing."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from harness.spec.errors import InfrastructureMissing

TOXIPROXY_VERSION = "v2.12.0"


@dataclass(frozen=True)
class Program:
    binary: str
    install: str


NGINX = Program("nginx", "apt-get install -y nginx-light")
REDIS = Program("redis-server", "apt-get install -y redis-server")
FFMPEG = Program("ffmpeg", "apt-get install -y ffmpeg")
TOXIPROXY = Program(
    "toxiproxy-server",
    f"go install github.com/Shopify/toxiproxy/v2/cmd/server@{TOXIPROXY_VERSION} "
    "and put the binary on PATH as toxiproxy-server (bash .ci/setup does both)",
)
DEBOOTSTRAP = Program("debootstrap", "apt-get install -y debootstrap")


def require(*programs: Program) -> None:
    """Raise InfrastructureMissing naming every missing program and its install."""
    missing = [p for p in programs if shutil.which(p.binary) is None]
    if missing:
        raise InfrastructureMissing(
            "; ".join(f"{p.binary} is not installed (install: {p.install})" for p in missing)
        )
