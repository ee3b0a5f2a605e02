"""What serving /metrics costs a run (harness/outputs/live_metrics.py): the
listener that adds each recorded second to the running totals, and a scrape
of the real HTTP endpoint, as CPU time of the run's process. The seconds are
made for the audience asked (--viewers, 1,000 by default): per second, each
viewer's share of segment and playlist requests, a few API calls, the starts
of a steady churn, every request's latency drawn from a log-normal spread, so
each histogram holds as many distinct buckets as such a second would. The
scrapes come from curl in another process, so only the serving is counted.

    .venv/bin/python benchmarks/live_metrics.py [--viewers 1000] [--scrapes 300]

Prints the CPU per second recorded, per scrape, and their sum at one scrape a
second as a share of one core (the issue's target: under 2% for the whole
live feature at 1,000 viewers)."""

from __future__ import annotations

# As in a run: gevent's patching first, so the server is a greenlet, as it is there.
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 (after the patching, on purpose)
import random  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from harness.measure.truth import GeneratorTruth  # noqa: E402
from harness.measure.window import RequestTally, Window  # noqa: E402
from harness.outputs import live_metrics  # noqa: E402
from harness.outputs.hooks import RunEvents  # noqa: E402
from harness.runfolder.recorder import Second  # noqa: E402

GROUPS = ("auth", "booking", "catalog", "home", "signup", "playlist", "segment")
SECONDS = 120
FAULTS = 10


def window(number: int, viewers: int, rng: random.Random) -> Window:
    """One second of `viewers` playing 4 s segments, reloading 4 s playlists, with API calls."""
    made = Window(number, joining=viewers // 50, playing=viewers - viewers // 50)
    made.generator = GeneratorTruth.of_process(0.4, 0.01)
    per_second = {
        "segment": viewers // 2,
        "playlist": viewers // 4,
        **dict.fromkeys(GROUPS[:5], 10),
    }
    for group, count in per_second.items():
        tally = RequestTally()
        for _ in range(count):
            tally.add(rng.lognormvariate(-3.0, 1.0), rng.random() > 0.01)
        made.requests[group] = tally
    for _ in range(viewers // 50):
        made.attempts += 1
        made.starts += 1
        made.startup.add(rng.lognormvariate(0.5, 0.4))
    made.played_s, made.bitrate_kbps_s = float(viewers), viewers * 3000.0
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)
    seconds = [
        Second(
            window(n, args.viewers, rng),
            time.time(),
            float(n),
            "kickoff",
            args.viewers,
            args.viewers,
        )
        for n in range(SECONDS)
    ]
    url = live_metrics.serve(live_metrics.DEFAULT_BIND)
    events = RunEvents()
    live_metrics.attach(events, Path("benchmark"), GROUPS)
    events.run_started.fire()
    for n in range(FAULTS):
        events.event_recorded.fire(kind="fault_scheduled", match_s=0.0, fault=f"fault-{n}")
    events.event_recorded.fire(kind="phase", match_s=0.0, phase="kickoff")

    started = time.process_time()
    for second in seconds:
        events.second_recorded.fire(second=second)
    per_second = (time.process_time() - started) / SECONDS

    started = time.process_time()
    curl = subprocess.Popen(
        ["sh", "-c", f'for i in $(seq {args.scrapes}); do curl -sf -o /dev/null "{url}"; done'],
    )
    curl.wait()
    assert curl.returncode == 0, "a scrape failed"
    per_scrape = (time.process_time() - started) / args.scrapes
    size = len(subprocess.run(["curl", "-sf", url], capture_output=True, check=True).stdout)

    print(f"{args.viewers} viewers, {len(GROUPS)} request groups, {FAULTS} faults; {url}")
    print(f"per second recorded: {per_second * 1000:.3f} ms CPU ({SECONDS} seconds)")
    print(f"per scrape: {per_scrape * 1000:.3f} ms CPU ({args.scrapes} scrapes, {size} bytes each)")
    share = per_second + per_scrape  # one second recorded and one scrape, each second
    print(f"at one scrape a second: {share * 100:.2f}% of a core (target under 2%)")


if __name__ == "__main__":
    main()
