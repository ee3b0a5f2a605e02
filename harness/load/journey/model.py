"""A data journey as the viewer runs it: steps, conditions, extractions,
repeated flows. Built (and checked) by format.py from YAML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from harness.load.journey.accounts import Accounts
from harness.load.journey.code import Journey
from harness.load.journey.http import Response
from harness.load.journey.jsonpath import JsonPath
from harness.load.journey.pattern import Pattern
from harness.load.journey.viewer import Viewer
from harness.spec.template import Template

BUILT_IN = ("viewer", "client", "subscriber", "event")  # besides account.<column>


@dataclass(frozen=True)
class Condition:
    """When a step runs; a key left out does not restrict."""

    subscriber: bool | None = None
    clients: tuple[str, ...] | None = None
    event: bool | None = None  # whether the scenario names audience.event
    newcomer: bool | None = None  # whether the viewer has no account (signs up first)

    def holds(self, viewer: Viewer) -> bool:
        return (
            (self.subscriber is None or self.subscriber == viewer.subscriber)
            and (self.clients is None or viewer.client in self.clients)
            and (self.event is None or self.event == bool(viewer.event))
            and (self.newcomer is None or self.newcomer == (viewer.newcomer is not None))
        )


@dataclass(frozen=True)
class Extraction:
    variable: str
    source: str  # "json", "header", "cookie" or "regex"
    expression: str  # as written: a JSONPath, header or cookie name, or a pattern
    path: JsonPath | None = None
    pattern: Pattern | None = None

    def value(self, response: Response, jar: dict[str, str]) -> str:
        """The value from `response`; LookupError (or ValueError) when it is not there."""
        if self.path is not None:
            found = self.path.first(response.json())
            return found if isinstance(found, str) else _json_text(found)
        if self.pattern is not None:
            return self.pattern.first(response.text)
        text: str | None = (
            response.headers.get(self.expression.lower())
            if self.source == "header"
            else response.cookies.get(self.expression, jar.get(self.expression))
        )
        if text is None:
            raise LookupError(f"no {self.source} {self.expression}")
        return text


def _json_text(value: object) -> str:
    """A found number or structure as text for templates: 42, true, {"a": 1}."""
    return (
        str(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else json.dumps(value)
    )


@dataclass(frozen=True)
class Step:
    name: str  # names its failures: "journey step 'login': HTTP 401"
    group: str  # the request group its request counts under
    method: str
    url: Template
    headers: tuple[tuple[str, Template], ...] = ()
    query: tuple[tuple[str, Template], ...] = ()
    json: object = None  # JSON with Templates for strings; None: no JSON body
    form: tuple[tuple[str, Template], ...] | None = None
    accept: frozenset[int] | None = None  # None: any 2xx
    extract: tuple[Extraction, ...] = ()
    when: Condition = Condition()
    tries: int | None = None  # None: the flow's default


@dataclass(frozen=True)
class Repeat:
    """Steps repeated while watching, every so often per client type."""

    every: dict[str, float]  # seconds, by client type
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class DataJourney:
    source: str  # the file (and field) it was read from, for messages
    steps: tuple[Step, ...]
    play: Template
    while_watching: tuple[Repeat, ...] = ()
    api_users: dict[str, tuple[Step, ...]] | None = None
    accounts: Accounts | None = None
    leaving: dict[str, tuple[Step, ...]] = field(default_factory=dict)  # flows by name

    @property
    def groups(self) -> tuple[str, ...]:
        """Every request group the journey's steps use, in order of appearance."""
        steps = [
            *self.steps,
            *(s for r in self.while_watching for s in r.steps),
            *(s for flow in (self.api_users or {}).values() for s in flow),
            *(s for flow in self.leaving.values() for s in flow),
        ]
        return tuple(dict.fromkeys(step.group for step in steps))

    @property
    def api_kinds(self) -> tuple[str, ...]:
        return tuple(self.api_users or ())

    @property
    def leaving_flows(self) -> tuple[str, ...]:
        return tuple(self.leaving)


PLUGIN_SOURCE = "plugin:"  # a code journey's source when an installed plugin gives it


@dataclass(frozen=True)
class CodeJourney:
    source: str  # FILE:CLASS as written, or plugin:NAME
    path: Path
    cls: type[Journey]
    accounts: Accounts | None = None

    @property
    def from_plugin(self) -> bool:
        """Given by an installed plugin (which the workers of a run have installed too)."""
        return self.source.startswith(PLUGIN_SOURCE)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.cls.groups)

    @property
    def api_kinds(self) -> tuple[str, ...]:
        return tuple(self.cls.api_kinds)

    @property
    def leaving_flows(self) -> tuple[str, ...]:
        return tuple(self.cls.leaving_flows)
