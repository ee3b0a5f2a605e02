"""The metric catalogue with request groups of any name: resolving a name
against the groups that exist, the order groups are shown in, and windows and
aggregation over whatever groups requests were made under."""

from __future__ import annotations

import json

import pytest

from harness.measure.aggregate import groups_of, merged, metrics_of
from harness.measure.metrics import (PLAYER_GROUPS, REQUEST_KINDS, VIEWER_METRICS, group_of,
                                     is_group, known_metric, metric, metric_names, ordered_groups)
from harness.measure.window import Window

GROUPS = ("token", "playback-info", *PLAYER_GROUPS)


def test_viewer_and_all_request_metrics_need_no_group():
    assert metric("startup_time_p95", ()) == VIEWER_METRICS["startup_time_p95"]
    over_all = metric("error_ratio", ())
    assert (over_all.unit, over_all.better) == ("ratio", "lower")
    assert over_all.description.endswith("all requests")


@pytest.mark.parametrize("kind", list(REQUEST_KINDS))
def test_a_request_kind_resolves_for_every_group_given(kind):
    for group in GROUPS:
        found = metric(f"{kind}.{group}", GROUPS)
        assert found.name == f"{kind}.{group}"
        assert (found.unit, found.better) == (REQUEST_KINDS[kind].unit, REQUEST_KINDS[kind].better)
        assert found.description.endswith(f"{group} requests")


@pytest.mark.parametrize("name", [
    "error_ratio.login",  # a well-formed group the scenario does not have
    "error_ratio.",  # no group
    "startup_time_p95.token",  # viewer metrics have no groups
    "error-ratio.token",  # no such kind
    "latency_p99.token.extra",  # a group name with a dot
    "errors",
])
def test_a_name_outside_the_groups_or_the_catalogue_is_none(name):
    assert metric(name, GROUPS) is None


def test_group_names_follow_the_documented_pattern():
    assert all(is_group(g) for g in ("login", "a", "0", "playback-info", "auth_v2"))
    assert not any(is_group(g) for g in ("", "Login", "-x", "_x", "a.b", "a b", "é"))


def test_known_metric_accepts_any_well_formed_group_and_nothing_else():
    assert known_metric("latency_p99.anything-at-all").unit == "s"
    assert known_metric("latency_p99.Bad Group") is None
    assert known_metric("no_such_metric") is None
    assert group_of("requests_per_second.token") == "token"
    assert group_of("startup_time_p95") is None


def test_groups_are_ordered_journey_groups_sorted_then_the_players():
    assert ordered_groups(["segment", "token", "playlist", "auth", "token"]) == (
        "auth", "token", "playlist", "segment")
    assert ordered_groups(["segment"]) == ("segment",)


def test_metric_names_follow_the_groups_in_their_order():
    names = metric_names(["segment", "token"])
    always = [name for name, entry in VIEWER_METRICS.items() if entry.always]
    assert names[:len(always)] == always
    assert names[len(always):len(always) + 3] == [
        "requests_per_second", "requests_per_second.token", "requests_per_second.segment"]
    assert len(names) == len(always) + 3 * len(REQUEST_KINDS)
    assert all(metric(name, ["segment", "token"]) for name in names)


def _window(second: int, requests: dict[str, tuple[int, int]]) -> Window:
    """requests: group -> (ok requests, failed requests), all 10 ms."""
    window = Window(second)
    for group, (ok, failed) in requests.items():
        for index in range(ok + failed):
            window.tally(group).add(0.01, ok=index >= failed)
    return window


def test_windows_of_workers_with_different_groups_merge_and_aggregate():
    a = _window(0, {"token": (3, 1), "segment": (10, 0)})
    b = _window(0, {"playback-info": (2, 0), "segment": (5, 5)})
    total = merged([a, b])
    assert {g: (t.count, t.failures) for g, t in total.requests.items()} == {
        "token": (4, 1), "segment": (20, 5), "playback-info": (2, 0)}
    assert groups_of([a, b]) == ("playback-info", "token", "segment")
    values = metrics_of([a, b])
    assert values["error_ratio.token"] == pytest.approx(1 / 4)
    assert values["error_ratio.segment"] == pytest.approx(5 / 20)
    assert values["error_ratio"] == pytest.approx(6 / 26)
    assert values["requests_per_second.playback-info"] == pytest.approx(2 / 2)
    assert list(values) == metric_names(["playback-info", "token", "segment"])


def test_a_group_asked_for_but_not_requested_has_zero_requests_and_no_ratios():
    values = metrics_of([_window(0, {"segment": (4, 0)})], ["login"])
    assert values["requests_per_second.login"] == 0
    assert values["error_ratio.login"] is None and values["latency_p99.login"] is None
    assert values["requests_per_second"] == 4


def test_a_window_keeps_only_the_groups_requested_and_reads_back():
    empty = Window(3)
    assert empty.requests == {}
    window = _window(7, {"token": (1, 1)})
    again = Window.from_json(json.loads(json.dumps(window.to_json())))
    assert again == window and list(again.requests) == ["token"]


def test_windows_written_with_the_four_fixed_groups_still_read():
    """windows.jsonl lines of runs before groups were the scenario's: every
    second held catalog, auth, playlist and segment, requested or not."""
    old = Window(0).to_json()
    empty = {"count": 0, "failures": 0, "latency": Window(0).startup.to_json()}
    old["requests"] = {group: dict(empty) for group in ("catalog", "auth", "playlist", "segment")}
    old["requests"]["segment"] = _window(0, {"segment": (2, 1)}).to_json()["requests"]["segment"]
    window = Window.from_json(old)
    assert groups_of([window]) == ("auth", "catalog", "playlist", "segment")
    values = metrics_of([window])
    assert values["error_ratio.segment"] == pytest.approx(1 / 3)
    assert values["requests_per_second.catalog"] == 0 and values["error_ratio.catalog"] is None
