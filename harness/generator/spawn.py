"""Local workers: `harness worker` processes on this machine for `--workers N`,
always reaped (ended, then killed if they linger) however the run ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from harness.generator.address import Address
from harness.platforms.hosts import LOOPBACK

STOP_WAIT = 10.0  # seconds a worker has to leave after the run ended, before SIGKILL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class LocalWorkers:
    def __init__(self, count: int, master: Address) -> None:
        self.processes: list[subprocess.Popen] = []
        try:
            for _ in range(count):
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "harness", "-q", "worker", "--master", str(master)],
                    stdin=subprocess.DEVNULL))
        except OSError:
            self.reap()
            raise

    def reap(self, wait: float = 0.0) -> None:
        """Every worker ended: given `wait` seconds to leave (they do on the
        master's quit), then SIGTERM, then SIGKILL."""
        deadline = time.monotonic() + wait
        for process in self.processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
