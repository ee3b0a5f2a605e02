"""The journey file format (YAML, or inline under a scenario's `journey:`)
and the checks between its fields: every template names a variable that
exists by then, JSONPaths and patterns read, the accounts file has the
columns the templates use. Problems go to the Document, one line each.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from harness.load.clients import CLIENTS
from harness.load.journey.accounts import Accounts, AccountsError, read_accounts
from harness.load.journey.jsonpath import PathError, compile_path
from harness.load.journey.model import BUILT_IN, Condition, DataJourney, Extraction, Repeat, Step
from harness.load.journey.newcomers import VARIABLES as NEWCOMER
from harness.load.journey.pattern import PatternError, compile_pattern
from harness.measure.metrics import GROUP_PATTERN, GROUP_RULE
from harness.spec.document import Document, Where
from harness.spec.fields import (
    Choice,
    Field,
    FileName,
    FreeMapping,
    Items,
    Number,
    Record,
    Text,
    Time,
    unknown,
)
from harness.spec.file_names import name_problem
from harness.spec.shown import shown
from harness.spec.template import Template, TemplateError, parse

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
SOURCES = ("json", "header", "cookie", "regex")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FIXED = ("viewer", "client", "subscriber")  # built-ins no step may set (event it may)


class TemplateText(Field):
    """Text with {variables}: read as a Template."""

    def __init__(self, description: str, *, blank: bool = False) -> None:
        super().__init__(description)
        self._text = Text(description, blank=blank)

    def schema(self) -> dict:
        return self._text.schema()

    def read(self, value: object, where: Where, document: Document) -> Template | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        text = self._text.read(value, where, document)
        try:
            return parse(text) if text is not None else None
        except TemplateError as error:
            document.problem(where, str(error))
            return None


class TemplateMap(FreeMapping):
    """name: template, e.g. headers."""

    def read(self, value: object, where: Where, document: Document) -> dict | None:
        mapping = super().read(value, where, document)
        if mapping is None:
            return None
        field = TemplateText("a value", blank=True)
        return {str(k): field.read(v, where + (k,), document) for k, v in mapping.items()}

    def schema(self) -> dict:
        return {**super().schema(), "additionalProperties": {"type": ["string", "number"]}}


class JsonBody(Field):
    """Any JSON value; its strings are templates."""

    def read(self, value: object, where: Where, document: Document) -> object:
        if isinstance(value, dict):
            return {k: self.read(v, where + (k,), document) for k, v in value.items()}
        if isinstance(value, list):
            return [self.read(v, where + (i,), document) for i, v in enumerate(value)]
        if isinstance(value, str):
            return TemplateText("", blank=True).read(value, where, document)
        return value

    def schema(self) -> dict:
        return {"description": self.description}


class Flag(Field):
    def read(self, value: object, where: Where, document: Document) -> bool | None:
        if isinstance(value, bool):
            return value
        self._wrong(value, where, document, "true or false")
        return None

    def schema(self) -> dict:
        return {"type": "boolean", "description": self.description}


class Every(Field):
    """A duration, or one per client type: {web: 60s, app: 30s, tv: 2m}."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.duration = Time("seconds", duration=True)
        self.per_client = Record(
            "per client type", {c: self.duration for c in CLIENTS}, required=tuple(CLIENTS)
        )

    def read(self, value: object, where: Where, document: Document) -> dict | None:
        if isinstance(value, dict):
            every = self.per_client.read(value, where, document)
            return (
                every
                if every and None not in every.values() and len(every) == len(CLIENTS)
                else None
            )
        seconds = self.duration.read(value, where, document)
        return None if seconds is None else dict.fromkeys(CLIENTS, seconds)

    def schema(self) -> dict:
        return {
            "anyOf": [self.duration.schema(), self.per_client.schema()],
            "description": self.description,
        }


class Extract(Field):
    """variable: {json: PATH} | {header: NAME} | {cookie: NAME} | {regex: PATTERN}.
    Read as a list of Extractions; one with a problem stays as its variable's name."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.source = Record(
            "where the value comes from",
            {
                "json": Text("a JSONPath into the JSON body, e.g. $.events[0].id"),
                "header": Text("an answer header's name"),
                "cookie": Text("a cookie's name (set by this answer, or kept in the jar)"),
                "regex": Text("a regular expression on the body; its first group, else the match"),
            },
            exactly_one=SOURCES,
        )

    def read(self, value: object, where: Where, document: Document) -> list | None:
        if not isinstance(value, dict):
            self._wrong(
                value,
                where,
                document,
                "a mapping of variables",
                "e.g. {token: {json: $.access_token}}",
            )
            return None
        extractions = []
        for variable, spec in value.items():
            here = where + (variable,)
            if (
                not isinstance(variable, str)
                or not _VARIABLE.fullmatch(variable)
                or variable in FIXED
            ):
                document.problem(
                    here,
                    f"{shown(variable)} cannot be a variable's name (letters, "
                    f"digits and _, not {', '.join(FIXED)})",
                )
                continue
            source = self.source.read(spec, here, document)
            if source and len(source) == 1 and None not in source.values():
                extractions.append(
                    _extraction(variable, *next(iter(source.items())), here, document) or variable
                )
            else:
                extractions.append(variable)
        return extractions

    def schema(self) -> dict:
        return {
            "type": "object",
            "description": self.description,
            "additionalProperties": self.source.schema(),
        }


def _extraction(
    variable: str, source: str, expression: str, where: Where, document: Document
) -> Extraction | None:
    try:
        if source == "json":
            return Extraction(variable, source, expression, path=compile_path(expression))
        if source == "regex":
            return Extraction(variable, source, expression, pattern=compile_pattern(expression))
    except PathError as error:
        document.problem(where + (source,), f"bad JSONPath: {error}")
        return None
    except PatternError as error:
        document.problem(where + (source,), f"bad regular expression: {error}")
        return None
    return Extraction(variable, source, expression)


STEP = Record(
    "an HTTP request the app makes",
    {
        "name": Text("names the step in failure reasons (default: its group)"),
        "group": Text(
            "the request group it counts under (per-group stats and SLOs)",
            pattern=GROUP_PATTERN,
            rule=GROUP_RULE,
        ),
        "method": Choice(
            "default GET, or POST with a json or form body", METHODS, noun="HTTP method"
        ),
        "url": TemplateText("relative to the stack's edge, or absolute"),
        "headers": TemplateMap("request headers"),
        "query": TemplateMap("query string parameters"),
        "json": JsonBody("a JSON body"),
        "form": TemplateMap("a form body (application/x-www-form-urlencoded)"),
        "accept": Items(
            "statuses that count as success (default any 2xx)",
            Number("an HTTP status", integer=True, minimum=100, maximum=599),
            at_least=1,
        ),
        "extract": Extract("variables taken from the answer for later steps"),
        "when": Record(
            "run the step only for some viewers",
            {
                "subscriber": Flag("subscribers only (true) or non-subscribers only (false)"),
                "client": Items(
                    "these client types only",
                    Choice("a client type", tuple(CLIENTS), noun="client type"),
                    at_least=1,
                ),
                "event": Flag("only when the scenario names audience.event (true) or not (false)"),
                "newcomer": Flag(
                    "newcomers only (true: viewers without an account, who sign up "
                    "first; audience.newcomers) or viewers with an account only (false)"
                ),
            },
        ),
        "tries": Number(
            "tries before the step fails (default 4 before playing, with backoff; 1 "
            "in repeated flows); only no answer, a 5xx, 408 or 429 is tried again",
            integer=True,
            minimum=1,
            maximum=10,
        ),
    },
    required=("group", "url"),
)
_STEPS = Items("steps in order", STEP)
FORMAT = Record(
    "what the app does before and while playing",
    {
        "accounts": FileName(
            "a CSV file of accounts (username,password,... columns), relative to "
            "this file; used round robin by viewer number"
        ),
        "steps": _STEPS,
        "play": TemplateText('the stream the player opens, e.g. "{playback_url}"'),
        "while_watching": Items(
            "steps repeated during playback",
            Record(
                "a repeated flow",
                {
                    "every": Every("how often: a duration, or one per client type"),
                    "steps": Items("steps in order", STEP, at_least=1),
                },
                required=("every", "steps"),
            ),
        ),
        "api_users": FreeMapping("flows of API users by kind: {epg: {steps: [...]}}"),
        "leaving": FreeMapping(
            "flows a viewer's app runs when the viewer leaves the player "
            "(audience.leaving's flow): {home: {steps: [...]}}"
        ),
    },
    required=("play",),
)
_API_FLOW = Record(
    "a named flow: what an API user does each interval, or an app when its viewer leaves",
    {"steps": Items("steps in order", STEP, at_least=1)},
    required=("steps",),
)
CODE = Record(
    "a journey as a Python class",
    {
        "python": FileName(
            "FILE.py:Class, relative to this file; Class subclasses harness.load.journey.Journey"
        ),
        "accounts": FileName("a CSV file of accounts, relative to this file"),
    },
    required=("python",),
)
PLUGIN = Record(
    "a journey an installed plugin gives (entry point group kickoff.journeys)",
    {
        "plugin": Text("the journey's name, as the plugin's entry point gives it"),
        "accounts": FileName("a CSV file of accounts, relative to this file"),
    },
    required=("plugin",),
)


def read_data(
    data: object, where: Where, folder: Path, document: Document, source: str
) -> DataJourney | None:
    """The data journey in `data`, read and checked across fields; None when
    it has problems (each reported to `document`)."""
    before = document.problem_count
    values = FORMAT.read(data, where, document) or {}
    accounts = read_accounts_field(values, where, folder, document)
    flows = _flows(values, "api_users", where, document)
    leaving = _flows(values, "leaving", where, document)
    start = _check_steps(
        values.get("steps") or [], where + ("steps",), _known(accounts), accounts, document
    )
    if values.get("play"):
        _check_templates([(where + ("play",), values["play"])], start, accounts, document)
    for index, repeat in enumerate(values.get("while_watching") or []):
        _check_steps(
            (repeat or {}).get("steps") or [],
            where + ("while_watching", index, "steps"),
            start,
            accounts,
            document,
        )
    for kind, steps in flows.items():
        _check_steps(
            steps or [],
            where + ("api_users", kind, "steps"),
            _known(accounts),
            accounts,
            document,
            newcomers=False,
        )
    for name, steps in leaving.items():  # after the steps: a viewer leaving knows their variables
        _check_steps(
            steps or [],
            where + ("leaving", name, "steps"),
            start,
            accounts,
            document,
            newcomers=False,
        )
    if document.problem_count > before:
        return None
    return DataJourney(
        source,
        tuple(_step(s) for s in values.get("steps", ())),
        values["play"],
        tuple(
            Repeat(r["every"], tuple(_step(s) for s in r["steps"]))
            for r in values.get("while_watching", ())
        ),
        {kind: tuple(_step(s) for s in steps or ()) for kind, steps in flows.items()} or None,
        accounts or None,  # False (unusable) came with a problem
        leaving={name: tuple(_step(s) for s in steps or ()) for name, steps in leaving.items()},
    )


def _flows(values: dict, key: str, where: Where, document: Document) -> dict[str, list | None]:
    """The named flows under `key` (api_users, leaving): name -> steps (None: a problem)."""
    flows = {}
    for name, flow in (values.get(key) or {}).items():
        if not isinstance(name, str) or not _VARIABLE.fullmatch(name):
            document.problem(where + (key, name), f"{shown(name)} is not a flow's name")
        flows[name] = (_API_FLOW.read(flow, where + (key, name), document) or {}).get("steps")
    return flows


def read_accounts_field(
    values: dict, where: Where, folder: Path, document: Document
) -> Accounts | Literal[False] | None:
    """The accounts named by `values`; None when none are named, False when unusable."""
    if values.get("accounts") is None:
        return False if "accounts" in values else None
    try:
        return read_accounts(folder / values["accounts"])
    except AccountsError as error:
        document.problem(
            where + ("accounts",), f"{error} (a relative path is read from this file's folder)"
        )
        return False


def _known(accounts: Accounts | Literal[False] | None) -> set[str]:
    return set(BUILT_IN) | {f"account.{c}" for c in (accounts.columns if accounts else ())}


def _check_steps(
    steps: list,
    where: Where,
    known: set[str],
    accounts: Accounts | Literal[False] | None,
    document: Document,
    newcomers: bool = True,
) -> set[str]:
    """Check each step's templates against the variables set before it; return
    the variables known after the last step. newcomers: whether the steps'
    runners can be newcomers (API users cannot)."""
    known = set(known)
    for index, step in enumerate(steps):
        if not step:
            continue
        here = where + (index,)
        if "json" in step and "form" in step:
            document.problem(here + ("form",), "a step sends a json or a form body, not both")
        newcomers_only = newcomers and (step.get("when") or {}).get("newcomer") is True
        _check_templates(
            _templates(step, here),
            known | set(NEWCOMER if newcomers_only else ()),
            accounts,
            document,
        )
        # a variable whose extraction has a problem is still known: one problem, one line
        known |= {e.variable if isinstance(e, Extraction) else e for e in step.get("extract") or ()}
    return known


def _templates(step: dict, where: Where) -> list[tuple[Where, Template]]:
    found = [(where + ("url",), step.get("url"))]
    for key in ("headers", "query", "form"):
        found += [(where + (key, name), t) for name, t in (step.get(key) or {}).items()]
    found += _json_templates(step.get("json"), where + ("json",))
    return [(place, template) for place, template in found if template is not None]


def _json_templates(value: object, where: Where) -> list[tuple[Where, Template]]:
    if isinstance(value, Template):
        return [(where, value)]
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    return [found for key, item in items for found in _json_templates(item, where + (key,))]


def _check_templates(
    templates: list[tuple[Where, Template]],
    known: set[str],
    accounts: Accounts | Literal[False] | None,
    document: Document,
) -> None:
    for where, template in templates:
        for name in template.names:
            if name in known or (name.startswith("account.") and accounts is False):
                continue  # accounts already reported unusable
            if name in NEWCOMER:
                document.problem(
                    where,
                    f"{{{name}}} is set only for newcomers, in steps with "
                    f"when: {{newcomer: true}} (API users are never newcomers)",
                )
                continue
            if name.startswith("account.") and accounts is None:
                document.problem(
                    where,
                    f"{{{name}}} needs accounts (add accounts: FILE, a CSV "
                    f"file with username,password,... columns)",
                )
            else:
                unknown(
                    document,
                    where,
                    f"unknown variable {{{name}}}",
                    name,
                    sorted(known),
                    f"variables here: {', '.join(sorted(known))}",
                )


def _step(values: dict) -> Step:
    when = values.get("when", {})
    has_body = "json" in values or "form" in values
    return Step(
        name=values.get("name", values["group"]),
        group=values["group"],
        method=values.get("method", "POST" if has_body else "GET"),
        url=values["url"],
        headers=tuple(values.get("headers", {}).items()),
        query=tuple(values.get("query", {}).items()),
        json=values.get("json"),
        form=tuple(values["form"].items()) if "form" in values else None,
        accept=frozenset(values["accept"]) if "accept" in values else None,
        extract=tuple(values.get("extract", ())),
        when=Condition(
            when.get("subscriber"),
            tuple(when["client"]) if "client" in when else None,
            when.get("event"),
            when.get("newcomer"),
        ),
        tries=values.get("tries"),
    )


class JourneySpec(Field):
    """A scenario's `journey:`: a file name, or a mapping (inline, {python: ...}
    or {plugin: ...})."""

    def read(self, value: object, where: Where, document: Document) -> str | dict | None:
        if isinstance(value, str) and value.strip():
            problem = name_problem(value)
            if problem:
                document.problem(where, problem)
                return None
            return value
        if isinstance(value, dict):
            return value
        self._wrong(
            value,
            where,
            document,
            "a journey",
            "write a file name, the steps "
            "inline, {python: FILE.py:Class} or {plugin: NAME}; see docs/journeys.md",
        )
        return None

    def schema(self) -> dict:
        return {
            "anyOf": [
                {"type": "string", "minLength": 1},
                FORMAT.schema(),
                CODE.schema(),
                PLUGIN.schema(),
            ],
            "description": self.description,
        }
