"""The outputs a run writes beside the run folder's own files, each one module
ending in `OUTPUT = Output(name, attach)` (harness.outputs.hooks): `attach(events, run_dir, groups)`
adds its listeners to a run's events (harness.outputs.hooks.RunEvents). To
add one: a module in this folder and its line in _DECLARED, or an installed
plugin (entry point group kickoff.outputs, harness/spec/plugins.py)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.outputs import live_metrics, openmetrics
from harness.outputs.hooks import Output, RunEvents
from harness.spec import plugins

_OWN = (openmetrics.OUTPUT, live_metrics.OUTPUT)
_DECLARED = plugins.with_plugins(_OWN, "kickoff.outputs", Output, "an Output")
OUTPUTS: dict[str, Output] = {output.name: output for output in _DECLARED}


def attach_all(events: RunEvents, run_dir: Path, groups: Iterable[str]) -> None:
    """Every output listens to this run."""
    for output in OUTPUTS.values():
        output.attach(events, run_dir, tuple(groups))
