"""The run tier: `harness run` as a user runs it, against the real local stack."""

from __future__ import annotations

import pytest

from harness.platforms import get_platform
from tests.conftest import _ensure_down


@pytest.fixture(scope="module")
def local_stack():
    """The local stack, up and healthy (the docker one shares its ports)."""
    _ensure_down("docker")
    stack = get_platform("local")
    stack.up()
    yield stack
    stack.up()  # whatever a test stopped comes back for the next module
