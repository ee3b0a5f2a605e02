"""Accounts for journeys: a CSV file with a header row naming at least
`username` and `password`, one account a row, handed out round robin by the
viewer's number. Values never leave this module except into a viewer's
templates: no message, log line or run file shows them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from harness.spec.document import read_text
from harness.spec.errors import InvalidInput

REQUIRED_COLUMNS = ("username", "password")


class AccountsError(ValueError):
    """An accounts file that cannot be used (the message names no value from it)."""


@dataclass(frozen=True)
class Accounts:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()

    def __repr__(self) -> str:  # never show the rows
        return f"Accounts({str(self.path)!r}, {len(self.rows)} rows)"

    def for_viewer(self, number: int) -> dict[str, str]:
        """The account of viewer `number`: rows are used round robin."""
        return dict(zip(self.columns, self.rows[number % len(self.rows)], strict=True))


def read_accounts(path: Path) -> Accounts:
    try:
        # Read as every input is: a regular file, bounded, UTF-8 without control characters.
        reader = csv.reader(io.StringIO(read_text(path), newline=""))
        columns = tuple(name.strip() for name in next(reader, []))
        rows = tuple(tuple(row) for row in reader if row)
    except InvalidInput as error:
        raise AccountsError(str(error)) from None
    except csv.Error as error:
        raise AccountsError(f"cannot read {path} as CSV ({error.__class__.__name__})") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise AccountsError(
            f"{path} has no column {', '.join(missing)} (its first row must name "
            f"the columns: username,password,...)"
        )
    if not rows:
        raise AccountsError(f"{path} lists no accounts (one a row after the header row)")
    short = next((number for number, row in enumerate(rows, 2) if len(row) != len(columns)), None)
    if short is not None:
        raise AccountsError(
            f"{path}:{short}: has another number of fields than the header row ({len(columns)})"
        )
    return Accounts(path, columns, rows)
