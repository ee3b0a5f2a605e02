"""The platforms a scenario can run on, by name. Each platform declares itself
(PlatformSpec) in its own module; a new platform is that module plus one line
in _DECLARED, or an installed plugin (entry point group kickoff.platforms,
harness/spec/plugins.py). Validation, the run, `harness reset` and the CLI
read this."""

from __future__ import annotations

from pathlib import Path

from harness.platforms import docker, external, local
from harness.platforms.base import Platform, PlatformSpec
from harness.platforms.stack import Stack
from harness.spec import plugins
from harness.spec.errors import InvalidInput

_OWN = (local.PLATFORM, docker.PLATFORM, external.PLATFORM)
_DECLARED = plugins.with_plugins(_OWN, "kickoff.platforms", PlatformSpec, "a PlatformSpec")
PLATFORMS: dict[str, PlatformSpec] = {spec.name: spec for spec in _DECLARED}
MANAGED = tuple(name for name, spec in PLATFORMS.items() if spec.managed)


def platform_spec(name: str) -> PlatformSpec:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown platform {name!r} (choose from {', '.join(PLATFORMS)})"
        ) from None


def get_platform(name: str) -> Platform:
    """The platform kickoff manages under `name` (brings up and down)."""
    spec = platform_spec(name)
    if spec.manager is None:
        raise InvalidInput(
            f"kickoff does not manage platform {name} (choose from {', '.join(MANAGED)})"
        )
    return spec.manager()


def stack_of(name: str, targets: Path | None = None) -> Stack:
    """The stack descriptor of platform `name` (with its targets file, if it reads one)."""
    return platform_spec(name).stack(targets)


def offered_by(driver: str) -> str:
    """Which platforms offer a fault driver, for messages: 'local, docker, or
    external with toxiproxy: in its targets file'."""
    names = [
        name + (f" with {spec.drivers[driver]}" if spec.drivers[driver] else "")
        for name, spec in PLATFORMS.items()
        if driver in spec.drivers
    ]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", or " + names[-1]
