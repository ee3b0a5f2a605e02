"""The generator's pure parts: merging workers' windows of a second, when a
second is complete, late windows and lost workers; viewer numbering per
worker; HOST[:PORT]; the plan a worker gets, packed and unpacked."""

from __future__ import annotations

import itertools
import re
import textwrap

import pytest

from harness.spec.errors import InvalidInput
from harness.generator import audience
from harness.generator.address import DEFAULT_PORT, parse_address
from harness.generator.merge import Merger
from harness.generator.plan import Plan, plan_of, unpack
from harness.load import journey
from harness.load.collector import Collector
from harness.run.session import scenario_journey
from harness.scenario import loads
from harness.measure.window import Window


def window(second: int, attempts: int, latencies: list[float], playing: int) -> Window:
    made = Window(second, playing=playing, attempts=attempts, played_s=float(playing))
    for seconds in latencies:
        made.tally("segment").add(seconds, ok=seconds < 1)
    return made


def test_a_second_is_the_exact_merge_of_every_workers_window():
    merger = Merger()
    merger.join(0)
    merger.join(1)
    a, b = window(3, 2, [0.1, 0.2], 5), window(3, 1, [0.3, 2.0], 4)
    assert merger.add(0, a, 5) is None
    assert merger.missing(3) == [1]
    assert merger.add(1, b, 4) is None
    assert merger.missing(3) == []
    merged, viewers = merger.take(3)
    expected = window(3, 2, [0.1, 0.2], 5)
    expected.merge(window(3, 1, [0.3, 2.0], 4))
    assert merged == expected and viewers == 9
    assert merged.tally("segment").count == 4 and merged.tally("segment").failures == 1


def test_windows_land_in_their_own_second_whatever_order_they_come_in():
    merger = Merger()
    merger.join(0)
    merger.join(1)
    merger.add(1, window(5, 1, [], 1), 1)  # worker 1 is a second ahead
    merger.add(0, window(4, 3, [], 2), 2)
    merger.add(1, window(4, 4, [], 3), 3)
    assert merger.take(4)[0].attempts == 7
    assert merger.missing(5) == [0]
    merger.add(0, window(5, 2, [], 2), 2)
    assert merger.take(5) == (window(5, 3, [], 3), 3)


def test_a_window_for_a_second_already_written_is_late_and_changes_nothing():
    merger = Merger()
    merger.join(0)
    merger.join(1)
    merger.add(0, window(0, 1, [0.1], 1), 1)
    written, _ = merger.take(0)  # the grace passed without worker 1
    late = merger.add(1, window(0, 5, [0.1, 0.2, 0.3], 2), 2)
    assert (late.worker, late.second, late.attempts, late.requests) == (1, 0, 5, 3)
    assert written.attempts == 1


def test_a_lost_worker_is_not_waited_for_and_its_last_viewers_are_reported():
    merger = Merger()
    for worker in (0, 1, 2):
        merger.join(worker)
    merger.add(2, window(0, 0, [], 6), 6)
    assert merger.lose(2) == 6
    assert merger.missing(1) == [0, 1]
    assert merger.lose(2) == 0  # lost once


def test_workers_number_their_viewers_apart_and_together_as_one_process_would(tmp_path):
    scenario = loads(SCENARIO.format(journey="", stream=STREAM),
                     tmp_path / "s.yaml")

    def numbers(index: int, stride: int, count: int) -> list[int]:
        viewer = audience.classes(scenario, None, "http://edge", Collector(), index, stride)[0]
        return list(itertools.islice(viewer.settings.numbers, count))

    assert numbers(0, 1, 6) == [0, 1, 2, 3, 4, 5]
    two = numbers(0, 2, 3) + numbers(1, 2, 3)
    assert sorted(two) == [0, 1, 2, 3, 4, 5]
    three = [numbers(i, 3, 4) for i in range(3)]
    assert numbers(1, 3, 3) == [1, 4, 7]
    assert len(set().union(*three)) == 12


@pytest.mark.parametrize("text, host, port", [
    ("127.0.0.1:6000", "127.0.0.1", 6000), ("master.example", "master.example", DEFAULT_PORT),
    ("0.0.0.0:5557", "0.0.0.0", 5557), ("[::1]:7000", "::1", 7000), ("*:5557", "*", 5557)])
def test_addresses_read_host_and_port(text, host, port):
    address = parse_address(text)
    assert (address.host, address.port) == (host, port)


@pytest.mark.parametrize("text, required, problem", [
    ("", False, "is not HOST[:PORT]"), ("a:b", False, "is not HOST[:PORT]"),
    ("host:0", False, "port 0 is not 1-65535"), ("host:70000", False, "is not 1-65535"),
    ("a b:1", False, "is not HOST[:PORT]"), ("host", True, "has no port"),
    ("http://host:1", False, "is not HOST[:PORT]")])
def test_a_bad_address_says_what_is_wrong(text, required, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_address(text, required)


STREAM = "  stream: http://127.0.0.1:9/live.m3u8\n"
SCENARIO = """\
name: shipped
description: a worker's share
{journey}seed: 11
time_scale: 2
timeline: {{start: 0s, end: 20s}}
audience:
  viewers: [{{at: 0s, viewers: 4}}]
{stream}"""
JOURNEY = """\
accounts: ../accounts/people.csv
steps:
  - {name: token, group: token, url: "/token?u={account.username}"}
play: /live/master.m3u8
"""
CODE = """\
from harness.load.journey import Journey


class App(Journey):
    groups = ("token",)

    def playback_url(self) -> str:
        return "/live/master.m3u8"
"""


def _shipped(tmp_path, scenario_text: str) -> tuple:
    master = tmp_path / "master"
    (master / "accounts").mkdir(parents=True)
    (master / "journeys").mkdir()
    (master / "accounts" / "people.csv").write_text("username,password\nana,x\nbo,y\n")
    (master / "journeys" / "app.yaml").write_text(JOURNEY)
    (master / "journeys" / "app.py").write_text(CODE)
    scenario = loads(scenario_text, master / "scenario.yaml")
    spec = scenario.journey
    plan = plan_of(scenario, scenario_journey(scenario, spec), spec, "http://edge:8080", 3)
    # through the message form, as Locust's transport carries it
    received = Plan.from_message(plan.to_message())
    assert received == plan
    return scenario, received, unpack(received, tmp_path / "worker")


def test_a_journey_file_and_its_accounts_reach_the_worker(tmp_path):
    scenario, plan, (shipped, viewers_journey) = _shipped(
        tmp_path, SCENARIO.format(journey="journey: journeys/app.yaml\n", stream=""))
    assert sorted(plan.files) == [str(tmp_path / "master/accounts/people.csv"),
                                  str(tmp_path / "master/journeys/app.yaml")]
    assert (shipped.seed, shipped.time_scale, shipped.audience) == \
        (scenario.seed, scenario.time_scale, scenario.audience)
    assert shipped.journey.startswith(str(tmp_path / "worker"))
    assert isinstance(viewers_journey, journey.DataJourney)
    assert viewers_journey.accounts.for_viewer(1) == {"username": "bo", "password": "y"}
    assert plan.stride == 3 and plan.edge == "http://edge:8080"


def test_a_code_journey_and_its_accounts_reach_the_worker(tmp_path):
    text = SCENARIO.format(journey="journey: {python: journeys/app.py:App, "
                                   "accounts: accounts/people.csv}\n", stream="")
    _, plan, (_, viewers_journey) = _shipped(tmp_path, text)
    assert isinstance(viewers_journey, journey.CodeJourney)
    assert viewers_journey.path == (tmp_path / "worker" / str(tmp_path / "master/journeys/app.py")
                                    .lstrip("/"))
    assert viewers_journey.cls.groups == ("token",)
    assert len(plan.files) == 2


def test_a_plan_keeps_faults_slos_and_halts_with_the_master(tmp_path):
    text = SCENARIO.format(journey="", stream=STREAM) + textwrap.dedent(
        """\
        slos:
          - {metric: video_start_failure_ratio, max: 1%}
        """)
    scenario = loads(text, tmp_path / "s.yaml")
    plan = plan_of(scenario, None, None, None, 1)
    assert not {"slos", "faults", "halt_if", "platform", "targets", "journey"} & set(plan.document)
    assert plan.files == {}


@pytest.mark.parametrize("message, problem", [
    ({}, "no usable plan"),
    ({"document": {}, "edge": None, "stride": 2, "index": 2, "files": {}}, "slot 2 of 2"),
    ({"document": {}, "edge": None, "stride": 0, "index": 0, "files": {}}, "slot 0 of 0"),
    ({"document": {}, "edge": None, "stride": 1, "index": 0, "files": {"/a": "not base64!"}},
     "no usable plan")])
def test_a_plan_that_is_not_one_is_refused(message, problem):
    with pytest.raises(InvalidInput, match=problem):
        Plan.from_message(message)


def test_a_plan_file_may_not_climb_out_of_the_workers_folder(tmp_path):
    plan = Plan({"name": "x"}, None, {"/../../etc/x": b"data"}, 1)
    with pytest.raises(InvalidInput, match="outside its plan"):
        unpack(plan, tmp_path / "worker")
