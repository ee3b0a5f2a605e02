"""The fault drivers, by name, and every kind of fault they carry out. Each
driver declares itself (DriverSpec: its kinds, how it is built from a
context) in its own module; a new driver is that module plus one entry in
_DECLARED, or an installed plugin (entry point group kickoff.fault_drivers,
harness/spec/plugins.py). Validation, the fault timeline and `harness reset`
read this."""

from __future__ import annotations

from collections.abc import Collection

from harness.faults import command, docker, process, toxiproxy
from harness.faults.driver import Driver, DriverSpec
from harness.faults.kinds import FaultKind
from harness.spec import plugins
from harness.spec.fields import Choice, Items, Record, Time

_OWN = (toxiproxy.DRIVER, docker.DRIVER, process.DRIVER, command.DRIVER)
_OWN_KINDS = {kind.name for spec in _OWN for kind in spec.kinds}
# A plugin's kinds must not take a kind name either: scenarios name kinds alone.
_DECLARED = plugins.with_plugins(
    _OWN,
    "kickoff.fault_drivers",
    DriverSpec,
    "a DriverSpec whose kinds' names are not kickoff's own",
    lambda spec: not _OWN_KINDS & {kind.name for kind in spec.kinds},
)
DRIVERS: dict[str, DriverSpec] = {spec.name: spec for spec in _DECLARED}
KINDS: dict[str, FaultKind] = {kind.name: kind for spec in _DECLARED for kind in spec.kinds}

RANDOM_PARAMS = Record(
    "random mode: every `every`, a seeded pick of one kind and one target "
    "inside the fault's window (at .. at + for)",
    {
        "every": Time("how often a fault is picked", duration=True),
        "lasting": Time("how long each picked fault lasts (default half of every)", duration=True),
        "kinds": Items(
            "the kinds to pick from (each with the params listed in docs/faults.md)",
            Choice("a fault kind", tuple(KINDS), noun="fault kind"),
            at_least=1,
        ),
    },
    required=("every", "kinds"),
)


def outage_kind(drivers: Collection[str], hits: str) -> FaultKind | None:
    """The first kind, in the registry's order, of the `drivers` offered that
    puts a target of its sort (`hits`: component or link) out of service for a
    fault's whole `for` (FaultKind.outage); None: none of them can."""
    return next(
        (
            kind
            for kind in KINDS.values()
            if kind.outage and kind.hits == hits and kind.driver in drivers
        ),
        None,
    )


def driver(context: dict) -> Driver:
    """The driver a context (a stack's, or a journal entry's) names, built from it."""
    try:
        spec = DRIVERS[context["driver"]]
    except KeyError:
        raise ValueError(f"unknown fault driver {context.get('driver')!r}") from None
    return spec.build(context)
