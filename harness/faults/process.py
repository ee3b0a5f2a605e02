"""Process faults on the local platform: signals to a component's process
group, only to pids the local platform started (checked by their start time,
so a recycled pid is never signalled). Its context is the local platform's
state folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.faults.driver import Driver, DriverSpec
from harness.faults.fault import Fault
from harness.faults.kinds import SIGNAL, FaultKind, no_params
from harness.platforms.local import LocalPlatform
from harness.spec.errors import HarnessError
from harness.spec.fields import Record


@dataclass(frozen=True)
class ProcessKind(FaultKind):
    """A kind carried out by signalling the component's process group."""

    # SIGSTOP at inject and SIGCONT at revert; else the group gets the kind's
    # signal and the component is started again at revert
    freezes: bool = False

    def signal(self, params: dict) -> str:
        return "SIGSTOP" if self.freezes else params.get("signal", "SIGKILL")


class ProcessDriver(Driver):
    name = "process"

    def __init__(self, platform: LocalPlatform) -> None:
        self.platform = platform

    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        target = fault.target
        zones = self.platform.stack.zones
        components = (
            list(zones[target.removeprefix("zone:")]) if target.startswith("zone:") else [target]
        )
        running = self.platform.handles()
        down = [c for c in components if c not in running]
        if down:
            raise HarnessError(f"{', '.join(down)} is not running on the local platform")
        # A kill with a `for` keeps the component down until the revert; without
        # one it is a crash, and the supervisor brings it back.
        return {
            "kind": kind.name,
            "components": components,
            "hold": kind.outage and fault.duration is not None,
        }

    def apply(self, kind: FaultKind, params: dict, undo: dict) -> None:
        signal_name = _KINDS[kind.name].signal(params)
        for component in undo["components"]:
            if undo["hold"]:
                self.platform.supervisor.hold(component)
            self.platform.kill(component, signal_name)

    def revert(self, undo: dict) -> None:
        for component in undo["components"]:
            if _KINDS[undo["kind"]].freezes:
                if component in self.platform.handles():
                    self.platform.kill(component, "SIGCONT")
                continue
            if undo["hold"]:
                self.platform.supervisor.hold(component, held=False)
            self.platform.start(component)  # a no-op when it already runs again

    def reset(self) -> list[str]:
        done = []
        for component in self.platform.handles():
            self.platform.kill(component, "SIGCONT")
        for component in self.platform.supervisor.settings()["holds"]:
            self.platform.supervisor.hold(component, held=False)
            done.append(f"process: released the hold on {component}")
        for component in self.platform.records.dead():
            self.platform.start(component)
            done.append(f"process: started {component}")
        if self.platform.handles():
            done.append("process: every component's process group continued (SIGCONT)")
        return done


KINDS = (
    ProcessKind(
        "process-kill",
        "process",
        "component",
        True,
        Record("process-kill params", {"signal": SIGNAL}),
        "signals the process group; without `for` the local supervisor "
        "restarts it, with `for` it stays down until the revert",
        outage=True,
    ),
    ProcessKind(
        "process-pause",
        "process",
        "component",
        False,
        no_params("process-pause takes no params"),
        "freezes the process group (SIGSTOP, SIGCONT at revert)",
        freezes=True,
    ),
)
_KINDS = {kind.name: kind for kind in KINDS}  # a journal names the kind of what it undoes
DRIVER = DriverSpec(
    "process", KINDS, lambda context: ProcessDriver(LocalPlatform(root=Path(context["state_dir"])))
)
