"""The command line's overrides of a scenario file: --platform, --targets,
--journey, --time-scale, --fault-time-scale and --seed.

They replace the file's values before validation, so any scenario runs against
a stack kickoff did not start with `--platform external --targets FILE`, and
with another journey (`--journey FILE`) without a copy of the scenario. Their
mistakes are the command line's and say so (`--targets: ...`), never a line of
the scenario file; a journey file's own mistakes name that file's lines.
"""

from __future__ import annotations

from pathlib import Path

from harness import scenario
from harness.platforms.registry import PLATFORMS
from harness.spec.document import read_document
from harness.spec.errors import InvalidInput
from harness.spec.file_names import file_problem, name_problem


def load(
    path: Path | str,
    *,
    platform: str | None = None,
    targets: Path | None = None,
    journey: Path | None = None,
    time_scale: float | None = None,
    fault_time_scale: float | None = None,
    seed: int | None = None,
    no_faults: bool = False,
) -> scenario.Scenario:
    """The scenario at `path` with the options given, validated as one.

    `targets` and `journey` are read from the current directory (the scenario's
    own from the scenario's folder). `no_faults`: the audience alone, none of
    the scenario's faults. InvalidInput lists the problems.
    """
    # The file's platform matters only to --platform and --targets: without them the
    # file is read once, by scenario.load (a large file costs seconds to parse).
    data = read_document(path).data if platform is not None or targets is not None else {}
    written = data if isinstance(data, dict) else {}
    changes = _stack(written, platform, targets)
    if journey is not None:
        changes["journey"] = _journey(journey)
    changes.update(
        {
            key: value
            for key, value in (
                ("time_scale", time_scale),
                ("fault_time_scale", fault_time_scale),
                ("seed", seed),
            )
            if value is not None
        }
    )
    if no_faults:
        changes["faults"] = None  # removed: the demand alone
    return scenario.load(path, changes)


def _journey(journey: Path) -> str:
    """--journey's file, for the scenario's `journey`."""
    problem = name_problem(str(journey)) or file_problem(journey)
    if problem:
        raise InvalidInput(
            f"--journey: {problem} (a relative path is read from the current directory)"
        )
    return str(journey.resolve())


def _stack(written: dict, platform: str | None, targets: Path | None) -> dict[str, object]:
    """The platform and targets changes, checked against what the file says."""
    in_file = written.get("platform", "local")
    chosen = platform or in_file
    readers = ", ".join(name for name, spec in PLATFORMS.items() if spec.reads_targets)
    reads_targets = chosen in PLATFORMS and PLATFORMS[chosen].reads_targets
    changes: dict[str, object] = {}
    if platform and platform != in_file:
        changes["platform"] = platform
    if targets is not None:
        if not reads_targets:
            raise InvalidInput(
                f"--targets: is only read with platform {readers} (the scenario "
                f"runs on {chosen}; add --platform {readers})"
            )
        problem = name_problem(str(targets)) or file_problem(targets)
        if problem:
            raise InvalidInput(
                f"--targets: {problem} (a relative path is read from the current directory)"
            )
        changes["targets"] = str(targets.resolve())
    elif not reads_targets and "platform" in changes:
        changes["targets"] = None  # an external scenario's targets mean nothing elsewhere
    elif platform is not None and reads_targets and "targets" not in written:
        raise InvalidInput(
            f"--platform: {platform} needs a targets file describing the stack "
            f"(add --targets FILE; see docs/scenarios.md)"
        )
    return changes
