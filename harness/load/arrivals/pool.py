"""The arrivals' pool: Locust users of fixed count that carry a process's
arriving viewers. A free pool user takes the next arrival from the queue,
waits for its moment (away, meanwhile), is that viewer (its number, client
type and tier) for its stays, then takes the next.
"""

from __future__ import annotations

from collections.abc import Mapping

import gevent

from harness.load.arrivals.queue import Arrival, ArrivalQueue
from harness.load.clients import ClientProfile
from harness.load.fidelity import FULL
from harness.load.viewer import IDLE_S, AudienceSettings, Viewer


class ArrivingViewer(Viewer):
    abstract = True
    queue: ArrivalQueue
    profiles: Mapping[str, ClientProfile]  # by client type
    fidelities: Mapping[str, str]  # tier by client type

    def on_start(self) -> None:
        self.playback, self.trip, self.here = None, None, False
        self.settings.collector.presence(away=1)

    def turn(self) -> None:
        clock = self.settings.clock
        assert clock is not None  # arrivals come in match time: the run has its clock
        arrival = self.queue.take() if clock.wait() else None
        if arrival is None:
            gevent.sleep(IDLE_S)
            return
        self.arrive_as(arrival)
        self.visit(arrival.stays)

    def arrive_as(self, arrival: Arrival) -> None:
        self.profile = self.profiles[arrival.client]
        self.fidelity = self.fidelities.get(arrival.client, FULL)
        self.become(arrival.number)


def pool_class(
    settings: AudienceSettings,
    queue: ArrivalQueue,
    size: int,
    clients: dict[str, ClientProfile],
    fidelity: Mapping[str, str],
    host: str | None,
) -> type[ArrivingViewer]:
    """The pool's Locust class: `size` users over the run's processes."""
    return type(
        "ArrivingViewers",
        (ArrivingViewer,),
        {
            "abstract": False,
            "fixed_count": size,
            "queue": queue,
            "profiles": clients,
            "fidelities": dict(fidelity),
            "profile": next(iter(clients.values())),
            "settings": settings,
            "host": host,
        },
    )
