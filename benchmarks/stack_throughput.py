"""The stack's own ceiling on this machine: wrk against the edge for a few
seconds per URL (a cached segment, a cached playlist, the catalog), printing
requests/s and latency percentiles.

    .venv/bin/python benchmarks/stack_throughput.py [--platform local] [--seconds 5]

Brings the stack up when it is down and leaves it as it found it. wrk and
the stack share the machine's cores, so the figures are a floor for the
stack on a machine of its own.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import re
import shutil
import subprocess
import sys

from tabulate import tabulate

from harness.load.protocol.hls import parse_master, parse_media
from harness.platforms.registry import get_platform
from harness.platforms.reference import EDGE
from harness.platforms.reference import free_to_air_url

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, float]:
    result = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                             url], capture_output=True, text=True, check=True)
    out = result.stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(percentiles["50"]), "p99": _ms(percentiles["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "mb_s": _transfer_mb(re.search(r"Transfer/sec:\s+(\S+)", out).group(1)),
    }


def _transfer_mb(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)([KMG]?B)", text).groups()
    return float(value) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[unit]


def targets() -> dict[str, str]:
    import requests

    master = free_to_air_url()
    variants = parse_master(requests.get(master, timeout=5).text, master)
    lowest, highest = variants[0], variants[-1]
    low_playlist = parse_media(requests.get(lowest.uri, timeout=5).text, lowest.uri)
    high_playlist = parse_media(requests.get(highest.uri, timeout=5).text, highest.uri)
    return {
        "segment 240p (cached)": low_playlist.segments[0].uri,
        "segment 720p (cached)": high_playlist.segments[0].uri,
        "media playlist (1 s cache)": lowest.uri,
        "catalog /api/live (uncached)": f"{EDGE}/api/live",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="local")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 3
    stack = get_platform(args.platform)
    was_up = stack.is_managed()
    stack.up()
    try:
        rows = []
        for name, url in targets().items():
            subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=True)  # warm the cache
            figures = wrk(url, args.seconds, args.connections, args.threads)
            rows.append((name, f"{figures['rps']:,.0f}", f"{figures['p50']:.2f}",
                         f"{figures['p99']:.2f}", f"{figures['mb_s']:,.0f}", figures["non_2xx"]))
    finally:
        if not was_up:
            stack.down()
    print(f"edge of the {args.platform} stack, wrk -t{args.threads} -c{args.connections} "
          f"-d{args.seconds}s on {os.cpu_count()} cores, {host.machine()}, {host.python_version()}")
    print(tabulate(rows, headers=("target", "requests/s", "p50 ms", "p99 ms", "MB/s", "non-2xx")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
