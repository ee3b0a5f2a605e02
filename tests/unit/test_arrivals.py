"""The open audience model: arrival rates and the moments they make, watch
durations, push spikes, leaving and coming back, the concurrency all that
implies and the pool that carries it; and the format's rules for it."""

import math
import statistics
import textwrap
from pathlib import Path

import pytest

from harness import scenario
from harness.spec.errors import InvalidInput
from harness.load.arrivals.leaving import Stay, leaves, present_share, stays
from harness.scenario.arrival_rates import arrival_times, arrivals_between, rate_at
from harness.generator.schedule import ARRIVING_FROM, Schedule, watched
from harness.scenario import ArrivalPoint, Leaving, Watch
from tests.cli import harness

RAMP = (ArrivalPoint(0, 60, "minute"), ArrivalPoint(60, 30, "second"),
        ArrivalPoint(120, 30, "second"))


def test_rates_are_per_second_linear_between_points_and_held_outside():
    assert [rate_at(RAMP, t) for t in (-10, 0, 30, 60, 90, 500)] == [1, 1, 15.5, 30, 30, 30]
    assert arrivals_between(RAMP, 0, 120) == pytest.approx((1 + 30) / 2 * 60 + 30 * 60)


@pytest.mark.parametrize("scale", [1.0, 0.37, 0.05])
def test_every_second_gets_the_written_rate_within_one_viewer(scale):
    times = arrival_times(RAMP, scale, -5, 125)
    assert times == sorted(times) and -5 <= times[0] and times[-1] < 125
    for second in range(-5, 125):
        due = arrivals_between(RAMP, second, second + 1) * scale
        got = sum(second <= t < second + 1 for t in times)
        assert abs(got - due) <= 1, (second, got, due)
    # and over the whole run, the integral to half a viewer
    assert abs(len(times) - arrivals_between(RAMP, -5, 125) * scale) <= 0.5


def test_a_constant_rate_spaces_arrivals_evenly():
    times = arrival_times((ArrivalPoint(0, 4, "second"),), 1.0, 0, 10)
    assert times == pytest.approx([(k + 0.5) / 4 for k in range(40)])


def test_watch_durations_are_log_normal_with_the_written_median_and_p90():
    import random
    watch = Watch(median=600, p90=2400)
    drawn = sorted(watched(watch, random.Random(f"1:arrival:{k}")) for k in range(4000))
    assert statistics.median(drawn) == pytest.approx(600, rel=0.06)
    assert drawn[int(0.9 * len(drawn))] == pytest.approx(2400, rel=0.08)
    assert watched(None, random.Random(1)) == math.inf  # no watch: to the end


@pytest.mark.parametrize("share", [0.1, 0.4, 0.9])
def test_the_share_that_leaves_is_the_written_one_in_any_run_of_numbers(share):
    for first in (0, 17, ARRIVING_FROM):
        for count in (10, 40, 300):
            chosen = sum(leaves(n, share) for n in range(first, first + count))
            assert abs(chosen - share * count) <= 2, (first, count, chosen)


HALF_TIME = Leaving("half-time", at=2700, share=1.0, within=120, flow="home", back=3540,
                    back_within=120)
WHISTLE = Leaving("final-whistle", at=5580, share=1.0, within=180, flow="home")


def test_a_viewer_leaves_at_half_time_with_its_flow_and_comes_back_for_the_second_half():
    first, second = stays(0, math.inf, 7, [HALF_TIME], seed=1)
    assert first.start == 0 and 2700 <= first.end < 2820 and first.flow == "home"
    assert 3540 <= second.start < 3660 and second.end == math.inf and second.flow is None
    # the same viewer, seed and moments: the same stays (every process agrees)
    assert stays(0, math.inf, 7, [HALF_TIME], seed=1) == (first, second)
    assert stays(0, math.inf, 7, [HALF_TIME], seed=2) != (first, second)


def test_at_the_final_whistle_a_viewer_leaves_for_good():
    (only,) = stays(5000, math.inf, 3, [WHISTLE], seed=1)
    assert 5580 <= only.end < 5760 and only.flow == "home"


def test_moments_before_a_viewer_came_or_after_it_went_take_nothing():
    assert stays(3000, 4000, 3, [HALF_TIME], seed=1)[0].start >= 3000  # came during the break
    assert stays(0, 600, 3, [HALF_TIME, WHISTLE], seed=1) == (Stay(0, 600),)  # gone before
    nobody = Leaving("none", at=2700, share=0.0, within=60)
    assert stays(0, 600, 3, [nobody], seed=1) == (Stay(0, 600),)


def test_the_curves_share_still_watching_follows_the_leaving_and_coming_back():
    half = Leaving("half-time", at=100, share=0.4, within=100, back=300, back_within=100)
    assert [present_share([half], t) for t in (0, 100, 150, 200, 300, 350, 400)] == \
        pytest.approx([1, 1, 0.8, 0.6, 0.6, 0.8, 1])


def load(tmp_path: Path, audience: str, timeline: str = "{start: 0s, end: 10m}",
         extra: str = "") -> scenario.Scenario:
    path = tmp_path / "s.yaml"
    path.write_text(f"name: t\ntime_scale: 10\ntimeline: {timeline}\naudience:\n"
                    + textwrap.indent(textwrap.dedent(audience), "  ") + extra)
    return scenario.load(path)


OPEN = """\
scale: 0.01
viewers: [{at: 0s, viewers: 1000}]
arrivals:
  - {at: 0s, per_minute: 3000}
  - {at: 5m, per_second: 100}
watch: {median: 2m, p90: 6m}
push:
  - {name: goal, at: 6m, audience: app, reach: 20000, share: 0.25, within: 20s}
leaving:
  - {name: half-time, at: 3m, share: 0.5, within: 30s, flow: home, back: 4m, back_within: 10s}
"""


def test_the_schedule_implies_the_concurrency_of_its_arrivals(tmp_path):
    loaded = load(tmp_path, OPEN)
    schedule = Schedule(loaded)
    arrivals = schedule.arrivals
    assert [a.number for a in arrivals] == list(range(ARRIVING_FROM, ARRIVING_FROM + len(arrivals)))
    rated = arrivals_between(loaded.audience.arrivals, 0, 600) * 0.01
    spike = [a for a in arrivals if 360 <= a.arrives < 380]  # 0.25 * 20000 * 0.01 = 50
    assert len(arrivals) == round(rated) + 50
    assert abs(len(spike) - 50 - arrivals_between(loaded.audience.arrivals, 360, 380) * 0.01) <= 1
    assert sum(a.client == "app" for a in spike) >= 50
    for t in range(0, 600, 7):
        present = sum(any(s.start <= t < s.end for s in a.stays) for a in arrivals)
        assert schedule.present(t) == present
        assert schedule.implied(t) == round(10 * present_share(loaded.audience.leaving, t)) \
            + present


def test_every_process_takes_its_own_arrivals_and_the_pool_holds_the_most_present(tmp_path):
    schedule = Schedule(load(tmp_path, OPEN))
    for stride in (1, 3):
        shares = [schedule.of_process(i, stride) for i in range(stride)]
        assert sorted(a.number for share in shares for a in share) == \
            [a.number for a in schedule.arrivals]
        most = max(sum(a.arrives <= t < a.stays[-1].end for a in share)
                   for share in shares for t in range(0, 600, 3))
        assert schedule.pool(stride) >= stride * most
    assert schedule.pool(1) < len(schedule.arrivals)  # users are reused once their viewer left
    again = Schedule(load(tmp_path, OPEN))
    assert again.arrivals == schedule.arrivals  # drawn from the seed alone


def test_a_scenario_with_arrivals_only_has_no_curve(tmp_path):
    loaded = load(tmp_path, "arrivals: [{at: 0s, per_second: 2}]\n")
    assert loaded.audience.points == () and loaded.audience.opens
    assert Schedule(loaded).implied(30) == 60  # nobody leaves: every arrival so far
    assert scenario.replace(loaded, seed=3).audience == loaded.audience
    assert "0 audience points, peak 0 viewers, 1 arrival points" in scenario.describe(loaded)


def test_the_open_model_round_trips_through_the_file_format(tmp_path):
    loaded = load(tmp_path, OPEN)
    assert scenario.replace(loaded, seed=loaded.seed) == loaded
    written = loaded.to_dict()["audience"]
    assert written["arrivals"][0] == {"at": "0s", "per_minute": 3000}
    assert written["leaving"][0]["back_within"] == "10s"


@pytest.mark.parametrize("audience, expected", [
    ("event: x\n", ":4: audience.viewers: is required but missing (or write arrivals or push: "
                   "viewers arriving; see docs/scenarios.md)"),
    ("arrivals: [{at: 0s}]\n", ":5: audience.arrivals[0]: give exactly one of per_second or "
                               "per_minute"),
    ("arrivals: [{at: 0s, per_second: 1, per_minute: 60}]\n",
     ":5: audience.arrivals[0]: give exactly one of per_second or per_minute"),
    ("arrivals: [{at: 0s, per_second: -1}]\n",
     ":5: audience.arrivals[0].per_second: -1 must be >= 0"),
    ("arrivals: [{at: 1m, per_second: 1}, {at: 30s, per_second: 1}]\n",
     ":5: audience.arrivals[1].at: 30s is not after the point before it at 1m (list them in "
     "time order, one per moment)"),
    ("arrivals: [{at: 11m, per_second: 1}]\n",
     ":5: audience.arrivals[0].at: 11m is outside the timeline [0s, 10m]"),
    ("arrivals: [{at: 0s, per_second: 1}]\nwatch: {median: 5m, p90: 1m}\n",
     ":6: audience.watch.p90: 1m is not more than the median 5m"),
    ("viewers: [{at: 0s, viewers: 1}]\nwatch: {median: 1m, p90: 5m}\n",
     ":6: audience.watch: is how long arriving viewers watch, and this audience has none (add "
     "arrivals or push, or remove watch)"),
    ("arrivals: [{at: 0s, per_second: 9000000}]\n",
     ":5: audience.arrivals: bring 5,400,000,000 viewers over the run; at most 1,000,000 can be "
     "drawn (lower audience.scale, or the rates)"),
    ("push: [{name: goal, at: 1m, audience: ap, reach: 10, share: 0.5, within: 10s}]\n",
     ":5: audience.push[0].audience: unknown client type 'ap' (did you mean 'app'?)"),
    ("push: [{name: goal, at: 10m, audience: app, reach: 10, share: 0.5, within: 10s}]\n",
     ":5: audience.push[0].at: 10m is outside the timeline [0s, 10m)"),
    ("push: [{name: goal, at: 1m, audience: app, reach: 10, share: 2, within: 10s}]\n",
     ":5: audience.push[0].share: 2 must be <= 1"),
    ("viewers: [{at: 0s, viewers: 1}]\n"
     "leaving: [{name: h, at: 1m, share: 0.5, within: 1m, back: 90s}]\n",
     ":6: audience.leaving[0].back: 1m30s is before the last of them left at 2m (back is after "
     "at + within)"),
    ("viewers: [{at: 0s, viewers: 1}]\n"
     "leaving: [{name: h, at: 1m, share: 0.5, within: 1m, back_within: 1m}]\n",
     ":6: audience.leaving[0].back_within: is for viewers who come back (add back, or remove "
     "back_within)"),
    ("viewers: [{at: 0s, viewers: 1}]\n"
     "leaving:\n  - {name: h, at: 1m, share: 0.5, within: 1m, back: 5m}\n"
     "  - {name: w, at: 4m, share: 0.5, within: 1m}\n",
     ":8: audience.leaving[1].at: 4m is before the moment before it is over at 5m (list them in "
     "time order; each starts once the viewers of the one before are back)"),
    ("viewers: [{at: 0s, viewers: 1}]\n"
     "leaving:\n  - {name: h, at: 1m, share: 0.5, within: 1m}\n"
     "  - {name: h, at: 4m, share: 0.5, within: 1m}\n",
     ":8: audience.leaving[1].name: another entry is already named 'h' (names are unique)"),
    ("viewers: [{at: 0s, viewers: 1}]\n"
     "leaving: [{name: h, at: 1m, share: 0.5, within: 1m, flow: homepage}]\n",
     ":6: audience.leaving[0].flow: the journey has no leaving flow 'homepage' (did you mean "
     "'home'?)"),
])
def test_each_open_model_rule_reports_its_line_field_and_fix(tmp_path, audience, expected):
    with pytest.raises(InvalidInput) as error:
        load(tmp_path, audience)
    assert [line.removeprefix(str(tmp_path / "s.yaml")) for line in
            str(error.value).splitlines()] == [expected]


def test_a_leaving_flow_needs_a_journey(tmp_path):
    with pytest.raises(InvalidInput) as error:
        load(tmp_path, "stream: http://127.0.0.1:9/live.m3u8\nviewers: [{at: 0s, viewers: 1}]\n"
                       "leaving: [{name: h, at: 1m, share: 0.5, within: 1m, flow: home}]\n")
    assert str(error.value).endswith(":7: audience.leaving[0].flow: leaving flows are flows of "
                                     "the journey, and this scenario's viewers play a bare "
                                     "stream (remove flow, or add journey:)")


def test_validate_names_the_problem_and_exits_2(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\ntimeline: {start: 0s, end: 1m}\naudience:\n"
                    "  arrivals: [{at: 0s, per_hour: 5}]\n")
    result = harness("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:4: audience.arrivals[0].per_hour: unknown key" in result.stderr


# -- leaving flows in journeys ------------------------------------------------------------

def journey_problems(tmp_path: Path, leaving: str) -> list[str]:
    path = tmp_path / "app.yaml"
    path.write_text("steps:\n  - {group: catalog, url: /live, extract: {event: {json: $.id}}}\n"
                    "play: /live/{event}.m3u8\nleaving:\n" + leaving)
    scenario_path = tmp_path / "s.yaml"
    scenario_path.write_text("name: t\njourney: app.yaml\ntimeline: {start: 0s, end: 1m}\n"
                             "audience: {viewers: [{at: 0s, viewers: 1}]}\n")
    with pytest.raises(InvalidInput) as error:
        scenario.load(scenario_path)
    return [line.removeprefix(str(path)) for line in str(error.value).splitlines()]


def test_a_leaving_flow_knows_the_variables_set_before_the_player_and_no_others(tmp_path):
    assert journey_problems(tmp_path, "  home:\n    steps:\n"
                                      "      - {group: home, url: '/page/{event}/{nope}'}\n") == [
        ":7: leaving.home.steps[0].url: unknown variable {nope} (variables here: client, event, "
        "subscriber, viewer)"]
    assert journey_problems(tmp_path, "  home: {steps: []}\n") == [
        ":5: leaving.home.steps: lists 0 entries; it needs at least 1"]
    assert journey_problems(tmp_path, "  home page: {steps: [{group: home, url: /}]}\n") == [
        ":5: leaving.home page: 'home page' is not a flow's name"]


def test_a_leaving_flow_runs_on_the_trip_with_what_it_learnt(tmp_path):
    from harness.load import journey
    from harness.load.journey.viewer import Viewer

    path = tmp_path / "app.yaml"
    path.write_text("steps:\n  - {group: catalog, url: /live, extract: {event: {json: $.id}}}\n"
                    "play: /live/{event}.m3u8\nleaving:\n  home:\n    steps:\n"
                    "      - {group: home, url: '/page/{event}'}\n      - {group: home, url: /}\n")
    app = journey.load(str(path), tmp_path, "s.yaml")
    assert app.leaving_flows == ("home",) and app.groups == ("catalog", "home")
    asked = []

    def fetch(method, url, *, group, **_):
        asked.append((group, url))
        if url == "/":
            raise journey.trip.FetchError("HTTP 503")  # a failed step: the flow goes on
        return journey.Response(200, {}, b'{"id": "m1"}', {})

    trip = journey.start(app, fetch, Viewer(0, "app", False, None, None), lambda s: None)
    assert trip.playback_url() == "/live/m1.m3u8"
    trip.leave("home")
    assert asked == [("catalog", "/live"), ("home", "/page/m1"), ("home", "/")]


def test_a_journey_class_serves_its_leaving_flows():
    from harness.load import journey
    from harness.load.journey.model import CodeJourney
    from harness.load.journey.viewer import Viewer

    class App(journey.Journey):
        leaving_flows = ("home",)
        left: list[str] = []

        def playback_url(self) -> str:
            return "/live.m3u8"

        def leaving(self, flow: str) -> None:
            App.left.append(flow)
            raise RuntimeError("the home rail broke")  # counted by its requests, ignored here

    code = CodeJourney("app.py:App", Path("app.py"), App)
    assert code.leaving_flows == ("home",)
    journey.start(code, None, Viewer(0, "app", False, None, None), lambda s: None).leave("home")
    assert App.left == ["home"]
