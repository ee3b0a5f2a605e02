"""Link faults through Toxiproxy: toxics of every type, and a cut link. Its
context is Toxiproxy's API URL and, for an https one, the CA bundle to trust."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from harness.faults.driver import Driver, DriverSpec
from harness.faults.fault import Fault
from harness.faults.kinds import FaultKind, no_params
from harness.platforms.links import STREAMS, Links
from harness.spec.errors import HarnessError
from harness.spec.fields import Choice, Number, Record, Time

_MS = 1000.0


def _ms(seconds: float) -> int:
    return round(seconds * _MS)


@dataclass(frozen=True)
class Toxic(FaultKind):
    """A Toxiproxy toxic of the kind's name on the link; `attributes` gives
    Toxiproxy's attributes from a fault's params (seconds -> ms, µs), and
    every declaration states it: Toxiproxy's units are not kickoff's."""

    attributes: Callable[[dict], dict] = field(kw_only=True)

    def planned(self, fault: Fault) -> dict:
        return {"link": fault.target, "toxic": f"kickoff-{fault.name}"}  # fault names are unique

    def inject(self, links: Links, params: dict, undo: dict) -> None:
        links.add_toxic(
            undo["link"],
            self.name,
            self.attributes(params),
            stream=params.get("stream", "downstream"),
            toxicity=params.get("toxicity", 1.0),
            name=undo["toxic"],
        )


@dataclass(frozen=True)
class Cut(FaultKind):
    """The link disabled: the proxy refuses every connection."""

    def planned(self, fault: Fault) -> dict:
        return {"link": fault.target, "cut": True}

    def inject(self, links: Links, params: dict, undo: dict) -> None:
        links.set_enabled(undo["link"], False)


class ToxiproxyDriver(Driver):
    name = "toxiproxy"

    def __init__(self, links: Links) -> None:
        self.links = links

    def check(self) -> None:
        self.links.version()

    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        return _KINDS[kind.name].planned(fault)

    def apply(self, kind: FaultKind, params: dict, undo: dict) -> None:
        _KINDS[kind.name].inject(self.links, params, undo)

    def revert(self, undo: dict) -> None:  # what the plan noted says which it was
        if undo.get("cut"):
            self.links.set_enabled(undo["link"], True)
            return
        if any(t.name == undo["toxic"] for t in self.links.toxics(undo["link"])):
            self.links.remove_toxic(undo["link"], undo["toxic"])

    def reset(self) -> list[str]:
        try:
            self.links.reset()
        except HarnessError as error:
            return [f"toxiproxy: not reset ({error})"]
        return ["toxiproxy: every toxic removed, every link enabled"]


def _toxic(description: str, fields: dict, required: tuple[str, ...] = ()) -> Record:
    return Record(
        description,
        {
            **fields,
            "stream": Choice(
                "which direction: downstream (default, towards the caller) or upstream",
                STREAMS,
                noun="stream",
            ),
            "toxicity": Number(
                "share of connections the toxic applies to (default 1)", minimum=0, maximum=1
            ),
        },
        required=required,
    )


def _timeout(params: dict) -> dict:
    return {"timeout": _ms(params.get("timeout", 0))}


KINDS = (
    Toxic(
        "latency",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "latency params",
            {
                "latency": Time("delay added to the data", duration=True),
                "jitter": Time("random +/- spread of the delay (default none)", duration=True),
            },
            ("latency",),
        ),
        "adds latency (with jitter) to a link",
        {"latency": "500ms", "jitter": "100ms"},
        attributes=lambda p: {"latency": _ms(p["latency"]), "jitter": _ms(p.get("jitter", 0))},
    ),
    Toxic(
        "bandwidth",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "bandwidth params",
            {
                "rate": Number("KB/s the link carries at most", integer=True, minimum=0),
            },
            ("rate",),
        ),
        "limits a link's bandwidth",
        {"rate": 100},
        attributes=lambda p: {"rate": p["rate"]},
    ),
    Toxic(
        "slow_close",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "slow_close params",
            {
                "delay": Time("how long closing a connection takes", duration=True),
            },
            ("delay",),
        ),
        "delays the closing of connections",
        {"delay": "2s"},
        attributes=lambda p: {"delay": _ms(p["delay"])},
    ),
    Toxic(
        "timeout",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "timeout params",
            {
                "timeout": Time(
                    "close the connection after this long (default: never, data just stops)",
                    duration=True,
                ),
            },
        ),
        "stops all data on a link, then closes connections",
        attributes=_timeout,
    ),
    Toxic(
        "reset_peer",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "reset_peer params",
            {
                "timeout": Time(
                    "reset the connection after this long (default: at once)", duration=True
                ),
            },
        ),
        "resets connections (TCP RST)",
        attributes=_timeout,
    ),
    Toxic(
        "slicer",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "slicer params",
            {
                "average_size": Number("average bytes of a slice", integer=True, minimum=1),
                "size_variation": Number(
                    "+/- bytes of a slice (default 0)", integer=True, minimum=0
                ),
                "delay": Time("pause between slices (default none)", duration=True),
            },
            ("average_size",),
        ),
        "slices data into small packets with pauses",
        {"average_size": 64, "delay": "10ms"},
        attributes=lambda p: {
            "average_size": p["average_size"],
            "size_variation": p.get("size_variation", 0),
            "delay": round(p.get("delay", 0) * 1_000_000),
        },
    ),  # µs
    Toxic(
        "limit_data",
        "toxiproxy",
        "link",
        False,
        _toxic(
            "limit_data params",
            {
                "bytes": Number(
                    "close a connection after this many bytes", integer=True, minimum=1
                ),
            },
            ("bytes",),
        ),
        "closes connections after some bytes",
        {"bytes": 4096},
        attributes=lambda p: {"bytes": p["bytes"]},
    ),
    Cut(
        "cut",
        "toxiproxy",
        "link",
        False,
        no_params("cut takes no params"),
        "cuts a link: the proxy refuses every connection",
        outage=True,
    ),
)
_KINDS: dict[str, Toxic | Cut] = {kind.name: kind for kind in KINDS}
DRIVER = DriverSpec(
    "toxiproxy", KINDS, lambda context: ToxiproxyDriver(Links(context["api"], context.get("ca")))
)
