"""The operator's commands that break and mend a component of a stack kickoff
did not start: the `commands:` of a targets file (how each target's inject,
revert and health check are written, with `{target}`, `{fault}` and a fault's
params as template values), and how one filled-in command is run, bounded by
its timeout. A scenario never holds a command: it only names the target and
the values; the command driver (harness/faults/command.py) does the rest.

A command is an argv list run without a shell, so a value filled in is one
argument whatever it holds. `{{` and `}}` are literal braces (journey
templates, harness/spec/template.py, are written the same way).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.spec.document import Document, Where
from harness.spec.fields import Field, Items, Record, Text, Time, did_you_mean
from harness.spec.shown import shown
from harness.spec.template import TemplateError, parse

STEPS = ("inject", "revert", "check")
BUILT_IN = ("target", "fault")  # the template values every fault gives its commands
DEFAULT_TIMEOUT = 30.0
LONGEST_TIMEOUT = 600.0  # a command may take at most 10 minutes
LAST_LINES = 3  # the lines of a command's output kept for events.jsonl and the report
_LINE_CHARS = 200
_TAIL_BYTES = 4096
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Argument(Text):
    """One argv item: text with {templates}, kept as written (filled in per fault)."""

    def __init__(self, description: str, *, only: tuple[str, ...] | None = None) -> None:
        super().__init__(description, blank=True)
        self.only = only  # the template values it may use (None: any)

    def read(self, value: object, where: Where, document: Document) -> str | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        text = super().read(value, where, document)
        if text is None:
            return None
        try:
            names = parse(text).names
        except TemplateError as error:
            document.problem(where, str(error))
            return None
        strangers = [n for n in names if self.only is not None and n not in self.only]
        if strangers:
            document.problem(
                where,
                f"{{{strangers[0]}}} has no value here: a check runs "
                f"outside any fault and may use only {{target}}",
            )
            return None
        return text

    def schema(self) -> dict:
        return {"type": ["string", "number"], "description": self.description}


def _argv(description: str, *, only: tuple[str, ...] | None = None) -> Items:
    return Items(
        f"{description}: an argv list, the program then its arguments (no shell)",
        _Argument("an argument", only=only),
        at_least=1,
    )


class _Folder(Text):
    """A folder relative to the targets file's folder; read as its absolute path."""

    def read(self, value: object, where: Where, document: Document) -> str | None:
        text = super().read(value, where, document)
        if text is None:
            return None
        path = (Path(document.name).parent / text).absolute()
        if not path.is_dir():
            document.problem(
                where,
                f"no folder {shown(text)} (a relative path is read from the targets file's folder)",
            )
            return None
        return str(path)


class _Environment(Field):
    """Variables added to kickoff's own environment: NAME: text."""

    def read(self, value: object, where: Where, document: Document) -> dict | None:
        if not isinstance(value, dict):
            self._wrong(value, where, document, "a mapping of NAME: value")
            return None
        environment = {}
        for name, text in value.items():
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
                document.problem(
                    where + (name,),
                    f"{shown(name)} is not an environment variable's name (letters, digits, _)",
                )
            elif isinstance(text, bool) or not isinstance(text, (str, int, float)):
                document.problem(where + (name,), f"{shown(text)} is not text or a number")
            else:
                environment[name] = str(text)
        return environment

    def schema(self) -> dict:
        return {
            "type": "object",
            "description": self.description,
            "propertyNames": {"pattern": _ENV_NAME.pattern},
            "additionalProperties": {"type": ["string", "number"]},
        }


class _Value(Field):
    """A value a fault gives its commands: text or a number, filled in as text."""

    def read(self, value: object, where: Where, document: Document) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._wrong(value, where, document, "text or a number")
            return None
        return str(value)

    def schema(self) -> dict:
        return {"type": ["string", "number"], "description": self.description}


VALUE = _Value("a value the target's commands use as {name}")

TARGET = Record(
    "how to break and mend one target",
    {
        "inject": _argv("what breaks the target"),
        "revert": _argv("what mends it; harmless when run again or after a failed inject"),
        "check": _argv("asks the target's health: exit 0 is healthy (optional)", only=("target",)),
        "env": _Environment("environment variables added to kickoff's own for these commands"),
        "cwd": _Folder(
            "the commands' working folder, relative to the targets file's folder "
            "(default: that folder)"
        ),
        "timeout": Time(
            f"how long each command may take before its process group is killed "
            f"(default {DEFAULT_TIMEOUT:g}s, at most {LONGEST_TIMEOUT / 60:g}m)",
            duration=True,
        ),
    },
    required=("inject", "revert"),
)


class CommandTargets(Field):
    """target name: how to break and mend it (TARGET)."""

    def read(self, value: object, where: Where, document: Document) -> dict | None:
        if not isinstance(value, dict) or not value:
            self._wrong(
                value,
                where,
                document,
                "a mapping of target names to commands",
                "e.g. api: {inject: [...], revert: [...]}",
            )
            return None
        targets = {}
        for name, spec in value.items():
            here = where + (name,)
            if not isinstance(name, str) or not name.strip():
                document.problem(here, f"{shown(name)} is not a target name")
                continue
            read = TARGET.read(spec, here, document)
            if read is None:
                continue
            timeout = read.get("timeout") or DEFAULT_TIMEOUT
            if timeout > LONGEST_TIMEOUT:
                document.problem(
                    here + ("timeout",), f"{timeout:g}s is longer than {LONGEST_TIMEOUT / 60:g}m"
                )
            targets[name] = {
                **read,
                "env": read.get("env") or {},
                "timeout": timeout,
                "cwd": read.get("cwd") or str(Path(document.name).parent.absolute()),
            }
        return targets

    def schema(self) -> dict:
        return {
            "type": "object",
            "description": self.description,
            "minProperties": 1,
            "additionalProperties": TARGET.schema(),
        }


def used_values(spec: dict) -> set[str]:
    """The template values a target's inject and revert use."""
    return {
        name
        for step in ("inject", "revert")
        for argument in spec[step]
        for name in parse(argument).names
    }


def fault_problems(target: str, params: dict, targets: dict[str, dict]) -> list[tuple[Where, str]]:
    """What is wrong with a command fault on `target` with `params`, given the
    targets file's commands: (where under the fault, problem) each."""
    if target not in targets:
        hint = did_you_mean(target, list(targets)) or f"it gives commands for {', '.join(targets)}"
        return [(("target",), f"the targets file gives no commands for {target!r} ({hint})")]
    problems: list[tuple[Where, str]] = []
    used = used_values(targets[target])
    for name in params:
        if name in BUILT_IN:
            problems.append(
                (("params", name), f"{{{name}}} is the fault's own; a param cannot be named so")
            )
        elif name not in used:
            close = did_you_mean(name, sorted(used - set(BUILT_IN)))
            problems.append(
                (
                    ("params", name),
                    f"the commands for {target} do not use "
                    f"{{{name}}}" + (f" ({close})" if close else ""),
                )
            )
    missing = sorted(used - set(BUILT_IN) - set(params))
    if missing:
        problems.append(
            (
                ("params",),
                f"the commands for {target} use "
                f"{', '.join(f'{{{n}}}' for n in missing)}: give "
                f"{'it' if len(missing) == 1 else 'them'} in params",
            )
        )
    return problems


def filled(spec: dict, step: str, values: dict[str, str]) -> dict:
    """One step of a target's commands, ready to run (JSON-able: the journal keeps it)."""
    return {
        "argv": [parse(argument).render(values) for argument in spec[step]],
        "env": spec["env"],
        "cwd": spec["cwd"],
        "timeout": spec["timeout"],
    }


@dataclass(frozen=True)
class Outcome:
    """How a command ended: its exit code (None: it did not run to its end) and
    the last lines it wrote (stdout and stderr together)."""

    exit_code: int | None
    last_lines: tuple[str, ...]
    problem: str | None = None  # why it did not run to its end

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def to_json(self) -> dict:
        return {"exit_code": self.exit_code, "last_lines": list(self.last_lines)}

    def describe(self) -> str:
        """`exit 1: last line` or `timed out after 30s`, for one line of a message."""
        said = f": {self.last_lines[-1]}" if self.last_lines else ""
        return (self.problem or f"exit {self.exit_code}") + said


def _last_lines(output: bytes) -> tuple[str, ...]:
    lines = [line.strip() for line in output.decode(errors="replace").splitlines()]
    return tuple(line[:_LINE_CHARS] for line in lines if line)[-LAST_LINES:]


def run(command: dict) -> Outcome:
    """Run a filled-in command (filled()) to its end or its timeout; on the
    timeout, or when the caller is stopped while it waits, its whole process
    group is killed (an inject cut short is then reverted like any other). Its output goes
    to a file, so a command that leaves a server running (a revert starting one) is not waited
    for, and a chatty one costs no memory."""
    with tempfile.TemporaryFile() as output:
        try:
            process = subprocess.Popen(
                command["argv"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=command["cwd"],
                env={**os.environ, **command["env"]},
                start_new_session=True,
            )
        except OSError as error:
            return Outcome(
                None, (), f"cannot run {command['argv'][0]!r}: {error.strerror or error}"
            )
        problem = None
        try:
            process.wait(timeout=command["timeout"])
        except subprocess.TimeoutExpired:
            _kill_group(process)
            problem = f"timed out after {command['timeout']:g}s (killed)"
        except BaseException:  # the run ends mid-command (its greenlet killed): so does it
            _kill_group(process)
            raise
        output.seek(max(0, output.seek(0, os.SEEK_END) - _TAIL_BYTES))
        lines = _last_lines(output.read())
    return Outcome(None if problem else process.returncode, lines, problem)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
