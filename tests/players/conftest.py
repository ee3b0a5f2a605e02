"""The players tier: kickoff's web viewer beside hls.js and dash.js in
headless Chromium, on the same live streams at the same time.

Chromium comes from Debian (`apt-get install chromium`), the players from npm
(`npm ci` in this folder; .ci/setup runs it). Without them these tests skip
on a developer's machine and fail under CI=true, like the docker tier. Every
comparison's table is printed at the end of the session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.calibrate.agreement import table
from harness.calibrate.installed import Yardstick, find
from harness.spec.errors import InfrastructureMissing
from tests.players.pipeline import medians
from tests.tiers import missing

HERE = Path(__file__).resolve().parent
COMPARED: list = []  # (label, kickoff, reals, checks) of every comparison, for the summary


@pytest.fixture(scope="session")
def yardstick() -> Yardstick:
    try:
        for protocol in ("hls", "dash"):
            found = find(None, HERE, protocol)
    except InfrastructureMissing as absent:
        missing("players", f"{absent} (here: cd tests/players && npm ci)")
    return found


def pytest_terminal_summary(terminalreporter) -> None:
    if not COMPARED:
        return
    terminalreporter.write_sep("=", "kickoff's web viewer beside real players")
    terminalreporter.write_line(table(sorted(COMPARED, key=lambda row: row[0])))
    terminalreporter.write_line("\nthe real players' pipeline, medians over these runs (the web "
                                "model's figures in harness/load/clients.py):")
    for player, figures in medians(real for _, _, reals, _ in COMPARED for real in reals).items():
        shown = ", ".join(f"{name} {value:.3f} s" for name, value in figures.items())
        terminalreporter.write_line(f"  {player}: {shown}")
