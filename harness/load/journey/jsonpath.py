"""A small JSONPath (RFC 9535) subset for pulling values out of JSON answers.

    $                      the whole document
    .name  ['name']        a member of an object
    [0]  [-1]              an element of an array (negative: from the end)
    [*]  .*                every member or element
    [?(@.key == value)]    elements whose member `key` (or `a.b`) equals value;
                           also !=; value is a JSON literal: 'text', "text",
                           a number, true, false or null

`compile_path` rejects anything else with a message saying where; `first`
returns the first value a path finds, in document order.

The path is read by a hand-written reader, one character at a time, so a
hostile path costs time in proportion to its length (a backtracking pattern
could take minutes on a few thousand spaces). It is bounded: at most
MAX_PATH_CHARS characters, indexes of at most MAX_INDEX_DIGITS digits, and a
filter compares with a plain value only (no list or mapping: nothing nests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MAX_PATH_CHARS = 1000
MAX_INDEX_DIGITS = 9  # an index up to 999,999,999
MAX_NUMBER_CHARS = 40  # a number a filter compares with, as written
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_REST = _NAME_START | frozenset("0123456789-")
_DIGITS = frozenset("0123456789")
# A JSON number; unambiguous (each part has one way to match), so linear in its length.
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORDS = {"true": True, "false": False, "null": None}
_SUBSET = "the subset is .name, ['name'], [index], [*] and [?(@.key == value)]"
_MISSING = object()

Selector = Callable[[object], Iterator[object]]


class PathError(ValueError):
    """A path outside the subset kickoff reads."""


@dataclass(frozen=True)
class JsonPath:
    text: str
    selectors: tuple[Selector, ...]

    def find(self, document: object) -> list[object]:
        values = [document]
        for select in self.selectors:
            values = [found for value in values for found in select(value)]
        return values

    def first(self, document: object) -> object:
        """The first value found; LookupError when the path finds nothing."""
        found = self.find(document)
        if not found:
            raise LookupError(f"{self.text} found nothing")
        return found[0]


def compile_path(text: str) -> JsonPath:
    if len(text) > MAX_PATH_CHARS:
        raise PathError(
            f"is {len(text):,} characters long; a JSONPath here has at most {MAX_PATH_CHARS:,}"
        )
    if not text.startswith("$"):
        raise PathError("a JSONPath starts with $ (e.g. $.events[0].id)")
    reader = _Reader(text)
    selectors = []
    while not reader.done():
        selectors.append(reader.step())
    return JsonPath(text, tuple(selectors))


class _Reader:
    """Reads a path's steps left to right; every character is looked at a bounded
    number of times."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 1  # after the $

    def done(self) -> bool:
        return self.at >= len(self.text)

    def step(self) -> Selector:
        start = self.at
        try:
            if self._take("."):
                if self._take("*"):
                    return _every
                return _member(self._name())
            if self._take("["):
                selector = self._bracket()
                self._spaces()
                self._expect("]")
                return selector
        except _Unreadable:
            pass
        raise PathError(
            f"cannot read {_shown(self.text[start:])} (character {start + 1}); {_SUBSET}"
        )

    def _bracket(self) -> Selector:
        self._spaces()
        if self._take("*"):
            return _every
        if self._peek() in ("'", '"'):
            return _member(self._string())
        if self._take("?"):
            return self._filter()
        return _index(self._integer())

    def _filter(self) -> Selector:
        self._expect("(")
        self._spaces()
        self._expect("@")
        member = []
        while self._take("."):
            member.append(self._name())
        if not member:
            raise _Unreadable
        self._spaces()
        op = self.text[self.at : self.at + 2]
        if op not in ("==", "!="):
            raise _Unreadable
        self.at += 2
        self._spaces()
        wanted = self._literal()
        self._spaces()
        self._expect(")")
        return _filter(member, op, wanted)

    def _literal(self) -> object:
        start = self.at
        if self._peek() in ("'", '"'):
            return self._string()
        number = _NUMBER.match(
            self.text, self.at, min(len(self.text), self.at + MAX_NUMBER_CHARS + 1)
        )
        if (
            number
            and number.end() - start <= MAX_NUMBER_CHARS
            and self._peek(number.end()) not in _DIGITS
        ):
            self.at = number.end()
            return json.loads(number[0])
        for word, value in _WORDS.items():
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return value
        end = self.text.find(")", start)
        raise PathError(
            f"{_shown(self.text[start : end if end >= 0 else None].strip())} is not a "
            f"value to compare with (write 'text', a number of at most "
            f"{MAX_NUMBER_CHARS} characters, true, false or null)"
        )

    def _string(self) -> str:
        """'text' (as written) or "text" (a JSON string, with its escapes)."""
        quote, start = self.text[self.at], self.at
        self.at += 1
        while not self.done() and self.text[self.at] != quote:
            self.at += 2 if quote == '"' and self.text[self.at] == "\\" else 1
        if self.done():
            raise _Unreadable
        self.at += 1
        if quote == "'":
            return self.text[start + 1 : self.at - 1]
        try:
            return json.loads(self.text[start : self.at])
        except ValueError:
            raise _Unreadable from None

    def _integer(self) -> int:
        start = self.at
        self._take("-")
        while self._peek() in _DIGITS:
            self.at += 1
        digits = self.at - start - (self._peek(start) == "-")
        if digits == 0:
            raise _Unreadable
        if digits > MAX_INDEX_DIGITS:
            raise PathError(
                f"an index of {digits:,} digits (character {start + 1}); an index "
                f"has at most {MAX_INDEX_DIGITS}"
            )
        return int(self.text[start : self.at])

    def _name(self) -> str:
        start = self.at
        if self._peek() not in _NAME_START:
            raise _Unreadable
        while self._peek() in _NAME_REST:
            self.at += 1
        return self.text[start : self.at]

    def _spaces(self) -> None:
        while self._peek().isspace():
            self.at += 1

    def _peek(self, at: int | None = None) -> str:
        at = self.at if at is None else at
        return self.text[at] if at < len(self.text) else ""

    def _take(self, char: str) -> bool:
        if self._peek() == char:
            self.at += 1
            return True
        return False

    def _expect(self, char: str) -> None:
        if not self._take(char):
            raise _Unreadable


class _Unreadable(Exception):
    """The step cannot be read: reported with the rest of the path."""


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _member(name: str) -> Selector:
    return lambda value: iter([value[name]] if isinstance(value, dict) and name in value else [])


def _every(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, list):
        yield from value


def _index(index: int) -> Selector:
    def select(value: object) -> Iterator[object]:
        if isinstance(value, list) and -len(value) <= index < len(value):
            yield value[index]

    return select


def _filter(member: list[str], op: str, wanted: object) -> Selector:
    def value_of(item: object) -> object:
        for name in member:
            if not isinstance(item, dict) or name not in item:
                return _MISSING
            item = item[name]
        return item

    def select(value: object) -> Iterator[object]:
        for item in _every(value):
            have = value_of(item)
            if have is not _MISSING and _equal(have, wanted) == (op == "=="):
                yield item

    return select


def _equal(have: object, wanted: object) -> bool:
    if isinstance(have, bool) or isinstance(wanted, bool):  # 1 == true in Python, never in JSON
        return type(have) is type(wanted) and have == wanted
    return have == wanted
