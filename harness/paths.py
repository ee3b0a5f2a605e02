"""Where the checkout's folders are (kickoff runs from its repository)."""

from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
COMPOSE_DIR = REPO_DIR / "compose"
SCENARIOS_DIR = REPO_DIR / "scenarios"
RESULTS_DIR = REPO_DIR / "results"
REFERENCE_JOURNEY = SCENARIOS_DIR / "journeys" / "kickoff-reference.yaml"  # the reference app's journey
