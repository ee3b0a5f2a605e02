"""Which component used what: each component's CPU over a run, as mean cores
beside its quota, from the platform's CPU counters read twice (at the run's
start and at its end).

Two samples give the mean over the run, which is what tells the component
nearest its limit at a capacity level; a per-second sampler would show peaks
but would cost the machine the stack runs on a Docker stats call per
container every second. A component restarted in the run (its counter began
again) counts from its restart, a lower bound.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from harness.platforms.base import Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    seconds: dict[str, float]  # CPU seconds so far, by component


def mean_cores(first: Sample, last: Sample, limits: dict[str, float | None]) -> dict[str, dict]:
    """{component: {"cores": mean cores between the samples, "limit": cores or None}}
    for the components in the last sample."""
    elapsed = last.at - first.at
    if elapsed <= 0:
        return {}
    usage = {}
    for name, used in last.seconds.items():
        before = first.seconds.get(name, 0.0)
        spent = used - before if used >= before else used  # restarted: since its restart
        usage[name] = {"cores": round(spent / elapsed, 4), "limit": limits.get(name)}
    return usage


class UsageMeter:
    """Reads a platform's counters at start() and stop(); never fails a run:
    a platform that cannot be read gives no figures (and a warning)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.first: Sample | None = None

    def _sample(self) -> Sample | None:
        try:
            return Sample(time.monotonic(), self.platform.cpu_seconds())
        except Exception as error:  # noqa: BLE001 (a measurement aside the run)
            log.warning("could not read the components' CPU use: %s", error)
            return None

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> dict[str, dict] | None:
        """Mean cores and limit by component since start(); None if not measured."""
        last = self._sample()
        if self.first is None or last is None:
            return None
        try:
            limits = self.platform.cpu_limits()
        except Exception as error:  # noqa: BLE001
            log.warning("could not read the components' CPU limits: %s", error)
            limits = {}
        return mean_cores(self.first, last, limits)


def nearest_limit(components: dict[str, dict]) -> str | None:
    """The component using the largest share of its CPU limit (None: no limits)."""
    shares = {name: c["cores"] / c["limit"] for name, c in components.items() if c.get("limit")}
    return max(shares, key=shares.__getitem__) if shares else None


def usage_line(components: dict | None) -> str | None:
    """ "components (mean cores / limit): edge 0.21/0.25 (84%), auth 0.03 ..." for the
    console and the report, busiest share first; None when not measured."""
    if not components:
        return None

    def order(item: tuple[str, dict]) -> tuple[float, float]:
        limit = item[1].get("limit")
        return (-(item[1]["cores"] / limit) if limit else 0.0, -item[1]["cores"])

    parts = []
    for name, c in sorted(components.items(), key=order):
        limit = c.get("limit")
        parts.append(
            f"{name} {c['cores']:.2f}/{limit:g} ({c['cores'] / limit:.0%})"
            if limit
            else f"{name} {c['cores']:.2f}"
        )
    return "components (mean cores over the run / limit): " + ", ".join(parts)
