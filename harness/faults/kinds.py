"""The kinds of fault a scenario can schedule: which driver carries each out,
what it may hit, whether the stack heals itself, and its params (declared as
fields, so a scenario's params get line-accurate errors and a JSON Schema).

Targets: a link kind hits a Toxiproxy link (edge-origin-a ...); a component
kind hits a component (origin-a ...) or a whole zone (`zone:a`).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.document import Document
from harness.errors import InvalidInput
from harness.fields import Choice, Items, Number, Record, Text, Time

SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGABRT", "SIGSEGV")
STREAMS = ("downstream", "upstream")
RANDOM = "random"


@dataclass(frozen=True)
class FaultKind:
    name: str
    driver: str  # "toxiproxy", "docker" or "process"
    hits: str  # "link" or "component"
    self_healing: bool  # the stack brings it back by itself: recovery counts from injection
    params: Record
    description: str

    def heals_itself(self, duration: float | None) -> bool:
        """Whether the stack brings a fault of this kind back by itself; a
        process-kill with a duration is held down until its revert instead."""
        return self.self_healing and not (self.name == "process-kill" and duration is not None)


def _toxic(description: str, fields: dict, required: tuple[str, ...] = ()) -> Record:
    return Record(description, {
        **fields,
        "stream": Choice("which direction: downstream (default, towards the caller) or upstream",
                         STREAMS, noun="stream"),
        "toxicity": Number("share of connections the toxic applies to (default 1)", minimum=0,
                           maximum=1),
    }, required=required)


def _none(description: str) -> Record:
    return Record(description, {})


_SIGNAL = Choice("the signal (default SIGKILL)", SIGNALS, noun="signal")

_KINDS = (
    FaultKind("latency", "toxiproxy", "link", False, _toxic("latency params", {
        "latency": Time("delay added to the data", duration=True),
        "jitter": Time("random +/- spread of the delay (default none)", duration=True),
    }, ("latency",)), "adds latency (with jitter) to a link"),
    FaultKind("bandwidth", "toxiproxy", "link", False, _toxic("bandwidth params", {
        "rate": Number("KB/s the link carries at most", integer=True, minimum=0),
    }, ("rate",)), "limits a link's bandwidth"),
    FaultKind("slow_close", "toxiproxy", "link", False, _toxic("slow_close params", {
        "delay": Time("how long closing a connection takes", duration=True),
    }, ("delay",)), "delays the closing of connections"),
    FaultKind("timeout", "toxiproxy", "link", False, _toxic("timeout params", {
        "timeout": Time("close the connection after this long (default: never, data just stops)",
                        duration=True),
    }), "stops all data on a link, then closes connections"),
    FaultKind("reset_peer", "toxiproxy", "link", False, _toxic("reset_peer params", {
        "timeout": Time("reset the connection after this long (default: at once)", duration=True),
    }), "resets connections (TCP RST)"),
    FaultKind("slicer", "toxiproxy", "link", False, _toxic("slicer params", {
        "average_size": Number("average bytes of a slice", integer=True, minimum=1),
        "size_variation": Number("+/- bytes of a slice (default 0)", integer=True, minimum=0),
        "delay": Time("pause between slices (default none)", duration=True),
    }, ("average_size",)), "slices data into small packets with pauses"),
    FaultKind("limit_data", "toxiproxy", "link", False, _toxic("limit_data params", {
        "bytes": Number("close a connection after this many bytes", integer=True, minimum=1),
    }, ("bytes",)), "closes connections after some bytes"),
    FaultKind("cut", "toxiproxy", "link", False, _none("cut takes no params"),
              "cuts a link: the proxy refuses every connection"),
    FaultKind("container-kill", "docker", "component", True, Record("container-kill params", {
        "signal": _SIGNAL}), "sends a signal to the container; its restart policy decides "
                            "whether it comes back"),
    FaultKind("container-stop", "docker", "component", False, Record("container-stop params", {
        "grace": Time("how long docker waits before SIGKILL (default 1s)", duration=True)}),
              "stops the container (started again at revert)"),
    FaultKind("container-restart", "docker", "component", True, _none(
        "container-restart takes no params"), "restarts the container"),
    FaultKind("container-pause", "docker", "component", False, _none(
        "container-pause takes no params"), "freezes the container (a hung machine)"),
    FaultKind("network-disconnect", "docker", "component", False, _none(
        "network-disconnect takes no params"), "disconnects the container from its network "
                                               "(a dead NIC)"),
    FaultKind("resource-squeeze", "docker", "component", False, Record(
        "resource-squeeze params", {
            "cpus": Number("CPUs the container may use", above=0),
            "memory": Text("memory limit, e.g. 64m or 1g", pattern="^[0-9]+[bkmg]?$",
                           rule="a memory size like 64m or 1g"),
        }), "squeezes the container's CPU and memory"),
    FaultKind("process-kill", "process", "component", True, Record("process-kill params", {
        "signal": _SIGNAL}), "signals the process group; without `for` the local supervisor "
                             "restarts it, with `for` it stays down until the revert"),
    FaultKind("process-pause", "process", "component", False, _none(
        "process-pause takes no params"), "freezes the process group (SIGSTOP, SIGCONT at revert)"),
)
KINDS: dict[str, FaultKind] = {kind.name: kind for kind in _KINDS}

# What random mode gives the kinds it picks (kinds not listed take no params).
RANDOM_PICK_PARAMS: dict[str, dict] = {
    "latency": {"latency": "500ms", "jitter": "100ms"},
    "bandwidth": {"rate": 100},
    "slow_close": {"delay": "2s"},
    "slicer": {"average_size": 64, "delay": "10ms"},
    "limit_data": {"bytes": 4096},
    "resource-squeeze": {"cpus": 0.1, "memory": "64m"},
}
RANDOM_PARAMS = Record("random mode: every `every`, a seeded pick of one kind and one target "
                       "inside the fault's window (at .. at + for)", {
    "every": Time("how often a fault is picked", duration=True),
    "lasting": Time("how long each picked fault lasts (default half of every)", duration=True),
    "kinds": Items("the kinds to pick from (each with the params listed in docs/faults.md)",
                   Choice("a fault kind", tuple(KINDS), noun="fault kind"), at_least=1),
}, required=("every", "kinds"))

# Which drivers each platform offers. An external stack offers what its targets
# file describes: Toxiproxy with `toxiproxy:`, Docker with `docker_host:`.
DRIVERS_BY_PLATFORM = {"local": ("toxiproxy", "process"), "docker": ("toxiproxy", "docker")}


def parsed_params(kind: FaultKind, params: dict) -> dict:
    """A scenario's params of `kind` in model form (seconds, numbers): what drivers use."""
    document = Document(f"params of {kind.name}", params, {})
    values = kind.params.read(params, (), document)
    document.check()
    if values is None:
        raise InvalidInput(f"params of {kind.name}: not a mapping")
    return values
