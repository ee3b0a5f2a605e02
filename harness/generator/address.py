"""HOST[:PORT] as the command line writes where a master listens or is found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.platforms.hosts import LOOPBACK

DEFAULT_PORT = 5557  # Locust's master port

_FORM = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.*-]+)(?::(?P<port>[0-9]{1,5}))?")


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


DEFAULT_BIND = Address(LOOPBACK, DEFAULT_PORT)  # Locust's default, on this machine only


def parse_address(text: str, port_required: bool = False) -> Address:
    """HOST[:PORT] (PORT 1-65535, default 5557); ValueError saying what is wrong."""
    match = _FORM.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not HOST[:PORT] (write e.g. {DEFAULT_BIND} or "
            f"master.example:{DEFAULT_PORT})"
        )
    if match["port"] is None and port_required:
        raise ValueError(f"{text!r} has no port (write HOST:PORT, e.g. 0.0.0.0:{DEFAULT_PORT})")
    port = int(match["port"]) if match["port"] else DEFAULT_PORT
    if not 1 <= port <= 65535:
        raise ValueError(f"{text!r}: port {port} is not 1-65535")
    return Address(match["host"].strip("[]"), port)
