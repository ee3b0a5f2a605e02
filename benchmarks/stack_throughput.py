"""The stack's own ceiling on this machine, per component: wrk for a few
seconds per URL (through the edge: a cached segment, a cached playlist, the
catalog, an entitlement, a login; and an origin's segment asked of the origin
itself, as the edge's cache misses are), printing requests/s, MB/s, latency
percentiles, answers that were not 2xx, and the two busiest components' mean
cores while wrk ran (with their CPU limits).

    flock /tmp/kickoff-stack.lock .venv/bin/python benchmarks/stack_throughput.py \
        [--platform local] [--size normal|small] [--seconds 5] [--connections 64]

Brings the stack up at the size asked (when it is down or at another size)
and leaves it as it found it. wrk and the stack share the machine's cores, so
the figures are a floor for the stack on a machine of its own.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import re
import shutil
import subprocess
import sys
import tempfile
import time

from tabulate import tabulate

from harness.load.protocol.hls import parse_master, parse_media
from harness.spec.paths import REFERENCE_JOURNEY
from harness.platforms.base import STACK_SIZES, Platform
from harness.platforms.reference import EDGE, free_to_air_url
from harness.platforms.registry import get_platform
from harness.platforms.usage import Sample, mean_cores

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


# wrk's Lua: a login (POST with a JSON body) instead of a GET.
LOGIN_SCRIPT = """wrk.method = "POST"
wrk.body = '{{"username": "{username}", "password": "{password}"}}'
wrk.headers["Content-Type"] = "application/json"
"""


def wrk(url: str, seconds: int, connections: int, threads: int,
        script: str | None = None) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script or "")
        lua.flush()
        result = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                                 "--latency", "-s", lua.name, url],
                                capture_output=True, text=True, check=True)
    out = result.stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        # no percentiles when no request completed (a stack at its limit)
        "p50": _ms(percentiles["50"]) if "50" in percentiles else float("nan"),
        "p99": _ms(percentiles["99"]) if "99" in percentiles else float("nan"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
        "mb_s": _transfer_mb(re.search(r"Transfer/sec:\s+(\S+)", out).group(1)),
    }


def _transfer_mb(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)([KMG]?B)", text).groups()
    return float(value) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[unit]


def targets(platform: Platform) -> dict[str, tuple[str, str | None]]:
    """{what: (URL, wrk script or None)}."""
    import requests

    master = free_to_air_url()
    variants = parse_master(requests.get(master, timeout=5).text, master)
    lowest, highest = variants[0], variants[-1]
    low_playlist = parse_media(requests.get(lowest.uri, timeout=5).text, lowest.uri)
    high_playlist = parse_media(requests.get(highest.uri, timeout=5).text, highest.uri)
    live = requests.get(f"{EDGE}/api/live", timeout=5).json()["events"]
    entitlement = next(e["playback"] for e in live if e["free_to_air"])
    # The origin as the edge reaches it on a cache miss: its own health check's host and port.
    origin = platform.stack.checks["origin-a"].removesuffix("/healthz")
    top_segment = high_playlist.segments[-1].uri
    username, password = (REFERENCE_JOURNEY.parent / "kickoff-reference-accounts.csv") \
        .read_text().splitlines()[1].split(",")
    return {
        "edge: segment 240p (cached)": (low_playlist.segments[0].uri, None),
        "edge: segment 720p (cached)": (high_playlist.segments[0].uri, None),
        "edge: media playlist (1 s cache)": (lowest.uri, None),
        "origin-a: segment 720p (direct)": (origin + top_segment[len(EDGE):], None),
        "catalog: /api/live": (f"{EDGE}/api/live", None),
        "auth: entitlement (free-to-air)": (EDGE + entitlement, None),
        "auth: login": (f"{EDGE}/auth/login", LOGIN_SCRIPT.format(username=username,
                                                                   password=password)),
    }


def busiest(platform: Platform, before: Sample) -> str:
    """The two busiest components since `before` (the largest share of a limit
    first, then the most cores), as "edge 0.01/0.015, origin-a 0.02"."""
    usage = mean_cores(before, Sample(time.monotonic(), platform.cpu_seconds()),
                       platform.cpu_limits())

    def load(item: tuple[str, dict]) -> tuple[float, float]:
        limit = item[1]["limit"]
        return (item[1]["cores"] / limit if limit else 0.0, item[1]["cores"])

    top = sorted(usage.items(), key=load, reverse=True)[:2]
    return ", ".join(f"{name} {c['cores']:.2f}" + (f"/{c['limit']:g}" if c["limit"] else "")
                     for name, c in top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="local")
    parser.add_argument("--size", choices=STACK_SIZES, default="normal")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 3
    stack = get_platform(args.platform)
    found = stack.size()
    stack.up(args.size)
    try:
        rows = []
        for name, (url, script) in targets(stack).items():
            if script is None:
                subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=True)  # warm the cache
            before = Sample(time.monotonic(), stack.cpu_seconds())
            figures = wrk(url, args.seconds, args.connections, args.threads, script)
            rows.append((name, f"{figures['rps']:,.0f}", f"{figures['p50']:.2f}",
                         f"{figures['p99']:.2f}", f"{figures['mb_s']:,.0f}", figures["non_2xx"],
                         figures["timeouts"], busiest(stack, before)))
    finally:
        if found is None:
            stack.down()
        elif found != args.size:
            stack.up(found)
    print(f"the {args.platform} stack at size {args.size}, wrk -t{args.threads} "
          f"-c{args.connections} -d{args.seconds}s on {os.cpu_count()} cores, {host.machine()}, "
          f"{host.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(tabulate(rows, headers=("target", "requests/s", "p50 ms", "p99 ms", "MB/s", "non-2xx",
                                  "timeouts (2 s)", "busiest components (cores/limit)")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
