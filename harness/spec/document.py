"""A YAML file as a validator needs it: plain data, the line of every key and
list item (from the parser's marks), and its problems reported as
`FILE:LINE: FIELD.PATH: problem (hint)`, one line each, all at once.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from harness.spec.document_loader import Loader as _Loader
from harness.spec.document_loader import construct as _construct
from harness.spec.errors import InvalidInput, problem_lines
from harness.spec.safe_files import NotRegular, regular_bytes
from harness.spec.shown import escaped

MAX_BYTES = 2_000_000  # a scenario with an audience point every second for days is far smaller
# C0 controls besides tab, line feed and carriage return, and DEL: never in a hand-written file.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Where = tuple[object, ...]  # a field's path: ("audience", "viewers", 2, "at"); keys as written
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


def where_text(where: Where) -> str:
    """`audience.viewers[2].at`"""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


class Document:
    """One file's data and the problems found in it."""

    def __init__(self, name: str, data: object, lines: dict[Where, int]) -> None:
        self.name = name  # the path as the user gave it
        self.data = data
        self._lines = lines
        self._problems: list[tuple[float, str]] = []  # (line to sort by, message line)
        self._origins: dict[object, str] = {}  # top-level key -> where its value came from

    def override(self, key: str, value: object, origin: str) -> None:
        """Set (None: remove) a top-level value that comes from elsewhere, such as a
        command-line option: its problems name `origin`, never a line of this file."""
        if not isinstance(self.data, dict):
            return  # not a mapping: the file's own problem, reported by its reader
        if value is None:
            self.data.pop(key, None)
        else:
            self.data[key] = value
        self._origins[key] = origin

    def problem(self, where: Where, message: str) -> None:
        origin = self._origins.get(where[0]) if where else None
        line = None if origin else self.line(where)
        place = origin or (f"{self.name}:{line}" if line else self.name)
        field = where_text(where[1:] if origin else where)
        # One line, escaped: a key or value may hold a newline and a forged line after it.
        self._problems.append(
            (line or 0, escaped(f"{place}: {field}: {message}" if field else f"{place}: {message}"))
        )

    @property
    def problem_count(self) -> int:
        """Problems found so far (a reader can tell whether its part added any)."""
        return len(self._problems)

    def include(self, error: InvalidInput) -> None:
        """Problems of another file this one names, reported after this file's own."""
        self._problems += [(math.inf, line) for line in str(error).splitlines()]

    def check(self) -> None:
        """Raise InvalidInput listing the problems in line order (at most SHOWN_PROBLEMS
        of them, then how many more), if there is any."""
        if self._problems:
            raise InvalidInput(
                problem_lines([text for _, text in sorted(self._problems, key=lambda p: p[0])])
            )

    def line(self, where: Where) -> int | None:
        """The line of the field at `where`, else of the nearest mapping holding it."""
        # A missing key has no line of its own: point at the mapping that lacks it.
        for end in range(len(where), -1, -1):
            if where[:end] in self._lines:
                return self._lines[where[:end]]
        return None


def read_text(path: Path | str) -> str:
    """The text of the regular file at `path` (through symbolic links), checked
    before any parser sees it: at most MAX_BYTES, UTF-8, no control characters.
    A named pipe, a device or a folder is refused before it is opened, so
    reading never blocks."""
    name = escaped(path)  # a path a file named may hold any character
    try:
        data = regular_bytes(path, MAX_BYTES, follow_links=True)
    except NotRegular as refused:
        problem = (
            "not a regular file"
            if refused.kind
            else f"larger than {MAX_BYTES // 1_000_000} MB"
            if refused.size
            else refused.reason
        )
        raise InvalidInput(f"{name}: cannot read: {problem}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidInput(f"{name}:{line}: cannot read: not UTF-8 text") from None
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise InvalidInput(
            f"{name}:{line}: cannot read: control character "
            f"U+{ord(control[0]):04X} (only tabs and line breaks may appear)"
        )
    return text


def read_document(path: Path | str, *, quote: bool = True) -> Document:
    """The YAML file at `path`. With `quote` False a syntax error names only its
    line: the parser's message may quote the text, and the file may hold secrets."""
    return parse_document(read_text(path), str(path), quote=quote)


def parse_document(text: str, name: str, *, quote: bool = True) -> Document:
    duplicates: list[tuple[Where, int]] = []
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        lines: dict[Where, int] = {(): root.start_mark.line + 1 if root else 1}
        data = _plain(loader, root, (), lines, duplicates) if root else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        context = getattr(error, "context", None)
        if context:
            problem += f" ({context})"
        if not quote:
            problem = "not shown, as it may quote the file"
        raise InvalidInput(
            f"{name}:{mark.line + 1 if mark else 1}: YAML syntax error: {problem}"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    document = Document(name, data, lines)
    for where, first in duplicates:
        document.problem(where, f"duplicate key (first given on line {first}; keep one)")
    return document


def _plain(
    loader: _Loader,
    node: yaml.Node,
    where: Where,
    lines: dict[Where, int],
    duplicates: list[tuple[Where, int]],
) -> object:
    """The node's value as plain data, recording the line of every key and item."""
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise yaml.MarkedYAMLError(
            problem=f"unsupported tag {node.tag}", problem_mark=node.start_mark
        )
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[where + (index,)] = item.start_mark.line + 1
            items.append(_plain(loader, item, where + (index,), lines, duplicates))
        return items
    if not isinstance(node, yaml.MappingNode):
        return _construct(loader, node)
    first: dict[object, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(
                problem="a key must be a plain value, not a list or mapping",
                problem_mark=key_node.start_mark,
            )
        if key_node.tag != _MERGE:  # keys a `<<` merge brings in may be overridden
            key = _construct(loader, key_node)
            if key in first:
                duplicates.append((where + (key,), first[key]))
            first.setdefault(key, key_node.start_mark.line + 1)
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):  # brought in by a merge
            raise yaml.MarkedYAMLError(
                problem="a key must be a plain value, not a list or mapping",
                problem_mark=key_node.start_mark,
            )
        key = _construct(loader, key_node)
        lines[where + (key,)] = key_node.start_mark.line + 1
        mapping[key] = _plain(loader, value_node, where + (key,), lines, duplicates)
    return mapping
