"""One second of a run as measured: what viewers felt and what requests did.

A Window holds only counts, sums and histograms, so windows of the same
second from several worker processes merge by addition, and any span of
seconds (a phase, the whole run) aggregates without losing accuracy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from harness.measure import shapes
from harness.measure.group_names import is_group
from harness.measure.histogram import Histogram
from harness.measure.truth import GeneratorTruth
from harness.measure.truth import merged as merged_truth


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


@dataclass
class ClientStarts:
    """The new viewers of one client type in a second: attempts begun, and how
    those that ended before or at the first frame ended (the Window's own
    figures of the same name, for this client type only)."""

    attempts: int = 0
    starts: int = 0
    start_failures: int = 0
    exits_before_start: int = 0
    startup: Histogram = field(default_factory=Histogram)  # their startup times, s
    waits: Histogram = field(default_factory=Histogram)  # Window.waits, of this client type

    def merge(self, other: ClientStarts) -> None:
        for name in _CLIENT_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.startup.merge(other.startup)
        self.waits.merge(other.waits)

    def to_json(self) -> dict:
        return {
            **{name: getattr(self, name) for name in _CLIENT_COUNTS},
            "startup": self.startup.to_json(),
            "waits": self.waits.to_json(),
        }


_CLIENT_COUNTS = ("attempts", "starts", "start_failures", "exits_before_start")

# Fields that are not plain numbers: merged and written out one by one.
_NESTED = (
    "startup",
    "waits",
    "requests",
    "errors",
    "start_failure_reasons",
    "playback_failure_reasons",
    "protocols",
    "generator",
    "clients",
    "server",
)


@dataclass
class Window:
    second: int  # whole seconds since the run started
    # Gauges at the end of the second: (full) viewers by player state.
    joining: int = 0
    playing: int = 0
    stalled: int = 0
    # Full viewers whose last attempt failed (an error, or gave up waiting): between
    # attempts, waiting to press play again; and in an attempt again, before its
    # first frame (these are counted in `joining` too). 0 in older runs.
    waiting_to_retry: int = 0
    recovering: int = 0
    # Events during the second.
    attempts: int = 0  # viewing attempts begun (press play)
    starts: int = 0  # attempts that reached the first frame
    startup: Histogram = field(default_factory=Histogram)  # their startup times, s
    # Gauge at the end of the second: how long each full viewer in an attempt and
    # still before its first frame has waited so far, s; a startup time still to
    # come is at least this (harness.measure.metrics counts them in a span's last
    # second). Absent in older runs: empty.
    waits: Histogram = field(default_factory=Histogram)
    start_failures: int = 0  # error before the first frame
    exits_before_start: int = 0  # gave up waiting for the first frame
    playback_failures: int = 0  # error after the first frame
    stalls: int = 0
    played_s: float = 0.0
    stalled_s: float = 0.0
    bitrate_kbps_s: float = 0.0  # kbps of what played, times the seconds it played
    switches: int = 0
    # Viewers of the manifest tier (harness.load.fidelity), counted apart from
    # everything above, which is what full viewers felt (absent in older runs: 0).
    manifest_viewers: int = 0  # gauge: in an attempt at the end of the second
    manifest_attempts: int = 0
    manifest_failures: int = 0  # attempts ended by an error, or by giving up before playing
    manifest_requests: int = 0  # their requests, also counted in `requests` by group
    manifest_request_failures: int = 0
    # Getting in (harness.measure.metrics.BOOKING_GROUPS), full viewers' attempts, counted
    # when their journey ends: those that made a request of group signup or booking, and
    # those of them that failed at such a step (not start failures nor exits) (absent in
    # older runs: 0).
    booking_attempts: int = 0
    booking_failures: int = 0
    # By request group, for the groups requests were made under this second
    # (files written before groups were the scenario's hold all four then known).
    requests: dict[str, RequestTally] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # "auth 503": failed requests
    # "journey step 'login': HTTP 401", "player": why attempts failed before the first frame
    start_failure_reasons: dict[str, int] = field(default_factory=dict)
    # "segment 503", "playlist ConnectionRefusedError": why playbacks failed after the first
    # frame (harness.load.retry.FetchError.reason; absent in older runs: empty)
    playback_failure_reasons: dict[str, int] = field(default_factory=dict)
    protocols: dict[str, int] = field(default_factory=dict)  # attempts by stream protocol
    # The load generator's own CPU and loop lag this second (harness/measure/truth.py);
    # None: not measured (runs recorded before it was).
    generator: GeneratorTruth | None = None
    # New viewers by client type ("web", "app", "tv"): the attempts, starts,
    # failures and startup times above, split by the client that made them
    # (absent in older runs: empty).
    clients: dict[str, ClientStarts] = field(default_factory=dict)
    # Viewers coming into the audience and leaving it (harness/load/arrivals): arrivals
    # and departures during the second; `away` a gauge of viewer users not in the
    # audience at its end (on a break, or a pool user between arrivals). 0 in older runs.
    arrivals: int = 0
    departures: int = 0
    away: int = 0
    # The platform's own figures this second (a targets file's server_metrics: name ->
    # figure, None where missing), joined from server.jsonl when a run folder is judged;
    # never part of windows.jsonl.
    server: dict[str, float | None] = field(default_factory=dict)

    @property
    def watching(self) -> int:
        return self.playing + self.stalled

    def tally(self, group: str) -> RequestTally:
        """The requests of `group` this second (an empty tally the first time)."""
        return self.requests.setdefault(group, RequestTally())

    def client(self, name: str) -> ClientStarts:
        """The new viewers of client type `name` this second (empty the first time)."""
        return self.clients.setdefault(name, ClientStarts())

    def merge(self, other: Window) -> None:
        """Add another process's window of the same second."""
        for f in fields(self):
            if f.name == "second" or f.name in _NESTED:
                continue
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.startup.merge(other.startup)
        self.waits.merge(other.waits)
        for group, tally in other.requests.items():
            self.tally(group).merge(tally)
        for mine, theirs in (
            (self.errors, other.errors),
            (self.start_failure_reasons, other.start_failure_reasons),
            (self.playback_failure_reasons, other.playback_failure_reasons),
            (self.protocols, other.protocols),
        ):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.generator = merged_truth([self.generator, other.generator])
        for name, starts in other.clients.items():
            self.client(name).merge(starts)

    def shortened(self, by: float) -> Window:
        """A copy whose every duration measured (startup times, request
        latencies, overall and by client type) is `by` seconds shorter: the
        second as it would read without a delay of `by` in what it measured."""
        copy = Window.from_json(self.to_json())
        copy.server = dict(self.server)
        copy.startup = copy.startup.shortened(by)
        copy.waits = copy.waits.shortened(by)
        for tally in copy.requests.values():
            tally.latency = tally.latency.shortened(by)
        for starts in copy.clients.values():
            starts.startup = starts.startup.shortened(by)
            starts.waits = starts.waits.shortened(by)
        return copy

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NESTED}
        data["errors"] = dict(self.errors)
        data["start_failure_reasons"] = dict(self.start_failure_reasons)
        data["playback_failure_reasons"] = dict(self.playback_failure_reasons)
        data["protocols"] = dict(self.protocols)
        data["startup"] = self.startup.to_json()
        data["waits"] = self.waits.to_json()
        data["generator"] = None if self.generator is None else self.generator.to_json()
        data["requests"] = {
            group: {"count": t.count, "failures": t.failures, "latency": t.latency.to_json()}
            for group, t in self.requests.items()
        }
        data["clients"] = {name: starts.to_json() for name, starts in self.clients.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Window:
        """The window to_json() wrote; ValueError("field: problem") on any
        field of the wrong type, a negative count or an unknown field."""
        data = shapes.mapping(data, "window")
        # `server` is joined from server.jsonl, never read from a window's line
        unknown = sorted(set(data) - ({f.name for f in fields(cls)} - {"server"}))
        if unknown:
            raise ValueError(f"window.{unknown[0]}: not a field of a window")
        # each field's own check gives it its type (a count, a number)
        plain: dict[str, Any] = {
            name: check(data[name], f"window.{name}")
            for name, check in _PLAIN.items()
            if name in data
        }
        if "second" not in plain:
            raise ValueError("window.second: missing")
        if plain.get("booking_failures", 0) > plain.get("booking_attempts", 0):
            raise ValueError(
                f"window.booking_failures: {plain['booking_failures']} is more than "
                f"booking_attempts {plain.get('booking_attempts', 0)}"
            )
        return cls(
            **plain,
            startup=_histogram(data.get("startup"), "window.startup"),
            waits=_histogram(data.get("waits", {}), "window.waits"),
            requests=_requests(data.get("requests"), "window.requests"),
            # absent in older runs' windows
            errors=shapes.counts(data.get("errors", {}), "window.errors"),
            start_failure_reasons=shapes.counts(
                data.get("start_failure_reasons", {}), "window.start_failure_reasons"
            ),
            playback_failure_reasons=shapes.counts(
                data.get("playback_failure_reasons", {}), "window.playback_failure_reasons"
            ),
            protocols=shapes.counts(data.get("protocols", {}), "window.protocols"),
            generator=None
            if data.get("generator") is None
            else GeneratorTruth.from_json(data["generator"], "window.generator"),
            clients=_clients(data.get("clients", {}), "window.clients"),
        )


def _amount(value: object, where: str) -> float:
    """Seconds played or stalled, kbps times seconds: sums of a second."""
    return float(shapes.number(value, where, 0.0, shapes.MOST))


BUCKETS = 1000  # e^(1000/50): 15 years; the floor, 1 microsecond, is bucket -691
# Every plain field's check: counts are whole numbers, durations and sums nonnegative.
_PLAIN = {
    f.name: (_amount if f.type == "float" else shapes.count)
    for f in fields(Window)
    if f.name not in _NESTED
}


def _histogram(value: object, where: str) -> Histogram:
    """A histogram's buckets ({"-115": 3}): whole-number keys of durations
    from the histogram's floor to years, counts as values."""
    buckets = {}
    for key, n in shapes.counts(value, where).items():
        if not re.fullmatch(r"-?\d{1,4}", key) or not -BUCKETS <= int(key) <= BUCKETS:
            raise ValueError(
                f"{where}: bucket {key[:20]!r} is not a bucket number (-{BUCKETS} to {BUCKETS})"
            )
        buckets[int(key)] = n
    return Histogram(buckets)


def _requests(value: object, where: str) -> dict[str, RequestTally]:
    tallies = {}
    for group, tally in shapes.mapping(value, where).items():
        at = f"{where}.{shapes.group(group, f'{where} group')}"
        tally = shapes.mapping(tally, at)
        if set(tally) != {"count", "failures", "latency"}:
            raise ValueError(f"{at}: wants exactly count, failures and latency")
        total, failed = (
            shapes.count(tally["count"], f"{at}.count"),
            shapes.count(tally["failures"], f"{at}.failures"),
        )
        if failed > total:
            raise ValueError(f"{at}.failures: {failed} is more than its count {total}")
        tallies[group] = RequestTally(total, failed, _histogram(tally["latency"], f"{at}.latency"))
    return tallies


def _clients(value: object, where: str) -> dict[str, ClientStarts]:
    """New viewers by client type: each with exactly the ClientStarts fields,
    whole counts, and a startup time for every start."""
    found = {}
    for name, starts in shapes.mapping(value, where).items():
        if not isinstance(name, str) or not is_group(name):
            raise ValueError(
                f"{where}: {str(name)[:20]!r} is not a client type name "
                f"(lowercase letters, digits, '_' and '-')"
            )
        at = f"{where}.{name}"
        starts = shapes.mapping(starts, at)
        # waits: absent in older runs
        if not {*_CLIENT_COUNTS, "startup"} <= set(starts) <= {*_CLIENT_COUNTS, "startup", "waits"}:
            raise ValueError(
                f"{at}: wants exactly {', '.join(_CLIENT_COUNTS)}, startup and (optionally) waits"
            )
        counted = {key: shapes.count(starts[key], f"{at}.{key}") for key in _CLIENT_COUNTS}
        startup = _histogram(starts["startup"], f"{at}.startup")
        if startup.count != counted["starts"]:
            raise ValueError(
                f"{at}.startup: holds {startup.count} startup times for {counted['starts']} starts"
            )
        waits = _histogram(starts.get("waits", {}), f"{at}.waits")
        found[name] = ClientStarts(**counted, startup=startup, waits=waits)
    return found
