"""Local workers: `harness worker` processes on this machine for `--workers N`,
always reaped (ended, then killed if they linger) however the run ends."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time

from harness.generator.address import Address
from harness.platforms.hosts import LOOPBACK

PR_SET_PDEATHSIG = 1  # prctl(2)
STOP_WAIT = 10.0  # seconds a worker has to leave after the run ended, before SIGKILL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the master dies, even by
    SIGKILL, so no worker outlives the run."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalWorkers:
    def __init__(self, count: int, master: Address) -> None:
        self.processes: list[subprocess.Popen] = []
        try:
            for _ in range(count):
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "harness", "-q", "worker", "--master", str(master)],
                        # a session of their own: Ctrl-C reaches the master only, which ends them
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                        preexec_fn=_die_with_parent,
                    )
                )
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
