"""Journeys as code: a user's Python class, for a team that already has its
app's requests in code (a Locust task, a test client).

    from harness.load.journey import Journey

    class MyApp(Journey):
        groups = ("token", "playback-info")

        def playback_url(self) -> str:
            token = self.fetch("POST", "/oauth/token", group="token", data={...}).json()
            ...
            return info["url"]

The class is loaded from a file next to the scenario
(`journey: {python: journeys/myapp.py:MyApp}`), inside the folder of the file
naming it unless --allow-code-outside; one instance per viewing attempt.
Loading imports the module, that is runs it: validation does so in a child
process (contained.py), a run in its own. docs/journeys.md is the user's
reference.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from harness.load.journey.http import Fetch, Response
from harness.load.journey.viewer import Viewer
from harness.measure.metrics import GROUP_RULE, is_group
from harness.spec.file_names import file_problem
from harness.spec.shown import shown


class Journey:
    """Base class of code journeys. Subclasses implement playback_url();
    while_watching() and api_user() are optional."""

    groups: tuple[str, ...] = ()  # request groups fetch() is called with (SLOs may name them)
    watch_every: float | None = None  # seconds between while_watching() calls; None: never
    api_kinds: tuple[str, ...] = ()  # api user kinds api_user() serves
    leaving_flows: tuple[str, ...] = ()  # audience.leaving flows leaving() serves

    def __init__(self, fetch: Fetch, viewer: Viewer) -> None:
        self._fetch = fetch
        self.viewer = viewer.number  # the viewer's number in the run, from 0
        self.client = viewer.client  # web, app or tv ("" for an API user)
        self.subscriber = viewer.subscriber
        self.event = viewer.event  # the scenario's audience.event, or None
        self.account = dict(viewer.account or {})  # this viewer's accounts row, if any
        # a newcomer's sign-up for this attempt (.username, .password); None: has an account
        self.newcomer = viewer.newcomer

    def fetch(
        self,
        method: str,
        url: str,
        *,
        group: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        accept: Collection[int] | None = None,
    ) -> Response:
        """One request, recorded under `group` like every request of the run.
        `url` is relative to the stack's edge, or absolute; `data` is a form
        body. Raises FetchError unless the status is in `accept` (default any 2xx),
        ValueError when `group` is not a request group name (GROUP_RULE)."""
        if not is_group(group):  # every file of the run must read back
            raise ValueError(f"group {group!r} is not {GROUP_RULE}")
        return self._fetch(
            method,
            url,
            group=group,
            headers=headers,
            params=params,
            json=json,
            data=data,
            accept=accept,
        )

    def playback_url(self) -> str:
        """What the app does before the player; returns the stream's URL (master
        playlist or MPD, absolute or relative to the edge)."""
        raise NotImplementedError(f"{type(self).__name__} has no playback_url()")

    def while_watching(self) -> None:
        """Called every `watch_every` seconds during playback (heartbeats, renewals)."""

    def api_user(self, kind: str) -> None:
        """One round of API user `kind` (one of `api_kinds`), called every interval."""
        raise NotImplementedError(f"{type(self).__name__} has no api_user()")

    def leaving(self, flow: str) -> None:
        """What the app does when its viewer leaves the player (`flow`: one of
        `leaving_flows`, as audience.leaving names it), e.g. the home screen."""
        raise NotImplementedError(f"{type(self).__name__} has no leaving()")


class LoadError(ValueError):
    """A journey class that cannot be loaded."""


# Code from outside the folder of the file that names it is refused unless
# the command line allows it (--allow-code-outside): a journey's module runs.
_outside_allowed = False
_LONGEST_ERROR = 300  # characters of an import error's message that are shown


def allow_outside(allowed: bool) -> None:
    """Whether a code journey may come from outside the folder of the file
    naming it (absolute paths, ../, symlinks that lead out): --allow-code-outside."""
    global _outside_allowed
    _outside_allowed = allowed


def located(spec: str, folder: Path, *, contained: bool = True) -> tuple[Path, str]:
    """(file, class name) of `FILE.py:Class`, FILE relative to `folder` and, if
    `contained` and the command line does not allow otherwise, inside it once
    every symlink is followed; nothing is imported."""
    file, colon, name = spec.rpartition(":")
    if not colon or not file.endswith(".py") or not name.isidentifier():
        raise LoadError(f"{shown(spec)} is not FILE.py:Class (write e.g. journeys/myapp.py:MyApp)")
    problem = file_problem(folder / file)  # before resolving: a loop of links is no path
    if problem:
        raise LoadError(f"{problem} (a relative path is read from the scenario's folder)")
    path = (folder / file).resolve()
    if contained and not _outside_allowed and not path.is_relative_to(folder.resolve()):
        raise LoadError(
            f"{file} leads outside {folder.resolve()} (to {path}); a code journey's "
            f"module is imported and run, so it must lie in the folder of the file "
            f"naming it (--allow-code-outside allows it elsewhere)"
        )
    return path, name


def load_class(spec: str, folder: Path, *, contained: bool = True) -> tuple[Path, type[Journey]]:
    """(file, class) of `FILE.py:Class`, FILE relative to `folder`, imported
    into this process (located() first)."""
    path, name = located(spec, folder, contained=contained)
    return path, journey_class(imported(path), spec.rpartition(":")[0], name)


def journey_class(module: object, file: str, name: str) -> type[Journey]:
    """Class `name` of the imported `module`, checked to be a journey class."""
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        classes = [
            k
            for k, v in vars(module).items()
            if isinstance(v, type) and issubclass(v, Journey) and v is not Journey
        ]
        raise LoadError(
            f"{file} has no class {name} (journey classes there: {', '.join(classes) or 'none'})"
        )
    if not issubclass(cls, Journey):
        raise LoadError(f"{name} is not a subclass of harness.load.journey.Journey")
    malformed = [group for group in cls.groups if not isinstance(group, str) or not is_group(group)]
    if malformed:
        raise LoadError(f"{name}.groups: {shown(malformed[0])} is not {GROUP_RULE}")
    return cls


def imported(path: Path) -> object:
    """The module at `path`, run once per process (again: the same module)."""
    name = f"kickoff_journey_{abs(hash(str(path)))}"
    if name in sys.modules:  # validated already: the same class at run time
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # a name Python does not import (not a .py)
        raise LoadError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        line = _line_in(error, path)
        raise LoadError(
            f"{path.name}{f':{line}' if line else ''} does not import: "
            f"{error.__class__.__name__}: {str(error)[:_LONGEST_ERROR]}"
        ) from None
    sys.modules[name] = module
    return module


def _line_in(error: BaseException, path: Path) -> int | None:
    if isinstance(error, SyntaxError) and error.filename == str(path):
        return error.lineno
    trace, line = error.__traceback__, None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == str(path):
            line = trace.tb_lineno
        trace = trace.tb_next
    return line
