"""Locust's Environment for a run's audience: the viewer and API user classes,
the request listener that feeds the collector, and, where the shape is
driven (one process, or the master), the audience shape.

Every process of a run builds the same classes (same names, weights and
fixed counts), so the master's dispatch means the same on every worker. With
arrivals (harness/load/arrivals) the shape holds the arrivals' pool, a fixed
count for the whole run, besides the curve's viewers and the API users; the
target the run records is the concurrency the scenario implies.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from locust import LoadTestShape
from locust.env import Environment
from locust.runners import Runner

from harness.generator.schedule import Schedule
from harness.generator.shape import AudienceShape, viewers_at
from harness.load import journey
from harness.load.arrivals.pool import pool_class
from harness.load.arrivals.queue import ArrivalQueue, RunClock
from harness.load.clients import CLIENTS
from harness.load.collector import Collector
from harness.load.viewer import AudienceSettings, Viewer, user_classes
from harness.scenario import Scenario


def api_count(scenario: Scenario) -> int:
    """The fixed number of API users (Locust users that are not viewers)."""
    return sum(u.users for u in scenario.audience.api_users)


def target_at(scenario: Scenario) -> Callable[[float], int]:
    """Viewers the scenario wants watching at a wall second of the run: the
    curve's, less those its leaving moments took away, plus the arrivals present."""
    schedule = Schedule(scenario)
    return lambda wall_s: schedule.implied(scenario.match(wall_s))


def curve_at(scenario: Scenario) -> Callable[[float], int]:
    """The curve's viewers (Locust users, on a break or not) at a wall second."""
    audience = scenario.audience

    def at(wall_s: float) -> int:
        if not audience.points:  # arrivals only
            return 0
        return viewers_at(audience.points, scenario.match(wall_s), audience.scale)

    return at


def shape(scenario: Scenario, wall_duration: float, stride: int = 1) -> LoadTestShape:
    """The shape for a run whose viewers run in `stride` processes (1: this one)."""
    fixed = api_count(scenario) + Schedule(scenario).pool(stride)
    return AudienceShape(curve_at(scenario), wall_duration, fixed)


def begin(user_classes: list[type], zero: float) -> None:
    """Tell the run's clock (if its viewers have one) the run's zero, time.monotonic()."""
    shared = [getattr(c, "settings", None) for c in user_classes]
    clocks = {id(s.clock): s.clock for s in shared if s is not None and s.clock is not None}
    for clock in clocks.values():
        clock.begin(zero)


def failure_reason(exception: BaseException | None, response: object) -> str | None:
    """Why a request failed, shortly: its HTTP status, else the exception's class."""
    if exception is None:
        return None
    status = getattr(response, "status_code", 0)
    return str(status) if status else exception.__class__.__name__


def classes(
    scenario: Scenario,
    viewers_journey: journey.AnyJourney | None,
    edge: str | None,
    collector: Collector,
    index: int = 0,
    stride: int = 1,
) -> list[type]:
    """The run's Locust user classes for one process. `index` of `stride`:
    this process numbers its viewers index, index + stride, ... so that no
    two processes share a number (and a seed reproduces each viewer)."""
    audience = scenario.audience
    clock = RunClock(scenario.time_map) if audience.opens or audience.leaving else None
    settings = AudienceSettings(
        collector,
        audience.event,
        audience.subscribers,
        scenario.seed,
        journey=viewers_journey,
        stream=audience.stream,
        cmcd=None if scenario.cmcd == "off" else scenario.cmcd,
        numbers=itertools.count(index, stride),
        api_numbers=itertools.count(index, stride),
        newcomers=audience.newcomers,
        leaving=audience.leaving,
        clock=clock,
    )
    api_users = [(u.kind, u.users, u.interval) for u in audience.api_users]
    found = user_classes(settings, CLIENTS, audience.clients, api_users, edge, audience.fidelity)
    schedule = Schedule(scenario)
    if schedule.arrivals:
        assert clock is not None  # arrivals open the audience, which has the run's clock
        queue = ArrivalQueue(schedule.of_process(index, stride), clock)
        found.append(
            pool_class(settings, queue, schedule.pool(stride), CLIENTS, audience.fidelity, edge)
        )
    return found


def listen(env: Environment, collector: Collector) -> None:
    """Every request Locust records goes to the collector too (with the tier
    of the viewer that made it, from the request's context)."""
    env.events.request.add_listener(
        lambda name, response_time, exception, response=None, context=None, **_: collector.request(
            name,
            response_time / 1000,
            failure_reason(exception, response),
            (context or {}).get("fidelity"),
        )
    )


def environment(
    scenario: Scenario,
    viewers_journey: journey.AnyJourney | None,
    edge: str | None,
    collector: Collector,
    shape_class: LoadTestShape | None = None,
    stride: int = 1,
) -> Environment:
    """Locust's environment where the shape is driven: one process, or the
    master of `stride` workers (its classes' fixed counts are the workers')."""
    env = Environment(
        user_classes=classes(scenario, viewers_journey, edge, collector, stride=stride),
        shape_class=shape_class,
        host=edge,
    )
    listen(env, collector)
    return env


def viewers_running(runner: Runner) -> int:
    """The viewers (not API users) this process runs now."""
    by_name = runner.environment.user_classes_by_name
    return sum(
        count
        for name, count in runner.user_classes_count.items()
        if issubclass(by_name[name], Viewer)
    )
