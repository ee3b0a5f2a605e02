"""Someone else's work on the machine, for tests and benchmarks that judge kickoff on a busy one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cpu_hogs(count: int) -> Iterator[None]:
    """`count` busy loops at normal priority: a core's worth of someone else's work each."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
