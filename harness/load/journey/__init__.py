"""Journeys: what a viewer's app does before and while the player plays.

A journey is data (YAML: steps, conditions, extractions, repeated flows;
format.py) or code (a subclass of `Journey`, the public base class: import it
as `harness.load.journey.Journey`; code.py), in a file or given by an
installed plugin (entry point group kickoff.journeys, harness/spec/plugins.py).
Either way the viewer gets a trip (trip.py) with four calls: playback_url(),
repeats(), api_round(kind) and leave(flow).
docs/journeys.md is the user's reference.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

from harness.load.journey.code import Journey, LoadError, load_class
from harness.load.journey.contained import described_class
from harness.load.journey.format import CODE, PLUGIN, JourneySpec, read_accounts_field, read_data
from harness.load.journey.http import Fetch, Response
from harness.load.journey.model import PLUGIN_SOURCE, CodeJourney, DataJourney
from harness.load.journey.trip import JourneyFailed, start
from harness.load.journey.viewer import Viewer
from harness.spec import plugins
from harness.spec.document import Document, Where, read_document
from harness.spec.errors import InvalidInput
from harness.spec.file_names import file_problem

AnyJourney = DataJourney | CodeJourney


@functools.cache
def plugin_journeys() -> dict[str, type[Journey]]:
    """The journeys installed plugins give, by the name a scenario uses ({plugin:
    NAME}); loaded when first asked for, with every harness module there to import."""
    return plugins.loaded(
        "kickoff.journeys",
        lambda value: isinstance(value, type) and issubclass(value, Journey),
        "a subclass of harness.load.journey.Journey",
        None,
        (),
    )


def read_journey(
    value: object, where: Where, folder: Path, document: Document, *, run_here: bool = False
) -> AnyJourney | None:
    """The journey `value` names: a file (relative to `folder`), or a mapping
    (inline steps, or {python: FILE:Class}). Problems go to `document` (a
    journey file's own, with its lines, included); None if there are any.
    A code journey's module is imported in a child process (contained.py),
    or with `run_here` into this one, to be run: validated already, where
    its module lies was checked then (a worker, started without the command
    line that allowed a module elsewhere, loads what its master validated)."""
    if isinstance(value, str):
        path = folder / value
        problem = file_problem(path)
        if problem:
            document.problem(
                where, f"{problem} (a relative path is read from the scenario's folder)"
            )
            return None
        try:
            inner = read_document(path)
            journey = _read(inner.data, (), path.parent, inner, str(path), run_here)
            inner.check()
        except InvalidInput as error:
            document.include(error)
            return None
        return journey
    return _read(
        value, where, folder, document, f"{document.name}: {'.'.join(map(str, where))}", run_here
    )


def _read(
    data: object, where: Where, folder: Path, document: Document, source: str, run_here: bool
) -> AnyJourney | None:
    if isinstance(data, dict) and "plugin" in data:
        return _plugin(data, where, folder, document)
    if isinstance(data, dict) and "python" in data:
        values = CODE.read(data, where, document) or {}
        accounts = read_accounts_field(values, where, folder, document)
        if not values.get("python"):
            return None
        try:
            path, cls = (
                load_class(values["python"], folder, contained=False)
                if run_here
                else described_class(values["python"], folder)
            )
        except LoadError as error:
            document.problem(where + ("python",), str(error))
            return None
        return CodeJourney(values["python"], path, cls, accounts or None)
    return read_data(data, where, folder, document, source)


def _plugin(data: dict, where: Where, folder: Path, document: Document) -> CodeJourney | None:
    """The journey an installed plugin gives under the name `data` has; it is
    installed code, so it is imported as any module kickoff uses."""
    values = PLUGIN.read(data, where, document) or {}
    accounts = read_accounts_field(values, where, folder, document)
    name = values.get("plugin")
    if not name:
        return None
    cls = plugin_journeys().get(name)
    if cls is None:
        document.problem(
            where + ("plugin",),
            f"no installed plugin gives a journey named "
            f"{name!r} (installed: {', '.join(plugin_journeys()) or 'none'})",
        )
        return None
    return CodeJourney(f"{PLUGIN_SOURCE}{name}", Path(inspect.getfile(cls)), cls, accounts or None)


def resolved(value: str | dict, folder: Path) -> str | dict:
    """`value` with its paths made absolute (a scenario written to a run folder
    still names the same files)."""
    if isinstance(value, str):
        return str((folder / value).resolve())
    value = dict(value)
    for key in ("python", "accounts"):
        if isinstance(value.get(key), str):
            value[key] = str((folder / value[key]).resolve())
    return value


def load(value: str | dict, folder: Path, name: str) -> AnyJourney:
    """A journey already validated with its scenario, read again for a run (a
    code journey's module imported into this process)."""
    document = Document(name, None, {})
    journey = read_journey(value, ("journey",), folder, document, run_here=True)
    document.check()
    assert journey is not None  # None comes with a problem, and check() raised it
    return journey


__all__ = [
    "AnyJourney",
    "CodeJourney",
    "DataJourney",
    "Fetch",
    "Journey",
    "JourneyFailed",
    "JourneySpec",
    "Response",
    "Viewer",
    "load",
    "read_journey",
    "resolved",
    "start",
]
