"""Times, shares and counts as people write them in scenario files, and back
again: `-5m`, `0s`, `90s`, `1h30m`, `500ms`, `1%`, `1.2M`.

Both directions use decimal arithmetic on the float's shortest text, so a
value written out and read back is the same float: a resolved scenario that
a run saved loads to an equal Scenario. Text longer than MAX_CHARS is not
read at all (a million digits would overflow the decimal context, or take
seconds): it is no time, share or count.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_CHARS = 40  # `1h30m15.125s` is 12; nobody writes a time with 30 digits
_AMOUNT = r"(\d+(?:\.\d+)?)"
# Hours, minutes, seconds, milliseconds, each at most once and in that order;
# `m(?!s)` keeps the minutes from eating the `m` of `ms`. The lookahead and
# groups mean the same in Python and in JSON Schema (ECMA 262) patterns.
_TIME = "(?=\\d)" + "".join(f"(?:{_AMOUNT}{unit})?" for unit in ("h", "m(?!s)", "s", "ms"))
OFFSET_PATTERN = f"^([+-]?){_TIME}$"
DURATION_PATTERN = f"^{_TIME}$"
PERCENT_PATTERN = r"^(\d+(?:\.\d+)?)%$"
COUNT_PATTERN = r"^(\d+(?:\.\d+)?)([kM])$"
_COUNT_UNITS = {"k": Decimal(1000), "M": Decimal(1_000_000)}
_UNIT_SECONDS = (Decimal(3600), Decimal(60), Decimal(1), Decimal("0.001"))


def parse_time(text: str) -> float | None:
    """Seconds written as `-5m`, `1h30m`, `500ms` ..., or None if written otherwise."""
    match = len(text) <= MAX_CHARS and re.fullmatch(OFFSET_PATTERN, text, re.ASCII)  # not `５m`
    if not match:
        return None
    sign, *amounts = match.groups()
    seconds = sum(
        (Decimal(a) * unit for a, unit in zip(amounts, _UNIT_SECONDS, strict=True) if a), Decimal(0)
    )
    return float(-seconds if sign == "-" else seconds)


def format_time(seconds: float) -> str:
    """`-10m`, `1h30m`, `1m30.5s`, `250ms`, `0s`: what parse_time reads back as `seconds`."""
    hours, rest = divmod(abs(_decimal(seconds)), 3600)
    minutes, rest = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if 0 < rest < 1 and (rest * 1000) % 1 == 0:
        parts.append(f"{_plain(rest * 1000)}ms")
    elif rest or not (hours or minutes):
        parts.append(f"{_plain(rest)}s")
    return ("-" if seconds < 0 else "") + "".join(parts)


def parse_percent(text: str) -> float | None:
    """The ratio written as `1%` or `0.5%`, or None if written otherwise."""
    match = len(text) <= MAX_CHARS and re.fullmatch(PERCENT_PATTERN, text, re.ASCII)
    return float(Decimal(match[1]) / 100) if match else None


def parse_count(text: str) -> float | None:
    """A count written as `250k` or `1.2M` (thousands, millions), or None if
    written otherwise; not necessarily whole (`1.0005k`): the caller decides."""
    match = len(text) <= MAX_CHARS and re.fullmatch(COUNT_PATTERN, text, re.ASCII)
    return float(Decimal(match[1]) * _COUNT_UNITS[match[2]]) if match else None


def format_count(count: int) -> str:
    """`1.2M`, `250k` or `950`: what parse_count (or a plain number) reads back."""
    for suffix, unit in (("M", 1_000_000), ("k", 1000)):
        if count >= unit and (Decimal(count) / unit) * 1000 % 1 == 0:
            return f"{_plain(Decimal(count) / unit)}{suffix}"
    return str(count)


def format_percent(ratio: float) -> str:
    return f"{_plain(_decimal(ratio) * 100)}%"


def _decimal(number: float) -> Decimal:
    # repr is the shortest text that reads back as the same float.
    return Decimal(repr(float(number)))


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def match_clock(seconds: float | None) -> str:
    """Match time as a kickoff clock: T-05:00, T+00:00, T+47:30 ("-" when unknown)."""
    if seconds is None:
        return "-"
    minutes, rest = divmod(abs(round(seconds)), 60)
    return f"T{'-' if seconds < 0 else '+'}{minutes:02d}:{rest:02d}"
