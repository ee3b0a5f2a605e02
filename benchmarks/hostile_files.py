"""Hostile scenario and journey files through `harness validate`, counted.

Generates at least 3,000 files (a fixed seed: the same files every time) in
the classes the hostile-input run found, each meant to be refused, and the
mutation style of tests/unit/test_hostile_mutations.py (byte flips, cuts and
insertions of YAML's special characters into the shipped scenarios and the
reference journey), which may load or be refused:

- jsonpath-spaces, jsonpath-index, jsonpath-nesting: filters padded with
  thousands of spaces, indexes of thousands of digits, deeply nested literals;
- regex: patterns compile cannot read (deep groups, huge repeats, bad groups);
- durations: times with up to a million digits;
- names: journey, targets, accounts and python names past NAME_MAX;
- links: the same names as loops of symbolic links;
- many-problems: hundreds of bad steps (at most 20 problems shown);
- big: 25,000 arrival points (valid) and a 900,000-item list;
- mutations: mutated shipped scenarios and journeys.

Most go through `harness validate` in this process (cli.main, its output
captured); every 25th also as a child process with a time limit. Printed:
files, tracebacks, hangs (over --limit seconds, 30 by default: pure-Python YAML
takes several seconds on the largest files), raw control characters in
what validate printed (any C0/C1/bidi character but newline and tab),
accepted-but-wrong (a file meant to be refused that validate accepted), the
total time and the peak memory (VmHWM) of this process; targets: each 0.

    .venv/bin/python benchmarks/hostile_files.py [--limit 30] [--mutations 1800]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import locust  # noqa: F401  (gevent's patching before anything imports ssl)

from harness.cli import main as cli
from harness.load.journey.pattern import PATTERN_CHARS
from harness.spec.paths import SCENARIOS_DIR

HARNESS = str(Path(sys.executable).parent / "harness")
VALID = "name: t\ntimeline: {start: 0s, end: 1m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n"
# C0 and C1 controls but tab and newline, and the bidirectional controls.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PIECES = [b"&a ", b"*a", b"<<: *a\n", b"!!int ", b"!!float ", b"!!timestamp ", b"{", b"}", b"[",
          b"]", b": ", b"- ", b"? ", b"|", b">", b"'", b'"', b"#", b"---\n", b"\t", b"\x00",
          b"\x01", b"\xff", b"\n", b"~", b"0x" + b"f" * 300, b"9" * 5000, b"1.0e+308", b".inf",
          b"2024-13-45", b"\xe2\x80\xae", b"\x1b[31m", b"$[?(@.a == " + b" " * 3000,
          b"(" * 600, b"a" * 300 + b".yaml"]


@dataclass(frozen=True)
class Case:
    kind: str
    scenario: Path
    refuse: bool  # whether validate must refuse it


def journey_with(extraction: str) -> str:
    return (VALID + "journey:\n  play: '{x}'\n  steps:\n"
            f"  - {{group: api, url: /a, extract: {{x: {extraction}}}}}\n")


def generated(folder: Path, rng: random.Random, mutations: int) -> Iterator[Case]:
    """Every case, its files written under `folder`."""
    number = iter(range(1_000_000))

    def write(kind: str, text: str | bytes, refuse: bool = True, name: str = "") -> Case:
        path = folder / (name or f"{kind}-{next(number)}.yaml")
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8",
                                                                           "surrogatepass"))
        return Case(kind, path, refuse)

    for size in range(100, 5001, 25):
        yield write("jsonpath-spaces", journey_with(f'{{json: "$[?(@.a == {" " * size}x"}}'))
    for digits in range(10, 6001, 30):
        yield write("jsonpath-index", journey_with(f'{{json: "$[{"9" * digits}]"}}'))
    for depth in range(1, 3001, 15):
        opening = rng.choice(["[", "{", '{\\"a\\":'])
        yield write("jsonpath-nesting", journey_with(f'{{json: "$[?(@.a == {opening * depth})]"}}'))
    for depth in range(200, 2001, 10):  # groups nested this deep: valid up to a depth
        yield write("regex", journey_with(f"{{regex: '{'(' * depth}{')' * depth}'}}"),
                    refuse=2 * depth > PATTERN_CHARS)
    for count in range(10, 30):
        yield write("regex", journey_with(f"{{regex: 'a{{{'9' * count}}}'}}"))
        yield write("regex", journey_with(f"{{regex: '(?P<a{count}>x)(?P=b{count})'}}"))
    for digits in [*range(41, 2000, 10), 100_000, 1_000_000]:
        unit = rng.choice(["s", "m", "h", "ms"])
        yield write("durations", VALID.replace("end: 1m", f"end: {'1' * digits}{unit}"))
    fields = ["journey: {name}", "platform: external\ntargets: {name}",
              "journey: {{accounts: {name}, play: /p}}", "journey: {{python: '{name}:App'}}"]
    for length in range(256, 5001, 20):
        name = rng.choice(["", "sub/"]) + "a" * length + ".py"
        yield write("names", VALID + rng.choice(fields).format(name=name) + "\n")
    for index in range(200):
        link = folder / f"loop-{index}.py"
        os.symlink(link, link)
        yield write("links", VALID + rng.choice(fields).format(name=link.name) + "\n")
    for count in (25, 100, 500, 2000):
        steps = "".join(f"  - {{group: g{i}, url: /a, method: NOPE}}\n" for i in range(count))
        yield write("many-problems", VALID + "journey:\n  play: /p\n  steps:\n" + steps)
    points = ",".join(f"{{at: {i}s, per_second: 0.001}}" for i in range(25_000))
    yield write("big", "name: t\ntimeline: {start: 0s, end: 8h}\naudience: {arrivals: ["
                + points + "]}\n", refuse=False)
    yield write("big", "name: t\ntimeline: {start: 0s, end: 1m}\naudience: {viewers: ["
                + ",".join(["1"] * 900_000) + "]}\n")
    shipped = folder / "scenarios"
    shutil.copytree(SCENARIOS_DIR, shipped)  # mutated files still find their journeys
    sources = sorted(shipped.glob("*.yaml"))
    journey = shipped / "journeys" / "kickoff-reference.yaml"
    for _ in range(mutations):
        source = rng.choice([*sources, journey])
        data = bytearray(source.read_bytes())
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(data))
            kind = rng.choice(["flip", "delete", "insert"])
            if kind == "flip" and at < len(data):
                data[at] ^= 1 << rng.randint(0, 7)
            elif kind == "delete":
                del data[at:at + rng.randint(1, 40)]
            else:
                data[at:at] = rng.choice(PIECES)
        if source == journey:  # a mutated journey, named by a copy of the shipped scenario
            mutated = shipped / "journeys" / f"mutated-{next(number)}.yaml"
            mutated.write_bytes(bytes(data))
            text = (shipped / "kickoff-free-to-air.yaml").read_text()
            text = text.replace("journeys/kickoff-reference.yaml", f"journeys/{mutated.name}")
            yield write("mutations", text, refuse=False, name=f"scenarios/m-{next(number)}.yaml")
        else:
            yield write("mutations", bytes(data), refuse=False,
                        name=f"scenarios/m-{next(number)}.yaml")


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def in_process(case: Case, limit: float) -> tuple[str, int | None, float]:
    """(what validate printed, its exit code (None: it raised), seconds)."""
    out = io.StringIO()
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cli.main(["validate", str(case.scenario)])
    except Hang:
        code = -1
    except BaseException:  # noqa: BLE001 - what the benchmark counts
        out.write(traceback.format_exc())
        code = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return out.getvalue(), code, time.monotonic() - started


def in_child(case: Case, limit: float) -> tuple[str, int | None, float]:
    started = time.monotonic()
    try:
        result = subprocess.run([HARNESS, "validate", str(case.scenario)], capture_output=True,
                                timeout=limit, stdin=subprocess.DEVNULL,
                                env={**os.environ, "KICKOFF_STATE_DIR": str(case.scenario.parent)})
    except subprocess.TimeoutExpired:
        return "", -1, time.monotonic() - started
    text = (result.stdout + result.stderr).decode("utf-8", "replace")
    return text, result.returncode, time.monotonic() - started


def peak_memory() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=30.0,
                        help="seconds a validation may take before it counts as a hang")
    parser.add_argument("--mutations", type=int, default=1800)
    parser.add_argument("--child-every", type=int, default=25,
                        help="every Nth file also through a child process")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    examples: dict[str, str] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kickoff-hostile-") as scratch:
        for index, case in enumerate(generated(Path(scratch), random.Random(20), args.mutations)):
            kinds[case.kind] += 1
            runs = [in_process(case, args.limit)]
            if index % args.child_every == 0:
                runs.append(in_child(case, args.limit * 3))
                counts["child processes"] += 1
            for printed, code, _ in runs:
                found = {"tracebacks": code is None or "Traceback" in printed,
                         "hangs": code == -1,
                         "control characters": bool(CONTROL.search(printed)),
                         "accepted-but-wrong": case.refuse and code == 0}
                for name, bad in found.items():
                    if bad:
                        counts[name] += 1
                        examples.setdefault(name, f"{case.kind}: {printed[-300:]!r}")
            seconds = runs[0][2]  # in this process (a child's time is mostly its start)
            if seconds > counts.get("slowest", 0):
                counts["slowest"], examples["slowest"] = seconds, case.kind
    total = time.monotonic() - started
    print(f"files: {sum(kinds.values()):,} ({', '.join(f'{k} {n}' for k, n in kinds.items())}); "
          f"{counts['child processes']} also as child processes")
    for name in ("tracebacks", "hangs", "control characters", "accepted-but-wrong"):
        print(f"{name}: {counts[name]} (target 0)"
              + (f"; first: {examples[name]}" if name in examples else ""))
    print(f"slowest file in this process: {counts['slowest']:.2f}s ({examples.get('slowest')}); total time "
          f"{total:.1f}s; peak memory {peak_memory() / 2**20:.0f} MiB (VmHWM)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
