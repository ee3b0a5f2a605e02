"""How a request group may be named: the rule a journey's groups, a recorded
window's and an SLO's `<kind>.<group>` are held to."""

from __future__ import annotations

import re

GROUP_PATTERN = "^[a-z0-9][a-z0-9_-]*$"
GROUP_RULE = (
    "a request group name (lowercase letters, digits, '_' and '-', starting with a letter or digit)"
)


def is_group(name: str) -> bool:
    """Whether `name` is a well-formed request group name (GROUP_PATTERN)."""
    return re.fullmatch(GROUP_PATTERN, name) is not None
