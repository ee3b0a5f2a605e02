"""harness/ passes ruff (lint and format) and mypy with the settings in
pyproject.toml, so the README's pytest command holds the code to them too
(.ci/run also runs them by hand, before the tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    """The tool as a module of this interpreter, from the checkout (where its settings are)."""
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_finds_nothing_in_harness() -> None:
    result = _run("ruff", "check", "--no-cache", "harness")
    assert result.returncode == 0, result.stdout + result.stderr


def test_harness_is_as_ruff_formats_it() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", "harness")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_harness(tmp_path: Path) -> None:
    # A cache of its own: a stale one elsewhere cannot hide a problem.
    result = _run("mypy", "--cache-dir", str(tmp_path / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout
