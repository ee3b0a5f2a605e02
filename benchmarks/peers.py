"""The harness next to a plain Locust viewer and k6, in one go against the
same stack: CPU per viewer, requests/s and memory side by side, with ratios.

All three follow one rendition's media playlist with the same audience
(ramped over RAMP seconds, then held): the harness as its player model does
(scenario with `audience.stream:` = that playlist), the plain Locust
FastHttpUser and k6 with the naive viewer of benchmarks/naive/ (reload every
target duration, fetch each new segment). Each runs alone; over the held
seconds this samples its process's CPU and memory (/proc) and counts its
requests (the harness's windows, Locust's CSV history, k6's REST API). k6 is
measured when a `k6` binary is on PATH (see docs/benchmarks.md for the pinned
build). Hold the stack lock; the stack is brought up if it is down:

    flock /tmp/kickoff-stack.lock .venv/bin/python benchmarks/peers.py \\
        [--viewers 400] [--rendition top] [--seconds 30]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tabulate import tabulate

from harness.measure.aggregate import metrics_of
from harness.runfolder.recorder import read_seconds
from measure import LOWEST, TOP, Rendition, load_average, renditions, sample, stack

BIN = Path(sys.executable).parent
NAIVE = Path(__file__).parent / "naive"
RAMP, SETTLE = 10, 8  # seconds: audience ramp, then time to settle before measuring
STARTUP = 5  # seconds a tool may take to start before its ramp (imports, checks)
Command = tuple[list[str], dict[str, str]]  # argv, and environment variables to add


@dataclass(frozen=True)
class Held:
    """What one tool did over the held seconds."""

    tool: str
    viewers: int
    cores: float
    requests_per_s: float
    rss_mb: float

    @property
    def ms_cpu_per_viewer_s(self) -> float:
        return 1000 * self.cores / self.viewers


class Tool(Protocol):
    """One load generator: its command line, and its request count so far."""

    name: str

    def start(self, rendition: Rendition, viewers: int, seconds: int, folder: Path) -> Command:
        """The command (and its environment variables) that runs `viewers` for
        RAMP + `seconds`; its files go in `folder`."""

    def requests(self, folder: Path) -> int:
        """Requests it has made so far."""


class Harness:
    name = "kickoff (player model)"

    def start(self, rendition: Rendition, viewers: int, seconds: int, folder: Path) -> Command:
        end = RAMP + seconds
        (folder / "s.yaml").write_text(
            f"name: peers\ntimeline: {{start: 0s, end: {end}s}}\naudience:\n"
            f"  stream: {rendition.url}\n  clients: {{web: 1}}\n  viewers:\n"
            f"    - {{at: 0s, viewers: 0}}\n    - {{at: {RAMP}s, viewers: {viewers}}}\n"
            f"    - {{at: {end}s, viewers: {viewers}}}\n")
        return [str(BIN / "harness"), "-q", "run", str(folder / "s.yaml"),
                "--results-dir", str(folder / "results")], {}

    def requests(self, folder: Path) -> int:
        runs = list((folder / "results").glob("*/"))
        windows = [s.window for s in read_seconds(runs[0])] if runs else []
        return round((metrics_of(windows)["requests_per_second"] or 0) * len(windows)) \
            if windows else 0


class PlainLocust:
    name = "plain Locust FastHttpUser"

    def start(self, rendition: Rendition, viewers: int, seconds: int, folder: Path) -> Command:
        return [str(BIN / "locust"), "-f", str(NAIVE / "locustfile.py"), "--headless",
                "-u", str(viewers), "-r", str(viewers / RAMP), "-t", f"{RAMP + seconds}s",
                "--csv", str(folder / "locust"), "--csv-full-history", "--only-summary",
                "--loglevel", "WARNING"], {"PLAYLIST": rendition.url}

    def requests(self, folder: Path) -> int:
        path = folder / "locust_stats_history.csv"
        if not path.exists():
            return 0
        rows = [r for r in csv.DictReader(path.open()) if r["Name"] == "Aggregated"]
        return int(rows[-1]["Total Request Count"]) if rows else 0


class K6:
    name = "k6 (naive viewer)"

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.api = f"127.0.0.1:{probe.getsockname()[1]}"

    def start(self, rendition: Rendition, viewers: int, seconds: int, folder: Path) -> Command:
        return ["k6", "run", "--quiet", "--no-summary", "--address", self.api,
                str(NAIVE / "k6.js")], {"PLAYLIST": rendition.url, "VIEWERS": str(viewers),
                                        "RAMP": str(RAMP), "HOLD": str(seconds)}

    def requests(self, folder: Path) -> int:
        try:
            with urllib.request.urlopen(f"http://{self.api}/v1/metrics/http_reqs",
                                        timeout=2) as answer:
                return int(json.load(answer)["data"]["attributes"]["sample"]["count"])
        except OSError:
            return 0


def measure(tool: Tool, rendition: Rendition, viewers: int, seconds: int) -> Held:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        command, variables = tool.start(rendition, viewers, seconds + SETTLE + 5, folder)
        process = subprocess.Popen(command, env={**os.environ, **variables},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(STARTUP + RAMP + SETTLE)
            first, counted = sample(process.pid), tool.requests(folder)
            time.sleep(seconds)
            last, recounted = sample(process.pid), tool.requests(folder)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    return Held(tool.name, viewers, last.cores_since(first),
                (recounted - counted) / (last.at - first.at), last.rss_bytes / 1e6)


def table(results: list[Held]) -> str:
    ours = results[0]

    def ratio(value: float, base: float) -> str:
        return f"{value / base:.2f}x" if base else "-"

    rows = [[r.tool, f"{r.cores:.2f}", f"{r.ms_cpu_per_viewer_s:.3f}",
             f"{r.viewers / r.cores:,.0f}" if r.cores else "-", f"{r.requests_per_s:.0f}",
             f"{r.rss_mb:.0f}", ratio(r.cores, ours.cores),
             ratio(r.requests_per_s, ours.requests_per_s),
             ratio(r.rss_mb, ours.rss_mb)] for r in results]
    return tabulate(rows, headers=["load generator", "cores", "ms CPU/viewer/s", "viewers/core",
                                   "requests/s", "RSS MB", "CPU vs kickoff", "req/s vs kickoff",
                                   "memory vs kickoff"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=400)
    parser.add_argument("--rendition", choices=[TOP, LOWEST], default=TOP)
    parser.add_argument("--seconds", type=int, default=30, help="seconds measured per tool")
    parser.add_argument("--platform", default="local")
    args = parser.parse_args()
    tools: list[Callable[[], Tool]] = [Harness, PlainLocust]
    if shutil.which("k6"):
        tools.append(K6)
    else:
        print("k6 is not on PATH: measuring the harness and plain Locust only", file=sys.stderr)
    with stack(args.platform):
        rendition = renditions()[args.rendition]
        before = load_average()
        results = [measure(tool(), rendition, args.viewers, args.seconds) for tool in tools]
    print(f"{args.viewers} viewers at the {rendition.name} rendition "
          f"({rendition.bandwidth / 1e6:g} Mbit/s), {args.seconds} s held each")
    print(table(results))
    print(f"before: {before}; after: {load_average()}")


if __name__ == "__main__":
    main()
