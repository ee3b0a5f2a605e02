"""Running the `harness` command as a user would, in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HARNESS = str(Path(sys.executable).parent / "harness")


def harness(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *words: str) -> None:
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
