"""Command faults: the operator's own commands break and mend a component of a
stack kickoff did not start (kubectl, systemctl over ssh, docker on another
host, a script). The commands come only from the targets file's `commands:`
(harness/platforms/commands.py); a scenario names the target and gives the values.

The plan fills in both commands, so the journal holds the exact revert and
`harness reset` can run it from another process. Each command is bounded by
its timeout; its exit code and last lines go to events.jsonl. A failed inject
fails the fault (and its revert is still run); a failed revert raises, so the
journal keeps it for `harness reset`. A target's `check` is its health probe
during the run. Its context is the targets file's commands."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

from harness.faults.driver import Driver, DriverSpec
from harness.faults.fault import Fault
from harness.faults.kinds import FaultKind
from harness.platforms import commands
from harness.spec.document import Where
from harness.spec.errors import HarnessError, InfrastructureMissing
from harness.spec.fields import Record
from harness.spec.template import TemplateError


class CommandDriver(Driver):
    name = "command"

    def __init__(self, targets: dict[str, dict]) -> None:
        self.targets = targets  # target name: its commands as the targets file gives them

    def check(self) -> None:
        """Every program the commands start is there (a `{value}` in a
        program's name is only known at the fault)."""
        for target, spec in self.targets.items():
            for step in commands.STEPS:
                program = spec[step][0] if step in spec else "{}"
                if "{" not in program and not _found(program, spec["cwd"]):
                    raise InfrastructureMissing(
                        f"the {step} command for {target} starts "
                        f"{program!r}, which is not here (not an "
                        f"executable file, nor on PATH)"
                    )

    def plan(self, fault: Fault, kind: FaultKind, params: dict) -> dict:
        spec = self.targets.get(fault.target)
        if spec is None:
            raise HarnessError(f"the targets file gives no commands for {fault.target!r}")
        values = {**params, "target": fault.target, "fault": fault.name}
        try:
            return {
                "target": fault.target,
                "inject": commands.filled(spec, "inject", values),
                "revert": commands.filled(spec, "revert", values),
            }
        except TemplateError as error:
            raise HarnessError(f"the commands for {fault.target}: {error}") from None

    def apply(self, kind: FaultKind, params: dict, undo: dict) -> dict:
        return self._run(undo, "inject")

    def revert(self, undo: dict) -> dict:
        return self._run(undo, "revert")

    @staticmethod
    def _run(undo: dict, step: str) -> dict:
        outcome = commands.run(undo[step])
        if not outcome.ok:
            raise HarnessError(
                f"the {step} command for {undo['target']} failed: {outcome.describe()}"
            )
        return {"command": step, **outcome.to_json()}

    def reset(self) -> list[str]:
        return []  # a command fault is known only from its journal entry, reverted before this

    def probes(self) -> dict[str, Callable[[], str]]:
        return {
            target: partial(self._probe, target, spec)
            for target, spec in self.targets.items()
            if "check" in spec
        }

    @staticmethod
    def _probe(target: str, spec: dict) -> str:
        outcome = commands.run(commands.filled(spec, "check", {"target": target}))
        if outcome.ok:
            return "healthy"
        return f"{'down' if outcome.exit_code is None else 'unhealthy'}: {outcome.describe()}"


def _found(program: str, cwd: str) -> bool:
    """Whether `program` runs from `cwd`: a path (relative to cwd), or a name on PATH."""
    if "/" in program:
        return os.access(Path(cwd, program), os.X_OK)
    return shutil.which(program) is not None


def _problems(target: str, params: dict, context: dict) -> list[tuple[Where, str]]:
    return commands.fault_problems(target, params, context["targets"])


KINDS = (
    FaultKind(
        "command",
        "command",
        "component",
        False,
        Record(
            "command params: the values its target's commands use as {name}",
            {},
            extra=commands.VALUE,
        ),
        "runs the targets file's inject command for the target; its revert command at revert",
        context_problems=_problems,
    ),
)
DRIVER = DriverSpec("command", KINDS, lambda context: CommandDriver(context["targets"]))
