"""Platforms the reference stack runs on. A new platform is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable

from harness.errors import InvalidInput
from harness.platforms.base import ComponentStatus, Platform


def _local() -> Platform:
    from harness.platforms.local import LocalPlatform
    return LocalPlatform()


def _docker() -> Platform:
    from harness.platforms.docker import DockerPlatform
    return DockerPlatform()


PLATFORMS: dict[str, Callable[[], Platform]] = {"local": _local, "docker": _docker}


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]()
    except KeyError:
        raise InvalidInput(f"unknown platform {name!r} (choose from {', '.join(PLATFORMS)})") from None


__all__ = ["ComponentStatus", "Platform", "PLATFORMS", "get_platform"]
