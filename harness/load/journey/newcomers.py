"""Newcomers: viewers without an account, who sign up (and book) before they watch.

Every attempt of a newcomer signs up afresh, with a name and password of its
own, made from the run's seed, a token of the run (so that no run meets an
earlier run's names), the viewer's number and the attempt's (so that a
retried attempt never collides with its earlier sign-up). Both are made of
[a-z0-9-] only, which any sign-up form takes. Like accounts (accounts.py),
they go only into a viewer's templates: no message, log line or run file
shows them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

VARIABLES = ("newcomer.username", "newcomer.password")  # what templates may name


@dataclass(frozen=True)
class Newcomer:
    """The sign-up of one attempt of one newcomer."""

    username: str
    password: str

    def __repr__(self) -> str:  # never show the values
        return "Newcomer(...)"

    def variables(self) -> dict[str, str]:
        return dict(zip(VARIABLES, (self.username, self.password), strict=True))


def run_token() -> str:
    """A token for one run (of one generator process): 8 random hex digits."""
    return secrets.token_hex(4)


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def newcomer(seed: int, token: str, viewer: int, attempt: int) -> Newcomer:
    """Viewer `viewer`'s sign-up for its attempt `attempt` in the run of `seed`
    and `token`: the same arguments give the same sign-up, and no two
    (viewer, attempt) pairs of a run share a name."""
    run = _digest("newcomer", seed, token)[:10]
    return Newcomer(
        f"new-{run}-{viewer}-{attempt}", _digest("password", seed, token, viewer, attempt)[:24]
    )
