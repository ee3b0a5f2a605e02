"""Link faults through Toxiproxy: toxics of every type, and a cut link."""

from __future__ import annotations

from harness.errors import HarnessError
from harness.faults.driver import Driver
from harness.faults.kinds import FaultKind
from harness.scenario import Fault
from harness.links import Links

_MS = 1000.0


def _attributes(kind: str, params: dict) -> dict:
    """Toxiproxy's attributes of a toxic from a fault's params (seconds -> ms, µs)."""
    get = params.get
    if kind == "latency":
        return {"latency": round(get("latency") * _MS), "jitter": round(get("jitter", 0) * _MS)}
    if kind == "bandwidth":
        return {"rate": get("rate")}
    if kind == "slow_close":
        return {"delay": round(get("delay") * _MS)}
    if kind in ("timeout", "reset_peer"):
        return {"timeout": round(get("timeout", 0) * _MS)}
    if kind == "slicer":
        return {"average_size": get("average_size"), "size_variation": get("size_variation", 0),
                "delay": round(get("delay", 0) * 1_000_000)}
    if kind == "limit_data":
        return {"bytes": get("bytes")}
    raise AssertionError(f"{kind} is not a toxic")


class ToxiproxyDriver(Driver):
    name = "toxiproxy"

    def __init__(self, links: Links) -> None:
        self.links = links

    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        if kind.name == "cut":
            return {"link": fault.target, "cut": True}
        return {"link": fault.target, "toxic": f"kickoff-{fault.name}"}  # fault names are unique

    def apply(self, kind: FaultKind, params: dict, undo: dict) -> None:
        if kind.name == "cut":
            self.links.set_enabled(undo["link"], False)
            return
        self.links.add_toxic(undo["link"], kind.name, _attributes(kind.name, params),
                             stream=params.get("stream", "downstream"),
                             toxicity=params.get("toxicity", 1.0), name=undo["toxic"])

    def revert(self, undo: dict) -> None:
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
