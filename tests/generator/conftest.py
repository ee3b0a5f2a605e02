"""The generator tier: the master, its workers and their command line need
no stack; the distributed runs use the real local stack (`run_stack`)."""

from __future__ import annotations

import pytest


@pytest.fixture
def run_stack(stack):
    """The stack, up and healthy."""
    return stack
