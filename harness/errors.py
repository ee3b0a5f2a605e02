"""The errors a user can meet, each with the exit code the CLI contract gives it."""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the CLI reports as one line instead of a traceback."""

    exit_code = 1


class InvalidInput(HarnessError):
    """A scenario, targets file or argument is wrong (exit 2)."""

    exit_code = 2


class InfrastructureMissing(HarnessError):
    """The stack, Toxiproxy, Docker or a program is not there (exit 3)."""

    exit_code = 3
