"""The errors a user can meet, each with the exit code the CLI contract gives it."""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the CLI reports as one line instead of a traceback."""

    exit_code = 1


class InvalidInput(HarnessError):
    """A scenario, targets file or argument is wrong (exit 2)."""

    exit_code = 2


SHOWN_PROBLEMS = 20  # a file's problems listed at most; the rest are counted


def problem_lines(problems: list[str], total: int | None = None) -> str:
    """The first SHOWN_PROBLEMS of `total` problems (default: all of `problems`), one
    a line, and how many more there are."""
    total = len(problems) if total is None else total
    shown = problems[:SHOWN_PROBLEMS]
    if total > len(shown):
        shown.append(f"... and {total - len(shown):,} more problems (fix these first)")
    return "\n".join(shown)


class InfrastructureMissing(HarnessError):
    """The stack, Toxiproxy, Docker or a program is not there (exit 3)."""

    exit_code = 3
