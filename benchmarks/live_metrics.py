"""What serving /metrics and the live page costs a run (harness/outputs/live_metrics.py,
live_page.py): the listeners that add each recorded second to the running totals,
the page's series and its SLO checks; a scrape of /metrics; and the page's own
polling, once a second: /live.json with the second it has not got, whose document
(the verdict so far with it) is made again after each second. All as CPU time of
the run's process. The seconds are made for the audience asked (--viewers, 1,000
by default): per second, each viewer's share of segment and playlist requests, a
few API calls, the starts of a steady churn, every request's latency drawn from a
log-normal spread, so each histogram holds as many distinct buckets as such a
second would; 10 faults, two of them in for 30 s. The requests come from curl in
another process, so only the serving is counted.

    .venv/bin/python benchmarks/live_metrics.py [--viewers 1000] [--scrapes 300]

Prints the CPU per second recorded, per scrape, per page poll (the document made
again, and the HTTP request), and their sum at one scrape and one page poll a
second as a share of one core (the issue's target: under 2% for the whole live
feature at 1,000 viewers)."""

from __future__ import annotations

# As in a run: gevent's patching first, so the server is a greenlet, as it is there.
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 (after the patching, on purpose)
import random  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
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
IN = (30, 60)  # the seconds two of the faults are injected and reverted at


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
    poll = f"{url.removesuffix('metrics')}live.json?from={SECONDS - 1}"  # the last second
    events = RunEvents()
    run_dir = Path(tempfile.mkdtemp(prefix="kickoff-bench-")) / "benchmark"
    run_dir.mkdir()
    (run_dir / "scenario.yaml").write_text("name: benchmark\ntimeline: {peak: kickoff}\n")
    live_metrics.attach(events, run_dir, GROUPS)
    page = live_metrics.shown_run()
    assert page is not None
    events.run_started.fire()
    for n in range(FAULTS):
        events.event_recorded.fire(
            kind="fault_scheduled", match_s=0.0, fault=f"fault-{n}", recovery_budget_s=30.0
        )
    events.event_recorded.fire(kind="phase", match_s=0.0, phase="kickoff")

    recorded, documents = 0.0, 0.0
    for second in seconds:
        for kind, at in zip(("fault_injected", "fault_reverted"), IN, strict=True):
            if second.window.second == at:
                for n in range(2):
                    events.event_recorded.fire(
                        kind=kind, match_s=float(at), fault=f"fault-{n}", second=at + 0.5
                    )
        started = time.process_time()
        events.second_recorded.fire(second=second)
        between = time.process_time()
        page.document(second.window.second)  # the page's poll: the document made again
        documents += time.process_time() - between
        recorded += between - started
    per_second, per_document = recorded / SECONDS, documents / SECONDS

    per_scrape, size = served(url, args.scrapes)
    per_poll, poll_size = served(poll, args.scrapes)

    print(f"{args.viewers} viewers, {len(GROUPS)} request groups, {FAULTS} faults; {url}")
    print(f"per second recorded: {per_second * 1000:.3f} ms CPU ({SECONDS} seconds)")
    print(f"per scrape: {per_scrape * 1000:.3f} ms CPU ({args.scrapes} scrapes, {size} bytes each)")
    print(
        f"per page poll: {per_document * 1000:.3f} ms CPU making the document once a second "
        f"(with the verdict so far), {per_poll * 1000:.3f} ms serving it "
        f"({args.scrapes} polls, {poll_size} bytes each)"
    )
    metrics = per_second + per_scrape  # one second recorded and one scrape, each second
    print(f"/metrics alone, at one scrape a second: {metrics * 100:.2f}% of a core")
    share = metrics + per_document + per_poll  # and the page's poll, each second
    print(
        f"/metrics and the live page, at one scrape and one page poll a second: "
        f"{share * 100:.2f}% of a core (target under 2%)"
    )


def served(url: str, count: int) -> tuple[float, int]:
    """CPU seconds of this process per request of `url` (curl asks, `count` times
    in a row), and the answer's size."""
    started = time.process_time()
    curl = subprocess.Popen(
        ["sh", "-c", f'for i in $(seq {count}); do curl -sf -o /dev/null "{url}"; done'],
    )
    curl.wait()
    assert curl.returncode == 0, f"a request of {url} failed"
    each = (time.process_time() - started) / count
    return each, len(subprocess.run(["curl", "-sf", url], capture_output=True, check=True).stdout)


if __name__ == "__main__":
    main()
