"""A code journey checked without importing it here: validating a scenario
imports the journey's module in a child process, with a time limit.

Importing a module runs it. So `harness validate` (and the validation every
command does first) never imports a user's journey into kickoff's own
process: a child imports it, checks its class as `harness run` will, and
writes back what validation needs (its groups, API user kinds and leaving
flows). Whatever the module does stays the child's: what it prints is kept
apart and shown (escaped, cut short) only when the check fails; a hang is
stopped after IMPORT_LIMIT_S; an exit code or a signal is the journey's
error, never kickoff's. This is containment, not a sandbox: the child runs as
the same user. `harness run` imports the module in its own process to run it.

"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.load.journey.code import Journey, LoadError, imported, journey_class, located
from harness.spec.shown import escaped

IMPORT_LIMIT_S = 5.0  # a module that takes longer to import is stopped and reported
_OUTPUT_LIMIT = 1_000_000  # bytes the child may write to its output file (RLIMIT_FSIZE)
_SHOWN_OUTPUT = 200  # characters of its output a failure shows (the last ones)
_CHILD = (
    "import sys; from pathlib import Path; from harness.load.journey.contained import "
    "check; check(Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]))"
)


def described_class(spec: str, folder: Path) -> tuple[Path, type[Journey]]:
    """(file, a stand-in class carrying the journey class's groups, API user kinds
    and leaving flows) for `FILE.py:Class`; the module is imported in a child."""
    path, name = located(spec, folder)
    with tempfile.TemporaryDirectory(prefix="kickoff-journey-") as scratch:
        result, output = Path(scratch, "result.json"), Path(scratch, "output")
        with open(output, "wb") as sink:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _CHILD,
                    str(path),
                    name,
                    spec.rpartition(":")[0],
                    str(result),
                ],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
            try:
                code = child.wait(timeout=IMPORT_LIMIT_S)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)  # its own session: the module's children too
                child.wait()
                raise LoadError(
                    f"{path.name} did not finish importing within "
                    f"{IMPORT_LIMIT_S:g} s (stopped){_printed(output)}"
                ) from None
        described = _read(result)
        if code != 0 or described is None:
            raise LoadError(
                f"{path.name}: the check of the journey class {_ended(code)} before "
                f"it was done{_printed(output)}"
            )
        if "error" in described:
            raise LoadError(f"{described['error']}{_printed(output)}")
    return path, type(
        name,
        (Journey,),
        {
            "__doc__": f"What validation learnt of {name} in {path} (imported in a child).",
            **{key: tuple(described[key]) for key in ("groups", "api_kinds", "leaving_flows")},
        },
    )


def _read(result: Path) -> dict | None:
    try:
        with open(result, "rb") as file:
            data = json.loads(file.read(_OUTPUT_LIMIT))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _ended(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _printed(output: Path) -> str:
    """What the module printed, for a failure's message: escaped, its last characters."""
    try:
        with open(output, "rb") as file:
            file.seek(max(0, os.fstat(file.fileno()).st_size - 4 * _SHOWN_OUTPUT))
            text = file.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
    if not text:
        return ""
    cut = "..." if len(text) > _SHOWN_OUTPUT else ""
    return f'; the journey module printed: "{cut}{escaped(text[-_SHOWN_OUTPUT:])}"'


def check(path: Path, name: str, file: str, result: Path) -> None:
    """The child's side: import, check the class as a run does, write what was found."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (_OUTPUT_LIMIT, _OUTPUT_LIMIT))
    try:
        cls = journey_class(imported(path), file, name)
        described: dict[str, list[str] | str] = {
            key: [str(item) for item in getattr(cls, key)]
            for key in ("groups", "api_kinds", "leaving_flows")
        }
    except LoadError as error:
        described = {"error": str(error)}
    except Exception as error:  # e.g. api_kinds that is not a list
        described = {"error": f"{name}: {error.__class__.__name__}: {str(error)[:300]}"}
    result.write_text(json.dumps(described))
