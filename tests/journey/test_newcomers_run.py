"""`harness run` with newcomers on the test platform (platform_api.py): viewers
without an account sign up and book before they watch, every other booking
is refused (slowly), and the run tells it apart from the video: the refused
ones are booking failures, not failed starts, the viewers already in watch
on, and the verdict names booking. Checked against what the platform itself
recorded (its ledger). A booking that never answers is a booking failure
too, once the viewer's patience runs out, not an exit before video start."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request

import pytest

from harness.load.clients import CLIENTS
from harness.load.retry import FIRST_BACKOFF
from harness.load.viewer import Viewer, is_newcomer, is_subscriber
from tests.cli import harness
from tests.journey.test_journey_runs import DATA, groups_requested, run
from tests.run.helpers import number, run_dir, summary, timeseries, write_scenario

VIEWERS, SUBSCRIBERS, NEWCOMERS = 8, 0.25, 0.5
SWITCH = {"fail_every": 2, "status": 503, "delay": 0.3}  # every second booking: 503, slowly
PATIENCE = CLIENTS["web"].patience  # seconds a web viewer waits for the first frame


def call(api: str, method: str, path: str, body: dict | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(api + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read() or b"null")


def _booking_set(platform_api: str, switch: dict):
    """The test platform's booking behaviour set to `switch` until the test ends
    (then back to booking every time at once); its ledger to read."""
    call(platform_api, "PUT", "/test/booking", switch)
    try:
        yield lambda: call(platform_api, "GET", "/test/ledger")
    finally:
        call(platform_api, "PUT", "/test/booking", {"fail_every": 0, "delay": 0})


@pytest.fixture
def refusing(platform_api):
    """The test platform refusing every other booking, slowly."""
    yield from _booking_set(platform_api, SWITCH)


def test_newcomers_sign_up_and_book_and_their_failures_are_booking_not_video(
        platform_api, accounts_csv, refusing, tmp_path):
    shutil.copy(DATA / "newcomers.yaml", tmp_path / "newcomers.yaml")
    shutil.copy(accounts_csv, tmp_path / "accounts.csv")
    (tmp_path / "targets.yaml").write_text(f"edge: {platform_api}\n")
    scenario = write_scenario(tmp_path, "newcomers-run", f"""\
platform: external
targets: targets.yaml
journey: newcomers.yaml
timeline: {{start: 0s, end: 10s}}
audience:
  event: ch-1
  viewers:
    - {{at: 0s, viewers: {VIEWERS}}}
  clients: {{web: 0.5, app: 0.5}}
  subscribers: {SUBSCRIBERS}
  newcomers: {NEWCOMERS}
slos:
  - {{metric: booking_failure_ratio, max: 5%}}
  - {{metric: error_ratio.booking, max: 1%}}
  - {{metric: error_ratio.signup, max: 1%}}
  - {{metric: video_start_failure_ratio, max: 0%}}
  - {{metric: playback_failure_ratio, max: 0%}}
""")
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    folder = run_dir(tmp_path / "results")
    s = summary(folder)
    ledger = refusing()
    overall, metrics = s["overall"], s["overall"]["metrics"]

    # Exactly the newcomers signed up (viewers 0..7 by number), each attempt with a name of its own.
    names = [username for username, _ in ledger["signups"]]
    newcomers = {n for n in range(VIEWERS) if is_newcomer(n, SUBSCRIBERS, NEWCOMERS)}
    assert len(newcomers) == VIEWERS * NEWCOMERS
    assert not any(is_subscriber(n, SUBSCRIBERS) for n in newcomers)
    assert {int(name.split("-")[2]) for name in names} == newcomers
    assert len(set(names)) == len(names) > len(newcomers)  # refused ones tried again, anew
    assert metrics["error_ratio.signup"] == 0  # no name was ever taken
    # Their refused bookings are booking failures, as the platform counted them (but those the
    # run's end cut off), of the attempts that signed up; never start failures.
    booking = overall["booking"]
    assert ledger["refused"] - len(newcomers) <= booking["failures"] <= ledger["refused"]
    assert len(names) - len(newcomers) <= booking["attempts"] <= len(names)
    assert booking["failures"] > 0 and booking["attempts"] > booking["failures"]
    assert metrics["booking_failure_ratio"] == booking["failures"] / booking["attempts"]
    # tried once each: a request per failure (and web viewers, as dash.js, may ask for a
    # segment the moment the MPD's clock says it is out, before ffmpeg has written it)
    assert set(overall["errors"]) - {"segment 404"} == {"booking 503"}
    assert booking["failures"] <= overall["errors"]["booking 503"] <= ledger["refused"]
    assert metrics["latency_p50.booking"] >= SWITCH["delay"]  # slow, as the switch says
    rows = timeseries(folder)
    assert sum(int(r["booking_attempts"]) for r in rows) == booking["attempts"]
    assert sum(int(r["booking_failures"]) for r in rows) == booking["failures"]
    # The viewers already in, and the newcomers who got in, watch: no failed start at all.
    assert overall["start_failure_reasons"] == {}
    assert metrics["video_start_failure_ratio"] == 0 and metrics["playback_failure_ratio"] == 0
    starts = sum(number(r["starts"]) for r in rows)
    assert starts > VIEWERS - len(newcomers)  # newcomers who booked play too
    assert set(groups_requested(folder)) >= {"signup", "booking", "token", "segment"}
    # The verdict names booking, and the video rows pass.
    results = {row["metric"]: row["result"] for row in s["verdict"]["slos"]}
    assert results == {"booking_failure_ratio": "fail", "error_ratio.booking": "fail",
                       "error_ratio.signup": "pass", "video_start_failure_ratio": "pass",
                       "playback_failure_ratio": "pass"}
    headline = s["verdict"]["headline"]
    assert headline.startswith("FAIL — booking_failure_ratio ") and \
        "booking broke, video held" in headline, headline
    assert "getting in (sign-up, booking" in result.stdout and headline in result.stdout
    # Sign-ups are in no file of the run, nor in what it printed.
    secrets = [value for pair in ledger["signups"] for value in pair]
    for name, text in [(path.name, path.read_text(errors="replace")) for path in folder.iterdir()]\
            + [("stdout", result.stdout), ("stderr", result.stderr)]:
        assert not any(value in text for value in secrets), name


@pytest.fixture
def hanging(platform_api):
    """The test platform answering no booking within any viewer's patience."""
    yield from _booking_set(platform_api, {"fail_every": 0, "delay": 3 * PATIENCE})


def test_a_booking_that_outlasts_the_viewers_patience_is_a_booking_failure_not_an_exit(
        platform_api, accounts_csv, hanging, tmp_path):
    # Booked twice: the first try ends at the client's network timeout, the second is under
    # way when the viewer's patience runs out.
    assert Viewer.network_timeout + FIRST_BACKOFF < PATIENCE < 2 * Viewer.network_timeout
    journey = (DATA / "newcomers.yaml").read_text()
    (tmp_path / "newcomers.yaml").write_text(journey.replace("    tries: 1 ", "    tries: 2 "))
    shutil.copy(accounts_csv, tmp_path / "accounts.csv")
    (tmp_path / "targets.yaml").write_text(f"edge: {platform_api}\n")
    scenario = write_scenario(tmp_path, "hanging-booking", f"""\
platform: external
targets: targets.yaml
journey: newcomers.yaml
timeline: {{start: 0s, end: {PATIENCE + 4:g}s}}  # room for a slow start; none gets further
audience:
  event: ch-1
  viewers:
    - {{at: 0s, viewers: 2}}
  clients: {{web: 1}}
  newcomers: 1
slos:
  - {{metric: booking_failure_ratio, max: 5%}}
""")
    s, _ = run(scenario, tmp_path / "results", state=tmp_path / "state")
    ledger = hanging()

    overall = s["overall"]
    assert len(ledger["signups"]) >= 2 and ledger["booked"] == 0  # nobody got in
    assert overall["booking"] == {"attempts": 2, "failures": 2}  # each gave up at booking
    errors = overall["errors"]  # the first tries, timed out: booking's only
    assert {why.split()[0] for why in errors} == {"booking"} and sum(errors.values()) >= 2
    assert overall["metrics"]["exit_before_video_start_ratio"] is None  # no exit: no video yet
    assert overall["start_failure_reasons"] == {}
    assert s["verdict"]["headline"].startswith("FAIL — booking_failure_ratio 100.00%")
    assert "; booking broke; demand fail" in s["verdict"]["headline"]
