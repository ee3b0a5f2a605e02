"""Faults too short for players to notice: a fault compressed below the
players' horizon (the media a player buffers before its first frame, plus
how long its retries of one request go on) is outlasted by buffers and
retries, so a verdict on it says little about the same outage on the day.
`harness validate`, `harness run` and `harness sweep` warn about each one
(docs/scenarios.md#time_scale)."""

from __future__ import annotations

from harness.load.clients import CLIENTS, PlayerModel
from harness.load.retry import Retry
from harness.scenario.model import Scenario


def retry_horizon(policy: Retry) -> float:
    """Seconds a player's retries of one request span (kickoff's own: 0.5 + 1 + 2)."""
    return sum(policy.wait(retry) for retry in range(policy.tries - 1))


def _horizon(model: PlayerModel) -> float:
    return model.startup_buffer + max(
        retry_horizon(model.segment_retry), retry_horizon(model.manifest_retry)
    )


def players_horizon(clients: dict[str, float]) -> float:
    """Seconds of outage the audience's players can outlast: of its client
    types and their players (HLS and DASH), the largest buffer target plus the
    longest retries."""
    return max(
        (
            _horizon(model)
            for name, share in clients.items()
            if share > 0
            for model in (CLIENTS[name].hls, CLIENTS[name].dash)
        ),
        default=0.0,
    )


def short_fault(what: str, duration: float, scenario: Scenario) -> str | None:
    """A warning when a fault of `duration` match seconds (`what`: which one)
    lasts less wall time than the players' horizon; None when it does not."""
    scale = min(scenario.fault_time_scale, scenario.time_scale)
    horizon = players_horizon(scenario.audience.clients)
    wall = duration / scale
    if scale <= 1 or wall >= horizon:
        return None
    return (
        f"{what}: lasts {wall:.3g} s of wall time at fault_time_scale {scale:g}, shorter "
        f"than the players' horizon ({horizon:g} s: their buffers and retries outlast it); "
        f"set fault_time_scale lower to judge the outage as it would be"
    )


def short_faults(scenario: Scenario) -> list[str]:
    """A warning for each fault whose wall length is below the players' horizon
    (a fault without `for` lasts the run, or as long as the stack takes to heal)."""
    found = (
        short_fault(f"faults[{index}] {fault.name}", fault.duration, scenario)
        for index, fault in enumerate(scenario.faults)
        if fault.duration is not None
    )
    return [warning for warning in found if warning]
