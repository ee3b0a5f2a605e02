"""Watches the stack's components during a run: each with a health check
(the stack descriptor's URL, or a probe a fault driver can ask, such as a
command target's check) is probed twice a second (a slow probe slows the
round), and every change between healthy and not is an event (with its
second), so a fault's report can say when the component itself was back."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import gevent
import gevent.pool

from harness.platforms import health

PROBE_EVERY = 0.5


class HealthWatch:
    def __init__(
        self,
        checks: dict[str, str],
        event: Callable[..., None],
        now: Callable[[], float],
        probes: dict[str, Callable[[], str]] | None = None,
    ) -> None:
        # A probe per component: its health-check URL's, else one a fault driver can ask.
        self.probes = {
            **(probes or {}),
            **{component: partial(health.probe, check) for component, check in checks.items()},
        }
        self.components = list(self.probes)
        self.event = event
        self.now = now
        self.transitions: list[tuple[float, str, bool]] = []  # (second, component, healthy)
        self._healthy = dict.fromkeys(self.components, True)
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> None:
        if self.components:
            self._greenlet = gevent.spawn(self._watch)

    def _watch(self) -> None:
        pool = gevent.pool.Pool(len(self.components))
        while True:
            started = self.now()
            results = dict(
                zip(
                    self.components,
                    pool.map(lambda probe: probe(), self.probes.values()),
                    strict=True,
                )
            )
            for component, result in results.items():
                healthy = result == "healthy"
                if healthy != self._healthy[component]:
                    self._healthy[component] = healthy
                    second = round(self.now(), 3)
                    self.transitions.append((second, component, healthy))
                    self.event(
                        "component_health",
                        None,
                        component=component,
                        healthy=healthy,
                        second=second,
                        detail=result,
                    )
            gevent.sleep(max(0.0, PROBE_EVERY - (self.now() - started)))

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill()
