"""The run tier: `harness run` as a user runs it, against the real stack on
each platform (the session's `platform` fixture, local then docker)."""

from __future__ import annotations

import pytest


@pytest.fixture
def run_stack(stack):
    """The stack, up and healthy; runs are told its platform with --platform."""
    return stack
