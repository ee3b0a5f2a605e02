"""The YAML loader documents are read with: PyYAML's safe loader, bounded and
without YAML 1.1's surprises.

- Nesting deeper than MAX_DEPTH, or a document that expands (aliases counted
  as often as they are used) to more than MAX_NODES nodes, is refused while it
  is composed, as soon as the count passes the budget: an alias bomb ("billion
  laughs") stops within its first nodes, a 900,000-item list at its 200,001st.
- Dates and base-60 numbers are not resolved: `2024-13-45` and `190:20:30`
  stay text, for the fields to judge.
- A value its tag cannot read (`!!int abc`, a 5,000-digit number) is a YAML
  error at the value's line, never another exception.
"""

from __future__ import annotations

import re
from typing import Any, cast

import yaml

MAX_DEPTH = 50
MAX_NODES = 200_000
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
# PyYAML's own patterns without their base-60 alternatives.
_NUMBERS = {
    _FLOAT: re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                        |[-+]?\.(?:inf|Inf|INF)
                        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    _INT: re.compile(
        r"""^(?:[-+]?0b[0-1_]+
                      |[-+]?0[0-7_]+
                      |[-+]?(?:0|[1-9][0-9_]*)
                      |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
}
# What PyYAML's constructors raise besides YAML errors on a value they cannot read.
_CONSTRUCTOR_ERRORS = (ValueError, KeyError, AttributeError, IndexError, OverflowError, TypeError)


class Loader(yaml.SafeLoader):
    yaml_implicit_resolvers = {
        first: [
            (tag, _NUMBERS.get(tag, pattern)) for tag, pattern in resolvers if tag != _TIMESTAMP
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._count = 0  # nodes composed so far, an alias counting as the nodes it repeats
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it expands to, once composed

    # index: a sequence item's position or a mapping value's key node (the stubs say int).
    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            anchored = self.anchors.get(event.anchor)
            if anchored is not None and id(anchored) not in self._sizes:
                # the pure-Python composer's events carry yaml.error.Mark
                raise yaml.MarkedYAMLError(
                    problem="an alias refers to itself",
                    problem_mark=cast(yaml.error.Mark, event.start_mark),
                )
        self._count += (
            self._sizes[id(anchored)]
            if isinstance(event, yaml.AliasEvent) and anchored is not None
            else 1
        )
        if self._count > MAX_NODES:
            raise yaml.MarkedYAMLError(
                problem=f"expands to more than {MAX_NODES:,} values "
                "(aliases count each time they are used)",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark
            )
        node = super().compose_node(parent, index)
        assert node is not None  # composing an event always makes a node
        self._depth -= 1
        self._sizes[id(node)] = self._size(node)
        return node

    def _size(self, node: yaml.Node) -> int:
        if id(node) in self._sizes:  # an alias: the anchored value again
            return self._sizes[id(node)]
        if isinstance(node, yaml.SequenceNode):
            return 1 + sum(self._sizes[id(item)] for item in node.value)
        if isinstance(node, yaml.MappingNode):
            return 1 + sum(
                self._sizes[id(key)] + self._sizes[id(value)] for key, value in node.value
            )
        return 1


def construct(loader: Loader, node: yaml.Node) -> object:
    """The scalar's value; a value its tag cannot read is a YAML error at its line."""
    try:
        return loader.construct_object(node)
    except _CONSTRUCTOR_ERRORS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise yaml.MarkedYAMLError(
            problem=f"not a valid {tag} value", problem_mark=node.start_mark
        ) from None
