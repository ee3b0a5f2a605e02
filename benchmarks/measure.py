"""What the viewer benchmarks share: the running stack's top and lowest
renditions, a process's CPU time and memory read from /proc, and the
machine's load while they ran. Linux only (/proc)."""

from __future__ import annotations

import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.load.protocol.hls import parse_master
from harness.platforms.reference import EDGE, free_to_air_url
from harness.platforms.registry import get_platform

TICKS = os.sysconf("SC_CLK_TCK")
TOP, LOWEST = "top", "lowest"


@dataclass(frozen=True)
class Sample:
    """A process at one moment: CPU seconds used so far, resident memory, wall clock."""

    cpu_s: float
    rss_bytes: int
    at: float

    def cores_since(self, earlier: Sample) -> float:
        """Cores used on average between an earlier sample and this one."""
        return (self.cpu_s - earlier.cpu_s) / (self.at - earlier.at)


def sample(pid: int) -> Sample:
    """The process's user+system CPU time and resident set size now."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of stat)
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
    return Sample(cpu, rss, time.monotonic())


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


@dataclass(frozen=True)
class Rendition:
    name: str  # TOP or LOWEST
    bandwidth: int  # bits/s, as the master playlist announces it
    url: str  # its media playlist


def renditions() -> dict[str, Rendition]:
    """The running stack's top and lowest renditions of its free-to-air match."""
    master = free_to_air_url()
    with urllib.request.urlopen(master, timeout=5) as response:
        variants = sorted((v for v in parse_master(response.read().decode(), master)
                           if not v.audio_only), key=lambda v: v.bandwidth)
    return {name: Rendition(name, v.bandwidth, v.uri)
            for name, v in ((LOWEST, variants[0]), (TOP, variants[-1]))}


@contextmanager
def stack(platform_name: str) -> Iterator[str]:
    """The reference stack up (brought up if it was down, and down again
    after); yields the edge's URL."""
    platform = get_platform(platform_name)
    was_up = platform.is_managed()
    platform.up()
    try:
        yield EDGE
    finally:
        if not was_up:
            platform.down()


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    """Poll check() until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False
