"""Figures as people read them, by the unit the metric catalogue gives them:
`45 ms`, `4.8 s`, `1.23%`, `1,520 kbps`; a missing figure is `no data`."""

from __future__ import annotations

import math

_SUFFIX = {"kbps": " kbps", "per_hour": "/h", "per_s": "/s"}


def _significant(number: float) -> str:
    """Three significant digits, never in exponent form: 0.0123, 4.8, 123, 12,345."""
    if number == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(number))))
    text = f"{number:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "s":
        return (
            f"{_significant(value * 1000)} ms" if 0 < abs(value) < 1 else f"{_significant(value)} s"
        )
    if unit == "ratio":
        return f"{_significant(value * 100)}%"
    return _significant(value) + _SUFFIX.get(unit, "")


def format_change(change: float | None) -> str:
    """A relative change, signed: +108%, -5%; "-" when there is none (a baseline of 0)."""
    if change is None:
        return "-"
    return ("+" if change > 0 else "") + format_value(change, "ratio")
