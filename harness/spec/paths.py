"""Where kickoff's shipped folders are, and where run folders go.

A checkout keeps the reference stack (compose/) and the scenarios and journeys
(scenarios/) at the repository's top level. A wheel carries the same folders
inside the package, as harness/shipped/compose and harness/shipped/scenarios
(pyproject.toml maps them), so a kickoff installed with pip needs no checkout.
Both are real folders on disk: Docker builds images from COMPOSE_DIR.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # harness/, this file being harness/spec/paths.py


def _shipped(name: str) -> Path:
    """The installed copy of a top-level folder, else the checkout's (editable install)."""
    installed = _PACKAGE / "shipped" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


COMPOSE_DIR = _shipped("compose")
SCENARIOS_DIR = _shipped("scenarios")
# The reference stack's app journey (the default journey of platforms local and docker).
REFERENCE_JOURNEY = SCENARIOS_DIR / "journeys" / "kickoff-reference.yaml"
# What the reference stack's Prometheus is asked each second of a run on it.
REFERENCE_SERVER_METRICS = SCENARIOS_DIR / "server-metrics" / "kickoff-reference.yaml"
# Run folders go to results/ in the current directory (the checkout's results/ when run
# from its top level), never into the installation.
RESULTS_DIR = Path("results")
