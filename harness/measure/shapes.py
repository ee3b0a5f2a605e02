"""Checks of the values a run folder's files hold (windows, events, the
resolved scenario, summary.json): each returns the value when it has the
shape the harness writes, and raises ValueError("path: problem") when not,
so a damaged file is named, never a traceback. Their bounds and wording are
the ones files people write are checked with (spec/bounds.py, spec/fields.py,
spec/shown.py)."""

from __future__ import annotations

import math
from typing import Any

from harness.measure.group_names import is_group
from harness.spec.bounds import LATEST_EPOCH, LONGEST_S, MOST
from harness.spec.fields import finite
from harness.spec.shown import escaped, is_not, not_a_mapping, shown


def number(value: Any, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite int or float within [low, high] (a bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{escaped(where)}: {is_not(value, 'a number')}")
    if isinstance(value, int) and abs(value) > MOST * 1000:
        raise ValueError(f"{escaped(where)}: {shown(value)} is out of range")
    if finite(value) is None or not low <= value <= high:
        raise ValueError(
            f"{escaped(where)}: {shown(value)} is not between {low:.15g} and {high:.15g}"
        )
    return value


def count(value: Any, where: str) -> int:
    """A whole number from 0 to MOST."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{escaped(where)}: {is_not(value, 'a whole number')}")
    if not 0 <= value <= MOST:
        raise ValueError(f"{escaped(where)}: {shown(value)} is not between 0 and {MOST}")
    return value


def epoch(value: Any, where: str) -> float:
    return number(value, where, 0.0, LATEST_EPOCH)


def seconds(value: Any, where: str) -> float:
    """A time or duration within a run, in seconds (negative before kickoff)."""
    return number(value, where, -LONGEST_S, LONGEST_S)


def duration(value: Any, where: str) -> float:
    return number(value, where, 0.0, LONGEST_S)


def group(value: Any, where: str) -> str:
    """A request group's name, well-formed as a scenario declares it."""
    if not is_group(text(value, where)):
        raise ValueError(f"{escaped(where)}: {is_not(value, 'a request group name')}")
    return value


def _typed(value: Any, where: str, kind: type, noun: str) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"{escaped(where)}: {is_not(value, noun)}")
    return value


def text(value: Any, where: str) -> str:
    return _typed(value, where, str, "a string")


def flag(value: Any, where: str) -> bool:
    return _typed(value, where, bool, "true or false")


def mapping(value: Any, where: str) -> dict:
    return _typed(value, where, dict, "an object")


def whole(value: Any, language: str) -> dict:
    """A whole file's data as an object; when it is not one, its kind is told,
    never its content (it may be another file: an .env, /etc/passwd)."""
    if not isinstance(value, dict):
        raise ValueError(not_a_mapping(value, language))
    return value


def listing(value: Any, where: str) -> list:
    return _typed(value, where, list, "a list")


def counts(value: Any, where: str) -> dict[str, int]:
    """An object of names to counts ({"auth 503": 4})."""
    return {key: count(n, f"{where}.{key}") for key, n in mapping(value, where).items()}


def texts(value: Any, where: str) -> list[str]:
    return [text(item, f"{where}[{i}]") for i, item in enumerate(listing(value, where))]


def groups(value: Any, where: str) -> list[str]:
    return [group(item, f"{where}[{i}]") for i, item in enumerate(listing(value, where))]
