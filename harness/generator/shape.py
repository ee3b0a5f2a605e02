"""The audience over time as a Locust load shape.

The scenario gives concurrent viewers at points around kickoff (linear in
between), in match time (an open model's arrivals ride on a pool of fixed
count: harness/load/arrivals); the shape maps the run's wall clock onto match time
(time_scale) and asks Locust each second for the viewers due one second
later, at a spawn rate that gets there within that second. So even a steep
kickoff ramp is followed with at most one second of lag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from locust import LoadTestShape

from harness.scenario import AudiencePoint


def viewers_at(points: Sequence[AudiencePoint], match_seconds: float, scale: float = 1.0) -> int:
    """Concurrent viewers the profile wants at a match offset."""
    wanted: float
    if match_seconds <= points[0].at:
        wanted = points[0].viewers
    elif match_seconds >= points[-1].at:
        wanted = points[-1].viewers
    else:
        right = next(i for i, p in enumerate(points) if p.at >= match_seconds)
        a, b = points[right - 1], points[right]
        wanted = a.viewers + (b.viewers - a.viewers) * (match_seconds - a.at) / (b.at - a.at)
    return round(wanted * scale)


STOP_GRACE = 3.0  # seconds: the harness ends the run; the shape stops itself only as a backstop


class AudienceShape(LoadTestShape):
    """tick() -> (users, spawn rate), then None a little after the run's wall duration."""

    def __init__(
        self, viewers_at_wall: Callable[[float], int], wall_duration: float, fixed_users: int = 0
    ) -> None:
        super().__init__()
        self.viewers_at_wall = viewers_at_wall
        self.wall_duration = wall_duration
        self.fixed_users = fixed_users  # API users and the arrivals' pool, the whole run

    def target(self, wall_seconds: float) -> int:
        """Locust users wanted at a moment: the curve's viewers plus the fixed users."""
        return self.viewers_at_wall(min(wall_seconds, self.wall_duration)) + self.fixed_users

    def tick(self) -> tuple[int, float] | None:
        now = self.get_run_time()
        if now >= self.wall_duration + STOP_GRACE:
            return None
        wanted = self.target(now + 1)
        current = self.runner.user_count if self.runner else 0
        return wanted, float(max(1, abs(wanted - current)))
