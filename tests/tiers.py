"""A tier whose parts this machine lacks (a Docker engine, Chromium, the npm
players): skipped on a developer's machine, a failure under CI=true, where
every tier must run."""

from __future__ import annotations

import os
from typing import NoReturn

import docker
import pytest

from harness.platforms import images
from harness.spec.errors import InfrastructureMissing


def missing(tier: str, problem: str) -> NoReturn:
    """Skip the test for `problem`, or fail it under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"the {tier} tier must run in CI: {problem}")
    pytest.skip(problem)


def docker_engine(timeout: int = 30) -> docker.DockerClient:
    """This machine's Docker engine (DOCKER_HOST's), or the docker tier missing."""
    try:
        return images.engine(timeout=timeout)
    except InfrastructureMissing as error:
        missing("docker", str(error))
