"""Rendition choice from throughput and buffer: kickoff's own (apps, TVs),
hls.js's and dash.js's, each on hand-made downloads."""

import pytest

from harness.load.abr import DashJsAbr, HlsJsAbr, StepAbr, ThroughputEstimate, TimedEstimate
from harness.load.clients import CLIENTS

LADDER = [400_000, 1_500_000, 4_000_000]


def step(profile: str) -> StepAbr:
    return CLIENTS[profile].hls.abr()


def test_apps_and_tvs_start_in_the_middle():
    assert step("app").first(LADDER) == step("tv").first(LADDER) == 1


def test_kickoffs_own_steps_down_at_once_when_throughput_drops():
    abr = step("app")
    abr.add(125_000, 1.0)  # 1 Mb/s
    assert abr.next(LADDER, 2, buffer_s=20) == 0


def test_kickoffs_own_steps_up_one_rung_and_only_with_buffer_to_spare():
    abr = step("app")
    abr.add(6_250_000, 1.0)  # 50 Mb/s
    assert abr.next(LADDER, 0, buffer_s=abr.up_buffer) == 1
    assert abr.next(LADDER, 0, buffer_s=abr.up_buffer - 1) == 0


def test_no_estimate_keeps_the_rendition_whatever_the_player():
    for abr in (step("tv"), HlsJsAbr(), DashJsAbr()):
        assert abr.next(LADDER, 1, buffer_s=10) == 1


def test_throughput_estimate_trusts_the_lower_average():
    estimate = ThroughputEstimate()
    assert estimate.bps is None
    estimate.add(1_000_000, 1.0)  # 8 Mb/s
    assert estimate.bps == pytest.approx(8_000_000)
    estimate.add(100_000, 1.0)  # a slow segment pulls the fast average down first
    assert estimate.bps < 8_000_000 * 0.8


def test_a_timed_estimate_weighs_samples_by_download_time_and_corrects_its_zero_start():
    estimate = TimedEstimate(fast_s=3.0, slow_s=9.0)
    estimate.add(1_000_000, 2.0)  # 4 Mb/s for 2 s: one sample is the estimate, whatever its weight
    assert estimate.bps == pytest.approx(4_000_000)
    estimate.add(250_000, 2.0)  # 1 Mb/s for 2 s
    # fast: 4e6 * (1 - 0.5^(2/3)) * 0.5^(2/3) + 1e6 * (1 - 0.5^(2/3)), over 1 - 0.5^(4/3)
    keep = 0.5 ** (2 / 3)
    fast = (4e6 * (1 - keep) * keep + 1e6 * (1 - keep)) / (1 - 0.5 ** (4 / 3))
    assert estimate.bps == pytest.approx(fast)  # the fast average is the lower one


def test_hls_js_starts_at_the_highest_rendition_its_default_estimate_carries():
    assert HlsJsAbr().first(LADDER) == 0  # 500 kb/s
    assert HlsJsAbr().first([200_000, 450_000, 900_000]) == 1
    assert HlsJsAbr().first([600_000, 900_000]) == 0  # none fits: the lowest


def test_hls_js_jumps_to_the_highest_rendition_that_fits_with_70_percent_up_95_down():
    abr = HlsJsAbr()
    abr.add(1_250_000, 1.0)  # 10 Mb/s: up from the lowest straight to the top
    assert abr.next(LADDER, 0, buffer_s=1) == 2
    slow = HlsJsAbr()
    slow.add(250_000, 1.0)  # 2 Mb/s: going up to 1.5 Mb/s needs 70% of it (1.4): no
    assert slow.next(LADDER, 0, buffer_s=1) == 0
    assert slow.next(LADDER, 1, buffer_s=1) == 1  # staying needs 95% (1.9): yes
    assert slow.next(LADDER, 2, buffer_s=1) == 1


def test_dash_js_starts_at_or_below_1000_kbps_and_keeps_90_percent_of_its_estimate():
    abr = DashJsAbr()
    assert abr.first([150_000, 500_000, 1_200_000]) == 1
    abr.add(125_000, 1.0)  # 1 Mb/s: 900 kb/s usable
    assert abr.next([150_000, 500_000, 1_200_000], 1, buffer_s=1) == 1
    assert abr.next([150_000, 500_000, 890_000], 1, buffer_s=1) == 2


def test_dash_js_holds_below_a_rendition_it_dropped_from_for_its_next_eight_choices():
    # SwitchHistoryRule: one drop among the last 8 choices is over 7.5% of the other 7
    ladder = [150_000, 500_000, 1_200_000]
    abr = DashJsAbr()
    for _ in range(3):
        abr.add(500_000, 1.0)  # 4 Mb/s: the top, with any buffer to spare
    assert [abr.next(ladder, 2, buffer_s=2, segment_s=1) for _ in range(7)] == [2] * 7
    assert abr.next(ladder, 2, buffer_s=0.2, segment_s=1) == 0  # an empty buffer: the lowest
    held = [abr.next(ladder, 0 if n == 0 else 1, buffer_s=2, segment_s=1) for n in range(8)]
    assert held == [1] * 8  # the rendition below the one it dropped from, while that is in view
    assert abr.next(ladder, 1, buffer_s=2, segment_s=1) == 2  # out of the last 8: up again


def test_dash_js_history_needs_eight_choices_and_a_drop_to_hold_anything():
    ladder = [150_000, 500_000, 1_200_000]
    abr = DashJsAbr()
    for _ in range(3):
        abr.add(500_000, 1.0)
    assert abr.next(ladder, 2, buffer_s=0.2, segment_s=1) == 0  # a drop, but one choice made
    assert abr.next(ladder, 0, buffer_s=2, segment_s=1) == 2  # too few choices yet to judge
    steady = DashJsAbr()
    for _ in range(3):
        steady.add(500_000, 1.0)
    assert [steady.next(ladder, 2, buffer_s=2, segment_s=1) for _ in range(12)] == [2] * 12
