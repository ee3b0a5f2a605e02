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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_STEP = re.compile(
    rf"\.(?P<dot>{_NAME}|\*)"
    r"|\[\s*(?:'(?P<single>[^']*)'|\"(?P<double>[^\"]*)\"|(?P<index>-?\d+)|(?P<star>\*)"
    rf"|\?\(\s*@(?P<member>(?:\.{_NAME})+)\s*(?P<op>==|!=)\s*(?P<literal>[^)]*?)\s*\))\s*\]")
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
    if not text.startswith("$"):
        raise PathError("a JSONPath starts with $ (e.g. $.events[0].id)")
    selectors, at = [], 1
    while at < len(text):
        match = _STEP.match(text, at)
        if match is None:
            raise PathError(f"cannot read {text[at:]!r} (character {at + 1}); the subset is .name, "
                            f"['name'], [index], [*] and [?(@.key == value)]")
        selectors.append(_selector(match))
        at = match.end()
    return JsonPath(text, tuple(selectors))


def _selector(match: re.Match) -> Selector:
    name = match["dot"] or match["single"] or match["double"]
    if name == "*" or match["star"]:
        return _every
    if name is not None:
        return lambda value: iter([value[name]] if isinstance(value, dict) and name in value
                                  else [])
    if match["index"] is not None:
        return _index(int(match["index"]))
    return _filter(match["member"][1:].split("."), match["op"], _literal(match["literal"]))


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


def _literal(text: str) -> object:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        raise PathError(f"{text!r} is not a value to compare with (write 'text', a number, "
                        f"true, false or null)") from None


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
