"""Which generator a run uses, from the command line, and opening its window source.

No workers: one process (LocalSource), today's default. `--workers N`: a
master on a free loopback port and N `harness worker` processes it starts
and reaps. `--expect-workers N`: a master on `--master-bind` that waits (at
most `--expect-timeout`) for N workers started elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.generator import audience
from harness.generator.address import DEFAULT_BIND, Address
from harness.generator.master import MasterSource
from harness.generator.plan import plan_of
from harness.generator.source import LocalSource, WindowSource
from harness.generator.spawn import LocalWorkers, free_port
from harness.load import journey
from harness.load.collector import Collector
from harness.platforms.hosts import LOOPBACK
from harness.scenario import Scenario

EXPECT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Generator:
    workers: int = 0  # local worker processes to start (0: none)
    expect_workers: int = 0  # workers from elsewhere to wait for (0: none)
    master_bind: Address = DEFAULT_BIND
    expect_timeout: float = EXPECT_TIMEOUT

    @property
    def processes(self) -> int:
        """Worker processes of the run; 0 when this process runs every viewer."""
        return self.workers or self.expect_workers


def open_source(
    generator: Generator,
    scenario: Scenario,
    viewers_journey: journey.AnyJourney | None,
    spec: str | dict | None,
    edge: str | None,
    wall_duration: float,
) -> WindowSource:
    """The run's window source, its workers (if any) joined and ready."""
    stride = generator.processes or 1
    shape = audience.shape(scenario, wall_duration, stride)
    if not generator.processes:
        collector = Collector()
        env = audience.environment(scenario, viewers_journey, edge, collector, shape)
        return LocalSource(env, collector, audience.api_count(scenario))
    # The master runs no viewer: its collector measures only its own CPU and loop lag.
    collector = Collector()
    env = audience.environment(scenario, viewers_journey, edge, collector, shape, stride)
    plan = plan_of(scenario, viewers_journey, spec, edge, generator.processes)
    bind = Address(LOOPBACK, free_port()) if generator.workers else generator.master_bind
    try:
        source = MasterSource(env, collector, plan, bind)
    except BaseException:
        collector.stop()
        raise
    try:
        if generator.workers:
            source.workers = LocalWorkers(generator.workers, bind)
        source.wait_for_workers(generator.expect_timeout)
    except BaseException:
        source.stop()
        raise
    return source
