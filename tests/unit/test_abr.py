"""Rendition choice from throughput and buffer."""

import pytest

from harness.load.abr import ThroughputEstimate, first_rendition, next_rendition
from harness.load.clients import CLIENTS

LADDER = [400_000, 1_500_000, 4_000_000]
WEB, TV = CLIENTS["web"], CLIENTS["tv"]


def test_first_rendition_per_client_type():
    assert first_rendition(LADDER, WEB) == 0
    assert first_rendition(LADDER, TV) == 1


def test_steps_down_at_once_when_throughput_drops():
    assert next_rendition(LADDER, 2, 1_000_000, buffer_s=20, profile=WEB) == 0
    assert next_rendition(LADDER, 2, 2_500_000, buffer_s=20, profile=WEB) == 1


def test_steps_up_one_rung_and_only_with_buffer_to_spare():
    assert next_rendition(LADDER, 0, 50_000_000, buffer_s=WEB.up_switch_buffer, profile=WEB) == 1
    assert next_rendition(LADDER, 0, 50_000_000, buffer_s=WEB.up_switch_buffer - 1,
                          profile=WEB) == 0


def test_no_estimate_keeps_the_rendition_and_too_slow_for_all_is_the_lowest():
    assert next_rendition(LADDER, 1, None, buffer_s=10, profile=WEB) == 1
    assert next_rendition(LADDER, 2, 10_000, buffer_s=10, profile=WEB) == 0


def test_throughput_estimate_trusts_the_lower_average():
    estimate = ThroughputEstimate()
    assert estimate.bps is None
    estimate.add(1_000_000, 1.0)  # 8 Mb/s
    assert estimate.bps == pytest.approx(8_000_000)
    estimate.add(100_000, 1.0)  # a slow segment pulls the fast average down first
    assert estimate.bps < 8_000_000 * 0.8
