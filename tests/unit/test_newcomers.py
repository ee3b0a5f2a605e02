"""Newcomers and getting in: who is a newcomer (exact, even shares, never a
subscriber), their sign-ups (unique per attempt and per run, safe
characters, never shown), the format's rules, an attempt that stops at
booking counted apart from the video, the window's booking fields, and a
verdict that says booking broke while the video held."""

from __future__ import annotations

import json
import re

import pytest
from kickoff_stack.seed import EVENTS

from harness import scenario
from harness.measure.aggregate import merged, metrics_of
from harness.load.entry import Entry
from harness.load.journey import Journey, Viewer
from harness.load.journey.model import Condition
from harness.load.journey.newcomers import newcomer, run_token
from harness.load.viewer import is_newcomer, is_subscriber
from harness.spec.paths import SCENARIOS_DIR
from harness.runfolder.recorder import Second, columns, timeseries_row
from harness.judge.summary import booking_line
from harness.judge.verdict import judge
from harness.measure.slo import Slo
from harness.measure.window import Window
from tests.unit.test_journey_format import problems as journey_problems
from tests.unit.test_scenario import MINIMAL, problem, problems

SAFE = re.compile(r"[a-z0-9-]+")


# -- who is a newcomer -------------------------------------------------------------------

@pytest.mark.parametrize("subscribers, newcomers", [
    (0.0, 0.1), (0.3, 0.2), (0.25, 0.75), (0.7, 0.3), (0.6, 0.4), (0.5, 0.0), (0.0, 1.0),
    (0.33, 0.33), (0.1, 0.05)])
def test_newcomers_and_subscribers_are_exact_shares_spread_evenly_and_never_both(
        subscribers, newcomers):
    roles = [(is_subscriber(n, subscribers), is_newcomer(n, subscribers, newcomers))
             for n in range(1000)]
    assert not any(sub and new for sub, new in roles)
    for count in (7, 40, 333, 1000):  # any first n viewers: the shares, to within one viewer
        assert sum(sub for sub, _ in roles[:count]) == int(count * subscribers)
        assert abs(sum(new for _, new in roles[:count]) - count * newcomers) <= 1, count
    # spread evenly: any 100 viewers in a row hold the share, to within two
    for start in range(0, 900, 50):
        assert abs(sum(new for _, new in roles[start:start + 100]) - 100 * newcomers) <= 2


def test_the_shares_adding_up_to_one_leave_nobody_without_an_account():
    for subscribers, newcomers in ((0.7, 0.3), (0.6, 0.4), (0.9, 0.1), (0.15, 0.85)):
        assert all(is_subscriber(n, subscribers) != is_newcomer(n, subscribers, newcomers)
                   for n in range(500))


# -- their sign-ups ----------------------------------------------------------------------

def test_sign_ups_are_unique_per_attempt_viewer_and_run_and_reproducible():
    runs = [run_token() for _ in range(3)]
    assert len(set(runs)) == 3
    signed = [newcomer(7, token, viewer, attempt)
              for token in runs for viewer in range(40) for attempt in range(1, 6)]
    assert len({s.username for s in signed}) == len(signed)  # a retry never meets its earlier name
    assert len({s.password for s in signed}) == len(signed)
    assert all(SAFE.fullmatch(s.username) and SAFE.fullmatch(s.password) for s in signed)
    assert newcomer(7, runs[0], 3, 2) == newcomer(7, runs[0], 3, 2)  # seed and token decide
    assert newcomer(8, runs[0], 3, 2).username != newcomer(7, runs[0], 3, 2).username
    assert len({newcomer(seed, "same", 0, 1).username for seed in range(50)}) == 50


def test_a_sign_up_is_never_shown_and_goes_into_templates_only():
    sign_up = newcomer(1, "token", 4, 1)
    viewer = Viewer(4, "web", False, "match", None, sign_up)
    for shown in (repr(sign_up), str(sign_up), repr(viewer)):
        assert sign_up.username not in shown and sign_up.password not in shown
    variables = viewer.variables()
    assert (variables["newcomer.username"], variables["newcomer.password"]) == (
        sign_up.username, sign_up.password)
    assert "newcomer.username" not in Viewer(5, "web", False, "match", None).variables()


def test_a_journey_class_knows_the_attempts_sign_up():
    sign_up = newcomer(1, "token", 4, 2)
    app = Journey(None, Viewer(4, "app", False, None, None, sign_up))
    assert (app.newcomer.username, app.newcomer.password) == (sign_up.username, sign_up.password)
    assert Journey(None, Viewer(5, "app", True, None, None)).newcomer is None


def test_a_condition_on_newcomers_holds_for_the_viewers_it_names():
    new = Viewer(1, "web", False, None, None, newcomer(1, "t", 1, 1))
    old = Viewer(2, "web", True, None, None)
    assert Condition(newcomer=True).holds(new) and not Condition(newcomer=True).holds(old)
    assert Condition(newcomer=False).holds(old) and not Condition(newcomer=False).holds(new)
    assert Condition().holds(new) and Condition(subscriber=False).holds(new)


# -- the format's rules --------------------------------------------------------------------

def test_newcomers_and_subscribers_adding_up_to_more_than_one_is_a_problem_on_its_line(tmp_path):
    assert problem(tmp_path, MINIMAL + "  subscribers: 0.6\n  newcomers: 0.5\n") == (
        ":7: audience.newcomers: 0.5 and subscribers 0.6 add up to more than 1 (a viewer is "
        "never both; lower one of them)")
    assert problem(tmp_path, MINIMAL + "  newcomers: 1.2\n") == (
        ":6: audience.newcomers: 1.2 must be <= 1")
    found = problems(tmp_path, MINIMAL + "  stream: http://127.0.0.1:9/live.m3u8\n"
                                         "  newcomers: 0.1\n")
    assert ":7: audience.newcomers: is not used with audience.stream: viewers play the stream " \
           "without the app's journey (remove newcomers or stream)" in found


def test_newcomer_templates_belong_in_steps_for_newcomers(tmp_path):
    found = journey_problems(tmp_path, """\
steps:
  - group: signup
    url: /signup
    when: {newcomer: true}
    json: {username: "{newcomer.username}", password: "{newcomer.password}"}
    extract: {session: {json: $.session}}
  - group: booking
    url: /book
    json: {who: "{newcomer.username}"}
  - group: login
    url: /login
    when: {newcomer: maybe}
play: /live/{session}.m3u8
api_users:
  storm:
    steps:
      - {group: signup, url: /signup, when: {newcomer: true}, json: {p: "{newcomer.password}"}}
""", accounts=None)
    hint = "is set only for newcomers, in steps with when: {newcomer: true} (API users are " \
           "never newcomers)"
    assert found == [
        f":9: steps[1].json.who: {{newcomer.username}} {hint}",
        ":12: steps[2].when.newcomer: 'maybe' is not true or false",
        f":17: api_users.storm.steps[0].json.p: {{newcomer.password}} {hint}"]


def test_the_booking_rush_asks_about_a_paid_game_everyone_has_or_makes_an_account_for():
    rush = scenario.load(SCENARIOS_DIR / "euro-booking-rush.yaml")
    audience = rush.audience
    assert audience.event in {event.id for event in EVENTS if not event.free_to_air}
    assert audience.newcomers > 0 and audience.subscribers + audience.newcomers == 1
    assert max(p.viewers for p in audience.points) * audience.scale <= 150
    assert rush.wall_duration <= 300 and rush.timeline.start == -15 * 60
    judged = {slo.metric for slo in rush.slos}
    assert {"booking_failure_ratio", "error_ratio.booking", "error_ratio.signup",
            "latency_p95.booking", "video_start_failure_ratio", "rebuffering_ratio"} <= judged
    assert rush.description.endswith("Does booking hold, and does the stream stay unaffected?")


# -- getting in, counted apart -----------------------------------------------------------

class Counts:
    def __init__(self) -> None:
        self.bookings: list[bool] = []

    def booking(self, failed: bool) -> None:
        self.bookings.append(failed)


def _through(entry: Entry, *groups: str) -> None:
    for group in groups:
        entry.fetch("POST", "/x", group=group)


def test_an_attempt_that_stops_at_booking_is_a_booking_failure_counted_once():
    sent = []
    counts = Counts()
    stopped = Entry(lambda method, url, **rest: sent.append((method, url, rest["group"])))
    _through(stopped, "catalog", "signup", "booking")
    assert sent[-1] == ("POST", "/x", "booking")  # the viewer's own fetch makes the request
    assert stopped.done(counts, "booking", failed=True) is True  # an error at the step
    assert stopped.done(counts, failed=True) is False  # counted once
    gave_up = Entry(lambda *a, **k: None)
    _through(gave_up, "signup")
    assert gave_up.done(counts, failed=True) is True  # patience ran out in its latest request
    assert counts.bookings == [True, True]


def test_an_attempt_that_got_in_or_failed_elsewhere_is_no_booking_failure():
    counts = Counts()
    got_in = Entry(lambda *a, **k: None)
    _through(got_in, "signup", "booking", "auth")
    assert got_in.done(counts) is False
    assert got_in.done(counts, "player", failed=True) is False  # the player's, after the journey
    after = Entry(lambda *a, **k: None)
    _through(after, "signup", "booking", "auth")
    assert after.done(counts, "auth", failed=True) is False  # the entitlement's: a start failure
    member = Entry(lambda *a, **k: None)
    _through(member, "catalog", "auth")
    assert member.done(counts, "auth", failed=True) is False  # never tried to get in
    assert counts.bookings == [False, False]


def _window(second: int, attempts: int, failures: int, starts: int = 0) -> Window:
    return Window(second, attempts=attempts + starts, starts=starts,
                  booking_attempts=attempts, booking_failures=failures)


def test_booking_fields_merge_round_trip_and_make_the_ratio_apart_from_video_starts():
    a, b = _window(3, 4, 1, starts=2), _window(3, 6, 3, starts=5)
    a.merge(b)
    assert (a.booking_attempts, a.booking_failures) == (10, 4)
    again = Window.from_json(json.loads(json.dumps(a.to_json())))
    assert again == a
    values = metrics_of([a, _window(4, 0, 0)])
    assert values["booking_failure_ratio"] == 4 / 10
    assert values["video_start_failure_ratio"] == 0  # 7 starts; the 4 who could not get in aside
    assert metrics_of([Window(0)])["booking_failure_ratio"] is None  # nobody tried: no data
    row = dict(zip(columns([]), timeseries_row(Second(a, 0.0, 0.0, "p", 1, 1), [])))
    assert (row["booking_attempts"], row["booking_failures"]) == (10, 4)
    assert row["booking_failure_ratio"] == 0.4


def test_windows_without_booking_fields_read_and_impossible_ones_do_not():
    old = Window(2, attempts=3).to_json()
    del old["booking_attempts"], old["booking_failures"]
    assert Window.from_json(old).booking_attempts == 0
    with pytest.raises(ValueError, match="window.booking_failures: 3 is more than "
                                         "booking_attempts 2"):
        Window.from_json(_window(1, 2, 3).to_json())


def test_the_console_line_says_who_could_not_get_in():
    assert booking_line({"booking": {"attempts": 0, "failures": 0}}) is None
    assert booking_line({}) is None  # a summary from before
    assert booking_line({"booking": {"attempts": 8, "failures": 2}}) == (
        "getting in (sign-up, booking; not in the start failures above): 8 attempts, 2 could "
        "not get in (booking_failure_ratio 25.00%)")


# -- the verdict names booking -----------------------------------------------------------

def _second(n: int, booking_failed: int) -> Second:
    window = Window(n, playing=10, played_s=10.0, starts=2, attempts=6, booking_attempts=4,
                    booking_failures=booking_failed)
    window.startup.add(1.0)
    for index in range(4):
        window.tally("booking").add(0.2, ok=index >= booking_failed)
        window.tally("segment").add(0.01, ok=True)
    return Second(window, 1_700_000_000 + n, float(n), "match", 10, 10)


def test_when_only_booking_breaks_the_headline_names_booking_and_the_video_holds():
    slos = [Slo.read({"metric": m, "max": bound}) for m, bound in (
        ("booking_failure_ratio", "2%"), ("error_ratio.booking", "1%"),
        ("video_start_failure_ratio", "1%"), ("rebuffering_ratio", "1%"),
        ("error_ratio.segment", "1%"), ("startup_time_p95", "4s"))]
    broken = judge(slos, [_second(n, 2) for n in range(10)], [], "match")
    results = {r["metric"]: r["result"] for r in broken["slos"]}
    assert results == {"booking_failure_ratio": "fail", "error_ratio.booking": "fail",
                       "video_start_failure_ratio": "pass", "rebuffering_ratio": "pass",
                       "error_ratio.segment": "pass", "startup_time_p95": "pass"}
    assert broken["result"] == "fail"
    assert broken["headline"].startswith("FAIL — booking_failure_ratio 50.00% (wanted <= 2.00%)")
    assert "; booking broke, video held; demand fail" in broken["headline"]
    held = judge(slos, [_second(n, 0) for n in range(10)], [], "match")
    assert held["result"] == "pass" and "broke" not in held["headline"]
    video = judge(slos[:2] + [Slo.read({"metric": "startup_time_p95", "max": "0.5s"})],
                  [_second(n, 0) for n in range(10)], [], "match")
    assert "video broke, booking held" in video["headline"]


def test_merged_windows_keep_the_booking_counts():
    total = merged([_window(0, 3, 1), _window(1, 2, 2)])
    assert (total.booking_attempts, total.booking_failures) == (5, 3)
