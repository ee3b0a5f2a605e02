"""Which stack a scenario targets: its platform (from the registry) and, for
a platform described by a targets file, that file, each checked; the Stack
the rules after it check faults against."""

from __future__ import annotations

from pathlib import Path

from harness.platforms.registry import PLATFORMS
from harness.platforms.stack import Stack
from harness.spec.document import Document
from harness.spec.errors import InvalidInput
from harness.spec.file_names import file_problem


def scenario_stack(values: dict, source: Path, document: Document) -> Stack | None:
    """Check platform and targets; the stack the scenario targets (None: unknown)."""
    name = values.get("platform", "local")
    spec = PLATFORMS.get(name)
    if spec is None:  # reported already
        return None
    readers = ", ".join(other for other, entry in PLATFORMS.items() if entry.reads_targets)
    if not spec.reads_targets:
        if "targets" in values:
            document.problem(
                ("targets",),
                f"is only read with platform {readers} (this scenario "
                f"runs on {name}; remove targets or set platform: "
                f"{readers})",
            )
        return spec.stack(None)
    if "targets" not in values:
        document.problem(
            ("platform",),
            f"{name} needs a targets file describing the stack "
            f"(add targets: FILE; see docs/scenarios.md)",
        )
    if values.get("targets") is None:
        return None
    path = source.parent / values["targets"]
    problem = file_problem(path)
    if problem:
        document.problem(
            ("targets",), f"{problem} (a relative path is read from the scenario's folder)"
        )
        return None
    try:
        return spec.stack(path)
    except InvalidInput as error:
        document.include(error)
        return None


def check_edge(values: dict, stack: Stack | None, document: Document) -> None:
    """Viewers' app journey starts at the stack's edge: a stack without one
    can only serve a bare stream (audience.stream)."""
    if stack is None or stack.edge is not None or (values.get("audience") or {}).get("stream"):
        return
    document.problem(
        ("targets",) if "targets" in values else ("platform",),
        "the stack has no edge, and the viewers' journey starts at one (add edge: "
        "URL to the targets file, or give audience.stream a stream URL to play)",
    )
