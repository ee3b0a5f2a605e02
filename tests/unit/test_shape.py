"""The audience shape: viewers wanted at each second match the profile."""

from pathlib import Path

import pytest

from harness.generator.shape import STOP_GRACE, AudienceShape, viewers_at
from harness.scenario import AudiencePoint, loads

POINTS = (AudiencePoint(-600, 5000), AudiencePoint(-60, 20000), AudiencePoint(0, 60000),
          AudiencePoint(900, 60000))


@pytest.mark.parametrize("match_s, wanted", [
    (-900, 5000),  # before the first point: its count
    (-600, 5000), (-330, 12500), (-60, 20000),
    (-30, 40000), (-1, 59333), (0, 60000), (450, 60000),
    (2000, 60000),  # after the last point: its count
])
def test_viewers_are_linear_between_points(match_s, wanted):
    assert viewers_at(POINTS, match_s) == wanted


def test_scale_applies_to_every_point():
    assert viewers_at(POINTS, -30, scale=0.0025) == 100


class FakeRunner:
    def __init__(self, users: int) -> None:
        self.user_count = users


def shape_for(text: str) -> tuple[AudienceShape, object]:
    scenario = loads(text, source=Path("shape.yaml"))
    audience = scenario.audience

    def target(wall_s: float) -> int:
        return viewers_at(audience.points, scenario.match(wall_s), audience.scale)

    return AudienceShape(target, scenario.wall_duration, fixed_users=2), scenario


KICKOFF = """\
name: shape
time_scale: 10
timeline: {start: -2m, end: 1m}
audience:
  viewers:
    - {at: -2m, viewers: 10}
    - {at: -10s, viewers: 10}
    - {at: 0s, viewers: 210}
    - {at: 1m, viewers: 210}
"""


def test_every_second_asks_for_the_next_seconds_viewers_at_a_rate_that_gets_there():
    shape, scenario = shape_for(KICKOFF)
    assert scenario.wall_duration == 18
    # wall 10 s is match -20 s; the ramp (-10 s .. 0 s) is wall 11 s .. 12 s.
    wanted = [shape.target(w) for w in range(19)]
    assert wanted[:12] == [12] * 12  # 10 viewers + 2 API users
    assert wanted[12:] == [212] * 7
    shape.runner = FakeRunner(12)
    shape.get_run_time = lambda: 11.0
    assert shape.tick() == (212, 200.0)  # the whole spike within the next second


def test_the_shape_stops_only_after_the_run_and_a_grace():
    shape, scenario = shape_for(KICKOFF)
    shape.runner = FakeRunner(212)
    shape.get_run_time = lambda: scenario.wall_duration + STOP_GRACE - 0.1
    assert shape.tick() == (212, 1.0)
    shape.get_run_time = lambda: scenario.wall_duration + STOP_GRACE
    assert shape.tick() is None
