"""Faults too short for players to notice: a fault compressed below the
players' horizon (the media a player buffers before its first frame, plus
its retry backoff) is ridden over by buffers and retries, so a verdict on it
says little about the same outage on the day. `harness validate` and
`harness run` warn about each one (docs/scenarios.md#time)."""

from __future__ import annotations

from harness.load.clients import CLIENTS
from harness.load.retry import FIRST_BACKOFF, TRIES
from harness.scenario.model import Scenario


def retry_horizon() -> float:
    """Seconds a player's retries of one request span (0.5 + 1 + 2)."""
    return sum(FIRST_BACKOFF * 2 ** attempt for attempt in range(TRIES - 1))


def players_horizon(clients: dict[str, float]) -> float:
    """Seconds of outage the audience's players can ride over: the largest
    buffer target of its client types plus the retry backoff."""
    buffered = max((CLIENTS[name].startup_buffer for name, share in clients.items() if share > 0),
                   default=0.0)
    return buffered + retry_horizon()


def short_fault(what: str, duration: float, scenario: Scenario) -> str | None:
    """A warning when a fault of `duration` match seconds (`what`: which one)
    lasts less wall time than the players' horizon; None when it does not."""
    scale = min(scenario.fault_time_scale, scenario.time_scale)
    horizon = players_horizon(scenario.audience.clients)
    wall = duration / scale
    if scale <= 1 or wall >= horizon:
        return None
    return (f"{what}: lasts {wall:.3g} s of wall time at fault_time_scale {scale:g}, shorter "
            f"than the players' horizon ({horizon:g} s: buffer and retries ride over it); set "
            f"fault_time_scale lower to judge the outage as it would be")


def short_faults(scenario: Scenario) -> list[str]:
    """A warning for each fault whose wall length is below the players' horizon
    (a fault without `for` lasts the run, or as long as the stack takes to heal)."""
    found = (short_fault(f"faults[{index}] {fault.name}", fault.duration, scenario)
             for index, fault in enumerate(scenario.faults) if fault.duration is not None)
    return [warning for warning in found if warning]
