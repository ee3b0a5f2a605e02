"""Typed fields of a YAML document. Each field reads a value, reporting every
problem with where it is, and describes itself as JSON Schema: one
declaration for the validator and for the schema editors complete from.

`read` returns the value in model form, or None after reporting a problem
(YAML nulls are problems too, so None always means "invalid"). A Record's
result keeps invalid keys as None and leaves absent keys out, so later
cross-field rules can tell "not given" from "given wrong" and stay quiet
about values already reported.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from harness.spec import quantities
from harness.spec.bounds import MAX_MATCH_TIME
from harness.spec.document import Document, Where
from harness.spec.file_names import name_problem
from harness.spec.shown import is_not, not_a_mapping, shown

_OFFSET_HINT = "write e.g. -5m, 0s, 90s or 1h30m"
_DURATION_HINT = "write e.g. 30s, 2m or 1h30m"


def did_you_mean(word: object, options: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def unknown(
    document: Document,
    where: Where,
    problem: str,
    name: object,
    options: Sequence[str],
    hint: str | None = None,
) -> None:
    """Report a name that is not one of `options`, with the closest one as the hint."""
    hint = did_you_mean(name, options) or hint or f"choose from {', '.join(options)}"
    document.problem(where, f"{problem} ({hint})")


class Field(ABC):
    def __init__(self, description: str) -> None:
        self.description = description

    @abstractmethod
    def read(self, value: object, where: Where, document: Document) -> object | None:
        """The value in model form, or None after reporting what is wrong with it."""

    @abstractmethod
    def schema(self) -> dict:
        """This field as JSON Schema (draft 2020-12)."""

    def _wrong(
        self, value: object, where: Where, document: Document, what: str, hint: str = ""
    ) -> None:
        if value is None:
            document.problem(where, f"has no value (expected {what}{f'; {hint}' if hint else ''})")
        else:
            document.problem(where, is_not(value, what, hint))


class Text(Field):
    def __init__(
        self,
        description: str,
        *,
        pattern: str | None = None,
        rule: str = "",
        blank: bool = False,
        longest: int | None = None,
    ) -> None:
        super().__init__(description)
        self.pattern, self.rule, self.blank, self.longest = pattern, rule, blank, longest

    def read(self, value: object, where: Where, document: Document) -> str | None:
        if not isinstance(value, str):
            self._wrong(value, where, document, "text")
            return None
        if not (self.blank or value.strip()):
            document.problem(where, "is empty")
            return None
        if self.longest is not None and len(value) > self.longest:
            document.problem(
                where, f"is {len(value)} characters long; it may have at most {self.longest}"
            )
            return None
        if self.pattern and not re.fullmatch(self.pattern, value):
            document.problem(where, is_not(value, self.rule))
            return None
        return value

    def schema(self) -> dict:
        schema: dict = {"type": "string", "description": self.description}
        if not self.blank:
            schema["minLength"] = 1
        if self.pattern:
            schema["pattern"] = self.pattern
        if self.longest is not None:
            schema["maxLength"] = self.longest
        return schema


class FileName(Text):
    """A file's name, relative to the file it is written in: bounded as names are."""

    def read(self, value: object, where: Where, document: Document) -> str | None:
        text = super().read(value, where, document)
        problem = name_problem(text) if text is not None else None
        if problem:
            document.problem(where, problem)
            return None
        return text


class Choice(Field):
    def __init__(
        self, description: str, choices: Sequence[str], *, noun: str, hint: str | None = None
    ) -> None:
        super().__init__(description)
        self.choices, self.noun, self.hint = tuple(choices), noun, hint

    def read(self, value: object, where: Where, document: Document) -> str | None:
        if not isinstance(value, str):
            self._wrong(value, where, document, f"a {self.noun} name")
            return None
        if value not in self.choices:
            unknown(
                document,
                where,
                f"unknown {self.noun} {shown(value)}",
                value,
                self.choices,
                self.hint,
            )
            return None
        return value

    def schema(self) -> dict:
        return {"enum": list(self.choices), "description": self.description}


class Number(Field):
    def __init__(
        self,
        description: str,
        *,
        integer: bool = False,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
    ) -> None:
        super().__init__(description)
        self.integer, self.minimum, self.above, self.maximum = integer, minimum, above, maximum

    def read(self, value: object, where: Where, document: Document) -> int | float | None:
        what = "a whole number" if self.integer else "a number"
        if isinstance(value, int) and not isinstance(value, bool) and finite(value) is None:
            document.problem(where, f"{shown(value)} is too large")
            return None
        if (
            not isinstance(value, (int, float))
            or finite(value) is None
            or (self.integer and isinstance(value, float) and not value.is_integer())
        ):
            self._wrong(value, where, document, what)
            return None
        number = int(value) if self.integer else float(value)
        for bound, symbol, holds, _ in self._bounds():
            if not holds(number, bound):
                shown_bound = f"{bound:g}" if abs(bound) < 1e6 else f"{int(bound):,}"
                document.problem(where, f"{shown(value)} must be {symbol} {shown_bound}")
                return None
        return number

    def schema(self) -> dict:
        schema: dict = {
            "type": "integer" if self.integer else "number",
            "description": self.description,
        }
        schema.update((keyword, bound) for bound, _, _, keyword in self._bounds())
        return schema

    def _bounds(self) -> list[tuple[float, str, Callable[[float, float], bool], str]]:
        """(bound, symbol, test, JSON Schema keyword) of each bound that is set."""
        candidates: tuple[tuple[float | None, str, Callable[[float, float], bool], str], ...] = (
            (self.minimum, ">=", operator.ge, "minimum"),
            (self.above, ">", operator.gt, "exclusiveMinimum"),
            (self.maximum, "<=", operator.le, "maximum"),
        )
        return [
            (bound, symbol, test, keyword)
            for bound, symbol, test, keyword in candidates
            if bound is not None
        ]


class Count(Field):
    """A whole number of at least 1, written plainly or as `250k`, `1.2M`."""

    def __init__(self, description: str, *, maximum: int) -> None:
        super().__init__(description)
        self.maximum = maximum

    def read(self, value: object, where: Where, document: Document) -> int | None:
        number = quantities.parse_count(value) if isinstance(value, str) else finite(value)
        if number is None or not float(number).is_integer():
            self._wrong(
                value, where, document, "a whole number", "write e.g. 1200000, 250k or 1.2M"
            )
            return None
        if not 1 <= number <= self.maximum:
            document.problem(where, f"{shown(value)} must be from 1 to {self.maximum:,}")
            return None
        return int(number)

    def schema(self) -> dict:
        return {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": self.maximum},
                {"type": "string", "pattern": quantities.COUNT_PATTERN},
            ],
            "description": self.description,
        }


def finite(value: object) -> float | None:
    """A YAML number as a finite float; None for anything else (infinity, NaN,
    an integer too large for a float, text, true/false)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _seconds(value: object) -> float | None:
    seconds = quantities.parse_time(value) if isinstance(value, str) else finite(value)
    return seconds if seconds is not None and math.isfinite(seconds) else None


class Time(Field):
    """Seconds: a match-time offset (negative before kickoff), or a duration (> 0)."""

    def __init__(self, description: str, *, duration: bool = False) -> None:
        super().__init__(description)
        self.duration = duration

    def read(self, value: object, where: Where, document: Document) -> float | None:
        what, hint = (
            ("a duration", _DURATION_HINT) if self.duration else ("a time offset", _OFFSET_HINT)
        )
        seconds = _seconds(value)
        if seconds is None:
            self._wrong(value, where, document, what, hint)
            return None
        if self.duration and seconds <= 0:
            document.problem(
                where, f"{shown(value)} is not a duration; it must be longer than 0 ({hint})"
            )
            return None
        if abs(seconds) > MAX_MATCH_TIME:
            document.problem(
                where,
                f"{shown(value)} is more than 7 days (168h) "
                f"{'long' if self.duration else 'from kickoff'}",
            )
            return None
        return seconds

    def schema(self) -> dict:
        bounds = {"minimum": -MAX_MATCH_TIME, "maximum": MAX_MATCH_TIME}
        if self.duration:
            bounds = {"exclusiveMinimum": 0, "maximum": MAX_MATCH_TIME}
        number = {"type": "number", **bounds}
        pattern = quantities.DURATION_PATTERN if self.duration else quantities.OFFSET_PATTERN
        return {
            "anyOf": [number, {"type": "string", "pattern": pattern}],
            "description": self.description,
        }


class Threshold(Field):
    """A limit >= 0: a number, a percentage (`1%`) or a duration (`4s`). Read as
    (value, "number" | "percent" | "duration"): whether the way it is written
    fits the metric is the scenario's rule."""

    def read(self, value: object, where: Where, document: Document) -> tuple[float, str] | None:
        number = finite(value)
        if number is not None:
            if number < 0:
                document.problem(where, f"{shown(value)} must be >= 0")
                return None
            return number, "number"
        if isinstance(value, str):
            ratio, seconds = quantities.parse_percent(value), quantities.parse_time(value)
            if ratio is not None and math.isfinite(ratio):
                return ratio, "percent"
            if seconds is not None and 0 <= seconds <= MAX_MATCH_TIME:
                return seconds, "duration"
        self._wrong(
            value,
            where,
            document,
            "a threshold",
            "write a number, a percentage like 1% or, for a time, a duration like 4s or 500ms",
        )
        return None

    def schema(self) -> dict:
        return {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": quantities.PERCENT_PATTERN},
                {"type": "string", "pattern": quantities.DURATION_PATTERN},
            ],
            "description": self.description,
        }


class Shares(Field):
    """Shares of named parts that add up to 1; parts not given are 0."""

    def __init__(self, description: str, parts: Sequence[str]) -> None:
        super().__init__(description)
        self.parts = tuple(parts)
        self._share = Number("a share", minimum=0, maximum=1)

    def read(self, value: object, where: Where, document: Document) -> dict[str, float] | None:
        if not isinstance(value, dict):
            self._wrong(
                value,
                where,
                document,
                "a mapping of shares",
                f"e.g. {{{', '.join(f'{p}: 0.5' for p in self.parts[:2])}}}",
            )
            return None
        shares, complete = dict.fromkeys(self.parts, 0.0), True
        for part, share in value.items():
            if part not in self.parts:
                unknown(document, where + (part,), "unknown key", part, self.parts)
                complete = False
                continue
            read = self._share.read(share, where + (part,), document)
            if read is None:
                complete = False
            else:
                shares[part] = read
        if not complete:
            return None
        total = sum(shares.values())
        if abs(total - 1) > 0.001:
            document.problem(where, f"the shares add up to {total:g}; they must add up to 1")
            return None
        return shares

    def schema(self) -> dict:
        return {
            "type": "object",
            "description": self.description,
            "properties": {p: self._share.schema() for p in self.parts},
            "additionalProperties": False,
        }


class FreeMapping(Field):
    """Any mapping, kept as it is (checked elsewhere, if at all)."""

    def read(self, value: object, where: Where, document: Document) -> dict | None:
        if not isinstance(value, dict):
            self._wrong(value, where, document, "a mapping")
            return None
        return dict(value)

    def schema(self) -> dict:
        return {"type": "object", "description": self.description}


class Items(Field):
    def __init__(self, description: str, item: Field, *, at_least: int = 0) -> None:
        super().__init__(description)
        self.item, self.at_least = item, at_least

    def read(self, value: object, where: Where, document: Document) -> list | None:
        if not isinstance(value, list):
            self._wrong(value, where, document, "a list")
            return None
        if len(value) < self.at_least:
            document.problem(
                where, f"lists {len(value)} entries; it needs at least {self.at_least}"
            )
            return None
        return [
            self.item.read(item, where + (index,), document) for index, item in enumerate(value)
        ]

    def schema(self) -> dict:
        schema: dict = {
            "type": "array",
            "description": self.description,
            "items": self.item.schema(),
        }
        if self.at_least:
            schema["minItems"] = self.at_least
        return schema


class Record(Field):
    """A mapping with known keys: unknown ones are errors (with a did-you-mean),
    unless `extra` says what they hold."""

    def __init__(
        self,
        description: str,
        fields: dict[str, Field],
        *,
        required: Sequence[str] = (),
        exactly_one: Sequence[str] = (),
        extra: Field | None = None,
    ) -> None:
        super().__init__(description)
        self.fields, self.required, self.exactly_one = fields, tuple(required), tuple(exactly_one)
        self.extra = extra  # what a key not in `fields` holds (None: such a key is an error)

    def read(self, value: object, where: Where, document: Document) -> dict | None:
        hint = f"its keys include {', '.join(list(self.fields)[:3])}"
        if not isinstance(value, dict) and where == () and value is not None:
            # The whole file: never quote it (it may be any file, /etc/shadow included).
            document.problem(where, f"{not_a_mapping(value)} ({hint})")
            return None
        if not isinstance(value, dict):
            self._wrong(value, where, document, "a mapping", hint)
            return None
        if (
            where == ()
            and value
            and self.extra is None
            and not set(map(str, value)) & set(self.fields)
        ):
            # Not one known key: some other file, whose keys are not shown (they may be secrets).
            document.problem(
                where,
                f"the file is not {self.description}: none of its "
                f"{len(value)} keys is one it has ({hint})",
            )
            return None
        record = {}
        for key, item in value.items():
            if key in self.fields:
                record[key] = self.fields[key].read(item, where + (key,), document)
            elif self.extra is not None:
                record[key] = self.extra.read(item, where + (key,), document)
            else:
                unknown(document, where + (key,), "unknown key", key, list(self.fields))
        for key in self.required:
            if key not in value:
                document.problem(where + (key,), "is required but missing")
        if self.exactly_one and sum(key in value for key in self.exactly_one) != 1:
            document.problem(where, f"give exactly one of {' or '.join(self.exactly_one)}")
        return record

    def schema(self) -> dict:
        schema: dict = {
            "type": "object",
            "description": self.description,
            "properties": {key: field.schema() for key, field in self.fields.items()},
            "additionalProperties": False if self.extra is None else self.extra.schema(),
        }
        if self.required:
            schema["required"] = list(self.required)
        if self.exactly_one:
            schema["oneOf"] = [{"required": [key]} for key in self.exactly_one]
        return schema
