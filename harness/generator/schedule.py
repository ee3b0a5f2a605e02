"""Every arriving viewer of a run: when, which client, how long, with which breaks.

Arrival k (from 0, in time order over the rate's and the push spikes'
arrivals) is viewer number ARRIVING_FROM + k (the curve's viewers are
numbered from 0, so no two viewers share a number). Its client type and
how long it watches are drawn from Random(f"{seed}:arrival:{k}"): the client
by the audience's shares (a push spike's arrivals are of its client type), the
time watched log-normal with the written median and p90 (default: to the end
of the run); leaving moments then cut its stays (harness/load/arrivals/leaving.py).
Process `index` of `stride` carries the arrivals k with k % stride == index,
on a pool of Locust users big enough for the most of them present at once.
"""

from __future__ import annotations

import bisect
import math
import random

from harness.generator.shape import viewers_at
from harness.load.arrivals.leaving import present_share, stays
from harness.load.arrivals.queue import Arrival
from harness.scenario import Audience, Scenario, Watch
from harness.scenario.arrival_rates import arrival_times

ARRIVING_FROM = 1_000_000_000  # the first arriving viewer's number
Z90 = 1.2815515655446004  # the standard normal's 90th percentile
# Wall seconds a pool user may still be busy after its viewer's last stay ends,
# before it takes the next arrival: running a leaving flow's requests, or not.
AFTER_LEAVING_S = 15.0
AFTER_ENDING_S = 1.0
SPARE = 2  # users per process besides


def watched(watch: Watch | None, draw: random.Random) -> float:
    """Match seconds an arriving viewer watches (math.inf: to the end)."""
    if watch is None:
        return math.inf
    sigma = math.log(watch.p90 / watch.median) / Z90
    return draw.lognormvariate(math.log(watch.median), sigma)


def _moments(audience: Audience, start: float, end: float) -> list[tuple[float, str | None]]:
    """(match time, client type or None: drawn by the shares) of every arrival, in order."""
    times = (
        arrival_times(audience.arrivals, audience.scale, start, end) if audience.arrivals else []
    )
    moments: list[tuple[float, str | None]] = [(at, None) for at in times]
    for push in audience.push:
        count = round(push.share * push.reach * audience.scale)
        moments += [
            (push.at + push.within * (j + 0.5) / count, push.audience)
            for j in range(count)
            if push.at + push.within * (j + 0.5) / count < end
        ]
    return sorted(moments, key=lambda moment: moment[0])


def arrivals(scenario: Scenario) -> list[Arrival]:
    """Every arrival of the run, in time order (see the module's docstring)."""
    audience, timeline = scenario.audience, scenario.timeline
    clients, shares = list(audience.clients), list(audience.clients.values())
    found = []
    for k, (at, client) in enumerate(_moments(audience, timeline.start, timeline.end)):
        draw = random.Random(f"{scenario.seed}:arrival:{k}")
        client = client or draw.choices(clients, shares)[0]
        number = ARRIVING_FROM + k
        found.append(
            Arrival(
                number,
                client,
                stays(
                    at, at + watched(audience.watch, draw), number, audience.leaving, scenario.seed
                ),
            )
        )
    return found


class Schedule:
    """A run's arrivals, with the concurrency they imply and the pool that carries them."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.arrivals = arrivals(scenario) if scenario.audience.opens else []
        every = [stay for arrival in self.arrivals for stay in arrival.stays]
        self._starts = sorted(stay.start for stay in every)
        self._ends = sorted(stay.end for stay in every)

    def present(self, match_s: float) -> int:
        """Arriving viewers in the audience at `match_s` (arrived, not left, not on a break)."""
        return bisect.bisect_right(self._starts, match_s) - bisect.bisect_right(self._ends, match_s)

    def implied(self, match_s: float) -> int:
        """Viewers the scenario wants watching at `match_s`: the curve's, less those
        its leaving moments took away, plus the arrivals present."""
        audience = self.scenario.audience
        curve = viewers_at(audience.points, match_s, audience.scale) if audience.points else 0
        return round(curve * present_share(audience.leaving, match_s)) + self.present(match_s)

    def of_process(self, index: int, stride: int) -> list[Arrival]:
        """The arrivals process `index` of `stride` carries, in time order."""
        return self.arrivals[index::stride]

    def pool(self, stride: int) -> int:
        """Locust users for the arrivals, for the whole run: `stride` times the most
        one process needs at once (each busy from arrival to its last stay's end
        plus AFTER_LEAVING_S or AFTER_ENDING_S), plus SPARE per process; 0
        without arrivals."""
        if not self.arrivals:
            return 0
        most = 0
        for index in range(stride):
            events = sorted(
                (
                    edge
                    for a in self.of_process(index, stride)
                    for edge in ((a.arrives, 1), (self._free(a), -1))
                ),
                key=lambda edge: (edge[0], edge[1]),
            )
            busy = 0
            for _, change in events:
                busy += change
                most = max(most, busy)
        return stride * (most + SPARE)

    def _free(self, arrival: Arrival) -> float:
        """Match time the pool user that carried `arrival` is free again."""
        last = arrival.stays[-1]
        after = AFTER_LEAVING_S if last.flow is not None else AFTER_ENDING_S
        time_map = self.scenario.time_map
        return time_map.match(time_map.wall(last.end) + after)
