"""Which hosts kickoff sends traffic to: this machine (127.0.0.0/8, localhost,
::1), and hosts a stack's description allows by name. A typo in a URL must
not aim a kickoff rush, or a fault, at somebody else's servers."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

THIS_MACHINE = "127.0.0.1, localhost or ::1"  # how messages name the hosts always allowed
LOOPBACK = "127.0.0.1"  # where processes of one machine meet (a master and its local workers)
_WILDCARDS = {"0.0.0.0": LOOPBACK, "::": "::1", "": LOOPBACK}


def reached_at(bound: str) -> str:
    """The host this machine reaches a server bound to `bound` at: a
    wildcard address is every interface, so loopback is one of them."""
    return _WILDCARDS.get(bound, bound)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(url: str, allow_hosts: Iterable[str]) -> bool:
    """Whether `url` has no host, or a loopback one, or one of `allow_hosts`."""
    host = urlsplit(url).hostname
    return not host or is_loopback(host) or host in {h.lower() for h in allow_hosts if h}


def host_problem(url: str, allow_hosts: Iterable[str]) -> str | None:
    """Why traffic may not go to `url`'s host, for an error message; None: it may."""
    if allowed(url, allow_hosts):
        return None
    host = urlsplit(url).hostname
    return (
        f"{host} is not this machine, and kickoff sends traffic only to {THIS_MACHINE} "
        f"(if the stack at {host} is yours to load, add {host} to allow_hosts)"
    )
