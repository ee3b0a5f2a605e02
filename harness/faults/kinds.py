"""What a kind of fault is: which driver carries it out, what it may hit,
whether the stack heals itself, and its params (declared as fields, so a
scenario's params get line-accurate errors and a JSON Schema). Each driver's
module declares its own kinds; faults/registry.py collects them.

Targets: a link kind hits a link (a Toxiproxy proxy); a component kind hits a
component or a whole zone (`zone:<zone>`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from harness.spec.document import Document, Where
from harness.spec.errors import InvalidInput
from harness.spec.fields import Choice, Record

RANDOM = "random"
SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGABRT", "SIGSEGV")
SIGNAL = Choice("the signal (default SIGKILL)", SIGNALS, noun="signal")  # a kind's signal param


@dataclass(frozen=True)
class FaultKind:
    name: str
    driver: str  # the name of the driver that carries it out (faults/registry.py)
    hits: str  # "link" or "component"
    self_healing: bool  # the stack brings it back by itself: recovery counts from injection
    params: Record
    description: str
    picked: dict = field(default_factory=dict)  # the params random mode gives it when picked
    # What only its driver's context can tell is wrong with a fault (its target,
    # its params): (target, params, context) -> [(where under the fault, problem)].
    context_problems: Callable[[str, dict, dict], list[tuple[Where, str]]] | None = None

    def problems_on(
        self, target: str, params: dict, contexts: dict[str, dict]
    ) -> list[tuple[Where, str]]:
        """What a stack with these drivers' contexts finds wrong with a fault of
        this kind on `target` with `params` (nothing, without its context)."""
        context = contexts.get(self.driver)
        if self.context_problems is None or context is None:
            return []
        return self.context_problems(target, params, context)

    def heals_itself(self, duration: float | None) -> bool:
        """Whether the stack brings a fault of this kind back by itself; a
        process-kill with a duration is held down until its revert instead."""
        return self.self_healing and not (self.name == "process-kill" and duration is not None)


def no_params(description: str) -> Record:
    return Record(description, {})


def parsed_params(kind: FaultKind, params: dict) -> dict:
    """A scenario's params of `kind` in model form (seconds, numbers): what drivers use."""
    document = Document(f"params of {kind.name}", params, {})
    values = kind.params.read(params, (), document)
    document.check()
    if values is None:
        raise InvalidInput(f"params of {kind.name}: not a mapping")
    return values
