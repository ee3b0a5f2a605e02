"""Generator truth, measured: how often a load generator that only stumbled
is called generator-bound (false alarms), and how often a truly starved one
is (true flags), next to the targets (docs/benchmarks.md).

Parts (all by default; --only picks some):
- smoke: scenarios/smoke.yaml, N times (--smoke, 20), beside a CPU hog (one
  busy loop at normal priority): runs that ended generator-bound (target 0);
- demo: scenarios/kickoff-free-to-air.yaml, N times (--demo, 10, about 4.5
  minutes each), beside the same hog (target 0);
- capacity: `harness capacity scenarios/capacity-small.yaml` beside the same
  hog: its capacity figure (target: there is one);
- sigstop: smoke.yaml whose harness process is stopped once for 0.3 s
  mid-run (SIGSTOP, then SIGCONT): its verdict and exit code (target: pass, 0);
- blocking: a code journey whose API user holds the loop 0.5 s every second,
  on the journey tests' platform (tests/journey: free ports of 127.0.0.1),
  N times (--blocking, 5): runs flagged generator-bound (target: all);
- crowd: 3,000 viewers in one process playing the lowest rendition of an
  ffmpeg live HLS stream from nginx on a free port of 127.0.0.1, N times
  (--crowd, 3): runs flagged generator-bound (target: all).

The parts on the reference stack (smoke, demo, capacity, sigstop) hold the
stack lock; the hog's parts want the machine to themselves (the exclusive
heavy lock). Everything takes about an hour: run it in parts, each lock hold
under 25 minutes, e.g.

    flock -x /tmp/kickoff-heavy.lock flock /tmp/kickoff-stack.lock \\
        .venv/bin/python benchmarks/generator_truth.py --only smoke,sigstop
    flock -x /tmp/kickoff-heavy.lock flock /tmp/kickoff-stack.lock \\
        .venv/bin/python benchmarks/generator_truth.py --only demo --demo 5
    flock -s /tmp/kickoff-heavy.lock .venv/bin/python benchmarks/generator_truth.py \\
        --only blocking,crowd

`--hogs N` puts N busy loops beside smoke, demo and capacity instead of one
(the target's), for a machine busier than the target asks.

The reference stack (local processes, the scenarios' platform) is brought up
when it is down (and down again after); every `harness` command here shares
the caller's KICKOFF_STATE_DIR, where the local stack keeps its state. Each run's
line says what its generator did (seconds saturated, stalls, the largest,
which it was), so a hog that caused nothing shows as such.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the journey tests' platform and the stream tests' servers

from kickoff_stack.edge import CMCD_LOG_FORMAT  # noqa: E402
from measure import load_average, stack, wait_until  # noqa: E402
from tests.hogs import cpu_hogs  # noqa: E402
from tests.streams.servers import (NGINX_CONF, free_port, live_encoder, nginx_config,  # noqa: E402
                                   wait_for, wait_for_window)

HARNESS = str(Path(sys.executable).parent / "harness")
SCENARIOS = ROOT / "scenarios"
JOURNEY_DATA = ROOT / "tests" / "journey" / "data"
BOUND = "generator-bound"
PARTS = ("smoke", "demo", "capacity", "sigstop", "blocking", "crowd")
STOP_S, STOP_AFTER = 0.3, 12  # the SIGSTOP: how long, and after how many recorded seconds
CROWD = 3000
CROWD_STREAM_S = 120  # the encoder stops by itself after this


@dataclass(frozen=True)
class Run:
    """One `harness run`, as its folder tells it."""

    exit_code: int
    verdict: str
    generator: dict | None

    def line(self) -> str:
        truth = self.generator or {}
        cause = (truth.get("cause") or {}).get("cause", "-")
        return (f"{self.verdict} (exit {self.exit_code}); generator: saturated "
                f"{truth.get('seconds_saturated', '-')} s, {truth.get('stalls', '-')} stall(s), "
                f"largest {truth.get('largest_stall_s', 0):.2f} s, peak "
                f"{truth.get('peak_cpu_cores', 0):.2f} cores, cause {cause}")


def _run(scenario: Path, results: Path, *extra: str, while_running: Callable[[subprocess.Popen,
                                                                                Path], None]
         | None = None) -> Run:
    process = subprocess.Popen([HARNESS, "-q", "run", str(scenario), "--results-dir",
                                str(results), *extra], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        if while_running:
            while_running(process, results)
        process.wait(timeout=900)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    summary = json.loads((folder / "summary.json").read_text())
    return Run(process.returncode, summary["verdict"]["result"], summary["generator"])


def _repeat(name: str, count: int, once: Callable[[Path], Run], folder: Path) -> list[Run]:
    runs = []
    for index in range(count):
        run = once(folder / f"{name}-{index + 1}")
        print(f"{name} {index + 1}/{count}: {run.line()}", flush=True)
        runs.append(run)
    return runs


def _outcomes(runs: list[Run]) -> str:
    """"pass 19, fail 1; 3 with a second over the bounds": the verdicts, and the runs the
    rule before sustained saturation (any second over the bounds) called generator-bound."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.verdict] = counts.get(run.verdict, 0) + 1
    over = sum(1 for run in runs if (run.generator or {}).get("seconds_over_bounds"))
    return (", ".join(f"{verdict} {n}" for verdict, n in sorted(counts.items()))
            + f"; {over} with a second over the bounds")


# --- the parts ----------------------------------------------------------------------

def beside_hog(name: str, scenario: Path, count: int, folder: Path, hogs: int) -> list:
    with cpu_hogs(hogs):
        runs = _repeat(name, count, lambda results: _run(scenario, results), folder)
    bound = sum(run.verdict == BOUND for run in runs)
    return [f"{name} beside {_hogs(hogs)}: generator-bound runs", f"{bound} of {len(runs)}",
            "0", _outcomes(runs)]


def _hogs(count: int) -> str:
    return "a CPU hog" if count == 1 else f"{count} CPU hogs"


def capacity(folder: Path, hogs: int) -> list:
    results = folder / "capacity"
    with cpu_hogs(hogs):
        done = subprocess.run([HARNESS, "-q", "capacity", str(SCENARIOS / "capacity-small.yaml"),
                               "--results-dir", str(results)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=3600)
    found = [p for p in results.iterdir() if p.is_dir()] if results.is_dir() else []
    if not found:
        raise SystemExit(f"harness capacity wrote no folder (exit {done.returncode}): "
                         f"{done.stderr.strip()[-500:]}")
    (found,) = found
    document = json.loads((found / "capacity.json").read_text())
    answer = document["answer"]
    twice = sum(1 for level in document["levels"] if level.get("first_try"))
    bound = sum(1 for level in document["levels"] if level["result"] == BOUND)
    figure = "none" if answer["capacity"] is None else f"{answer['capacity']:g} viewers"
    print(f"capacity: {figure}, stop {answer['stop']}, exit {done.returncode}, "
          f"{len(document['levels'])} levels ({twice} run twice, {bound} generator-bound)",
          flush=True)
    return [f"capacity-small beside {_hogs(hogs)}: capacity figure", figure, "a figure",
            f"exit {done.returncode}, {len(document['levels'])} levels, {twice} run twice"]


def _stop_once(process: subprocess.Popen, results: Path) -> None:
    def recorded() -> int:
        found = list(results.glob("*/windows.jsonl"))
        return len(found[0].read_text().splitlines()) if found else 0

    if not wait_until(lambda: recorded() >= STOP_AFTER, timeout=120):
        raise SystemExit("the SIGSTOP run did not get going")
    os.kill(process.pid, signal.SIGSTOP)
    time.sleep(STOP_S)
    os.kill(process.pid, signal.SIGCONT)


def sigstop(folder: Path) -> list:
    run = _run(SCENARIOS / "smoke.yaml", folder / "sigstop", while_running=_stop_once)
    print(f"sigstop: {run.line()}", flush=True)
    return [f"smoke stopped once for {STOP_S:g} s: verdict (exit)",
            f"{run.verdict} ({run.exit_code})", "pass (0)", run.line()]


@contextmanager
def journey_platform(folder: Path) -> Iterator[str]:
    """The journey tests' platform: a live DASH stream and platform_api.py; its URL."""
    media = folder / "media" / "www"
    accounts = folder / "accounts.csv"
    accounts.write_text("username,password,tier\nviewer-a,pw-a-secret,gold\n")
    with live_encoder("dash-number", media, 600):
        wait_for_window(media, "dash-number", 4)
        server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "journey" /
                                                       "platform_api.py"),
                                   str(accounts), str(media), "/media/live.mpd"],
                                  stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        try:
            yield f"http://127.0.0.1:{int(server.stdout.readline())}"
        finally:
            server.kill()
            server.wait()


BLOCKING = """\
name: starved-blocking
platform: external
targets: targets.yaml
journey: {python: myplatform.py:Blocker, accounts: accounts.csv}
timeline: {start: 0s, end: 9s}
audience:
  event: ch-1
  viewers:
    - {at: 0s, viewers: 4}
  clients: {web: 0.5, app: 0.5}
  api_users:
    - {kind: tokens, users: 1, interval: 1s}
slos:
  - {metric: video_start_failure_ratio, max: 0%}
"""


def blocking(count: int, folder: Path) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    with journey_platform(folder) as edge:
        shutil.copy(JOURNEY_DATA / "myplatform.py", folder / "myplatform.py")
        (folder / "targets.yaml").write_text(f"edge: {edge}\n")
        scenario = folder / "blocking.yaml"
        scenario.write_text(BLOCKING)
        runs = _repeat("blocking", count, lambda results: _run(scenario, results), folder)
    flagged = sum(run.verdict == BOUND for run in runs)
    return ["journey holding its loop 0.5 s every second: flagged", f"{flagged} of {len(runs)}",
            "all", _outcomes(runs)]


@contextmanager
def crowd_server(folder: Path) -> Iterator[str]:
    """nginx on a free port (connections for the crowd) serving an ffmpeg live HLS
    stream; the URL of its lowest rendition's media playlist."""
    www, work = folder / "www", folder / "nginx"
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    (work / "nginx.conf").write_text(nginx_config(work, 2 * CROWD + 256, NGINX_CONF, port=port,
                                                  root=www, log_format=CMCD_LOG_FORMAT))
    with ExitStack() as stack_:
        stack_.enter_context(live_encoder("hls-ts", www, CROWD_STREAM_S))
        server = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-e", "stderr", "-g",
                                   "daemon off;"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        stack_.callback(server.wait)
        stack_.callback(server.terminate)
        wait_for_window(www, "hls-ts", 6)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: (www / "stream_0.m3u8").exists(), "the lowest rendition")
        yield base


CROWD_SCENARIO = """\
name: starved-crowd
platform: external
targets: targets.yaml
timeline: {{start: 0s, end: 40s}}
audience:
  stream: {stream}
  clients: {{web: 1}}
  viewers:
    - {{at: 0s, viewers: 10}}
    - {{at: 10s, viewers: {viewers}}}
    - {{at: 40s, viewers: {viewers}}}
slos:
  - {{metric: video_start_failure_ratio, max: 5%}}
"""


def crowd(count: int, folder: Path) -> list:
    runs = []
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):  # a fresh stream each time: it ends after CROWD_STREAM_S
        here = folder / f"crowd-{index + 1}"
        with crowd_server(here) as base:
            (here / "targets.yaml").write_text(f"edge: {base}\n")
            scenario = here / "crowd.yaml"
            scenario.write_text(CROWD_SCENARIO.format(stream=f"{base}/stream_0.m3u8",
                                                      viewers=CROWD))
            run = _run(scenario, here / "results")
        print(f"crowd {index + 1}/{count}: {run.line()}", flush=True)
        runs.append(run)
    flagged = sum(run.verdict == BOUND for run in runs)
    return [f"{CROWD:,} viewers in one process: flagged", f"{flagged} of {len(runs)}", "all",
            _outcomes(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"parts to run, comma-separated ({', '.join(PARTS)})")
    parser.add_argument("--smoke", type=int, default=20)
    parser.add_argument("--demo", type=int, default=10)
    parser.add_argument("--blocking", type=int, default=5)
    parser.add_argument("--crowd", type=int, default=3)
    parser.add_argument("--hogs", type=int, default=1,
                        help="busy loops beside smoke, demo and capacity (default 1: the target's)")
    parser.add_argument("--keep", type=Path, help="keep the run folders here")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise SystemExit(f"--only: no part {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    print(load_average(), flush=True)
    rows = []
    with ExitStack() as held:
        folder = args.keep or Path(held.enter_context(tempfile.TemporaryDirectory()))
        if {"smoke", "demo", "capacity", "sigstop"} & set(parts):
            held.enter_context(stack("local"))  # the scenarios' own platform
        if "smoke" in parts:
            rows.append(beside_hog("smoke", SCENARIOS / "smoke.yaml", args.smoke, folder,
                                   args.hogs))
        if "demo" in parts:
            rows.append(beside_hog("demo", SCENARIOS / "kickoff-free-to-air.yaml", args.demo,
                                   folder, args.hogs))
        if "capacity" in parts:
            rows.append(capacity(folder, args.hogs))
        if "sigstop" in parts:
            rows.append(sigstop(folder))
        if "blocking" in parts:
            rows.append(blocking(args.blocking, folder / "blocking"))
        if "crowd" in parts:
            rows.append(crowd(args.crowd, folder / "crowd"))
    print(load_average())
    print(tabulate(rows, headers=["figure", "measured", "target", "runs"]))


if __name__ == "__main__":
    main()
