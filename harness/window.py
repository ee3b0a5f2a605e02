"""One second of a run as measured: what viewers felt and what requests did.

A Window holds only counts, sums and histograms, so windows of the same
second from several worker processes merge by addition, and any span of
seconds (a phase, the whole run) aggregates without losing accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from harness.histogram import Histogram
from harness.metrics import ENDPOINT_GROUPS


@dataclass
class RequestTally:
    count: int = 0
    failures: int = 0
    latency: Histogram = field(default_factory=Histogram)

    def add(self, seconds: float, ok: bool) -> None:
        self.count += 1
        self.failures += not ok
        self.latency.add(seconds)

    def merge(self, other: RequestTally) -> None:
        self.count += other.count
        self.failures += other.failures
        self.latency.merge(other.latency)


def _tallies() -> dict[str, RequestTally]:
    return {group: RequestTally() for group in ENDPOINT_GROUPS}


@dataclass
class Window:
    second: int  # whole seconds since the run started
    # Gauges at the end of the second: viewers by player state.
    joining: int = 0
    playing: int = 0
    stalled: int = 0
    # Events during the second.
    attempts: int = 0  # viewing attempts begun (press play)
    starts: int = 0  # attempts that reached the first frame
    startup: Histogram = field(default_factory=Histogram)  # their startup times, s
    start_failures: int = 0  # error before the first frame
    exits_before_start: int = 0  # gave up waiting for the first frame
    playback_failures: int = 0  # error after the first frame
    stalls: int = 0
    played_s: float = 0.0
    stalled_s: float = 0.0
    bitrate_kbps_s: float = 0.0  # kbps of what played, times the seconds it played
    switches: int = 0
    requests: dict[str, RequestTally] = field(default_factory=_tallies)
    errors: dict[str, int] = field(default_factory=dict)  # "auth 503": failed requests
    protocols: dict[str, int] = field(default_factory=dict)  # attempts by stream protocol

    @property
    def watching(self) -> int:
        return self.playing + self.stalled

    def merge(self, other: Window) -> None:
        """Add another process's window of the same second."""
        for f in fields(self):
            if f.name in ("second", "startup", "requests", "errors", "protocols"):
                continue
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.startup.merge(other.startup)
        for group, tally in other.requests.items():
            self.requests.setdefault(group, RequestTally()).merge(tally)
        for reason, count in other.errors.items():
            self.errors[reason] = self.errors.get(reason, 0) + count
        for protocol, count in other.protocols.items():
            self.protocols[protocol] = self.protocols.get(protocol, 0) + count

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("startup", "requests", "errors", "protocols")}
        data["errors"] = dict(self.errors)
        data["protocols"] = dict(self.protocols)
        data["startup"] = self.startup.to_json()
        data["requests"] = {group: {"count": t.count, "failures": t.failures,
                                    "latency": t.latency.to_json()}
                            for group, t in self.requests.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Window:
        plain = {k: v for k, v in data.items()
                 if k not in ("startup", "requests", "errors", "protocols")}
        requests = {group: RequestTally(t["count"], t["failures"], Histogram.from_json(t["latency"]))
                    for group, t in data["requests"].items()}
        return cls(**plain, startup=Histogram.from_json(data["startup"]), requests=requests,
                   errors=dict(data.get("errors", {})),
                   protocols=dict(data.get("protocols", {})))  # absent in older runs' windows
