"""Injecting faults with the real drivers, and looking at the stack from outside."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from harness.faults.kinds import parsed_params
from harness.faults.registry import KINDS, driver
from harness.platforms.local import LocalPlatform
from harness.platforms.registry import stack_of
from harness.scenario import Fault
from tests.stack.helpers import EDGE, playback_path, uncached, variants


@contextlib.contextmanager
def injected(platform: str, kind: str, target: str, hold: bool = False,
             **params) -> Iterator[dict]:
    """The fault applied by its driver while the block runs, then reverted;
    yields the undo record. `hold`: as a fault with a `for` (kept down)."""
    fault = Fault(f"test-{kind}", kind, target, 0.0, 60.0 if hold else None, params)
    chosen = driver(stack_of(platform).contexts[KINDS[kind].driver])
    values = parsed_params(KINDS[kind], params)
    undo = chosen.plan(fault, KINDS[kind], values)
    chosen.apply(KINDS[kind], values, undo)
    try:
        yield undo
    finally:
        chosen.revert(undo)


def playlist_url() -> str:
    """A media playlist URL of the free-to-air match through the edge (lowest rendition)."""
    return variants(EDGE, playback_path())[0].uri


def get(url: str, timeout: float = 15) -> tuple[int, float, requests.Response]:
    """(status, seconds, response) of an uncached GET through the edge."""
    started = time.perf_counter()
    response = requests.get(uncached(url), timeout=timeout)
    return response.status_code, time.perf_counter() - started, response


def process_state(pid: int) -> str:
    """R, S, T (stopped) ... from /proc; "gone" when the process is not there."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "gone"
    return stat[stat.rindex(")") + 2]


def dead(pid: int) -> bool:
    """Gone, or a zombie waiting for whoever reaps it."""
    return process_state(pid) in ("gone", "Z", "X")


def pid_of(component: str) -> int:
    return int(LocalPlatform().handles()[component].split()[1])


def wait_until(check, timeout: float, step: float = 0.1) -> float:
    """Seconds until check() is true; AssertionError after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(step)
    raise AssertionError(f"not within {timeout}s: {check.__doc__ or check}")
