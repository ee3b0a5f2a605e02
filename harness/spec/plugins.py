"""Plugins from outside the repository: installed Python distributions that
name one of kickoff's entry point groups in their metadata (importlib.metadata,
the packaging standard), each entry point an object the registry of its group
takes as it takes its own:

- kickoff.fault_drivers: a DriverSpec (harness/faults/driver.py)
- kickoff.platforms: a PlatformSpec (harness/platforms/base.py)
- kickoff.outputs: an Output (harness/outputs/hooks.py)
- kickoff.journeys: a subclass of harness.load.journey.Journey, which a
  scenario names as `journey: {plugin: NAME}`

An entry point's name is its object's name (for a journey, the name
scenarios use). A plugin that does not load, is not what its group takes, or takes a
name kickoff or another plugin has is left out and named in problems(), which
every harness command reports as its error (exit 2) before doing anything.
docs/architecture.md says how to write one."""

from __future__ import annotations

from collections.abc import Callable, Collection
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from harness.spec.errors import InvalidInput, problem_lines

_PROBLEMS: list[str] = []  # of every group loaded so far, in the order found


def _where(point: EntryPoint) -> str:
    source = f" of {point.dist.name}" if point.dist is not None else ""
    return f"plugin {point.name!r} ({point.group}{source}: {point.value})"


def loaded(
    group: str,
    accepts: Callable[[Any], bool],
    what: str,
    name_of: Callable[[Any], str] | None,
    taken: Collection[str],
) -> dict[str, Any]:
    """The objects the installed distributions give under entry point `group`,
    by entry point name (sorted), that `accepts` takes (`what` says what that
    is), whose own name (`name_of`; None: they have none) is their entry
    point's, and whose name is not `taken`; the rest become problems()."""
    found: dict[str, Any] = {}
    for point in sorted(entry_points(group=group), key=lambda p: p.name):
        try:
            value = point.load()
        except Exception as error:  # noqa: BLE001 (any error of someone else's module)
            _PROBLEMS.append(f"{_where(point)}: does not load: {type(error).__name__}: {error}")
            continue
        if not accepts(value):
            _PROBLEMS.append(f"{_where(point)}: is {type(value).__name__}, not {what}")
        elif name_of is not None and name_of(value) != point.name:
            _PROBLEMS.append(
                f"{_where(point)}: names itself {name_of(value)!r}: an entry "
                f"point's name is its object's"
            )
        elif point.name in taken or point.name in found:
            _PROBLEMS.append(f"{_where(point)}: the name {point.name!r} is taken already")
        else:
            found[point.name] = value
    return found


def with_plugins(
    own: tuple[Any, ...],
    group: str,
    kind: type,
    what: str,
    also: Callable[[Any], bool] = lambda value: True,
) -> tuple[Any, ...]:
    """A registry's own objects (each with a `name`), then the plugins of `group`
    that are `kind` instances (and pass `also`; `what` says what that is) and
    whose names are not taken."""
    found = loaded(
        group,
        lambda value: isinstance(value, kind) and also(value),
        what,
        lambda value: value.name,
        {value.name for value in own},
    )
    return own + tuple(found.values())


def problems() -> list[str]:
    """What was wrong with the plugins loaded so far, one line each."""
    return list(_PROBLEMS)


def check() -> None:
    """InvalidInput naming every plugin left out by the groups loaded so far
    (the CLI loads every registry first)."""
    if _PROBLEMS:
        raise InvalidInput(
            "installed plugins kickoff cannot use (fix or uninstall them):\n"
            + problem_lines(problems())
        )
