"""Fixtures shared by every tier.

The stack tier runs once per platform (local, then docker) against the real
stack. Without a Docker engine the docker tier is skipped on a developer's
machine, but fails in CI (CI=true): there it must run.
"""

from __future__ import annotations

import os

import pytest

from harness.errors import InfrastructureMissing
from harness.platforms import get_platform


def _docker_problem() -> str | None:
    from harness import images

    try:
        images.engine(timeout=10)
    except InfrastructureMissing as error:
        return str(error)
    return None


def _ensure_down(name: str) -> None:
    """The platforms share ports: the other one must not be up."""
    if name == "docker" and _docker_problem():
        return
    platform = get_platform(name)
    if platform.is_managed():
        platform.down()


@pytest.fixture(scope="session", params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def platform(request: pytest.FixtureRequest):
    name = request.param
    if name == "docker":
        problem = _docker_problem()
        if problem and os.environ.get("CI"):
            pytest.fail(f"the docker tier must run in CI: {problem}")
        if problem:
            pytest.skip(problem)
    for other in ("local", "docker"):
        if other != name:
            _ensure_down(other)
    stack = get_platform(name)
    stack.up()
    yield stack
    stack.down()


@pytest.fixture
def stack(platform):
    """The platform's stack, healthy: whatever an earlier test stopped is started again."""
    platform.up()
    return platform
