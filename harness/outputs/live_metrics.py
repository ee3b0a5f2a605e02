"""/metrics while a run goes: its figures as Prometheus scrapes them, through
prometheus-client (OpenMetrics to a scraper that asks for it, Prometheus'
text format otherwise). The command line opens the address before the run
(`serve`, `harness run --metrics-bind`), so a bad one stops it before any
stack is touched; the output then listens to the run's events and keeps
running totals, which every scrape reads. Where openmetrics.txt holds each
second's own figures once the run has ended, this holds counters since the
run started, gauges as of the last second and histograms with Prometheus'
buckets (docs/live.md: the names, and why they are what they are).

The process that runs the session serves it: in a distributed run the
master, whose seconds are every worker's merged. One address per process:
runs after one another in it (control runs) each start their figures afresh."""

from __future__ import annotations

import errno
import logging
import socket
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import make_wsgi_app
from prometheus_client.registry import Collector, CollectorRegistry

from harness.generator.address import Address
from harness.measure.histogram import Histogram
from harness.measure.window import Window
from harness.outputs import live_http, live_targets
from harness.outputs.hooks import Output, RunEvents
from harness.outputs.live_page import FAULT_STATES, LivePage, LiveRun
from harness.platforms.hosts import LOOPBACK
from harness.runfolder.recorder import COUNTS, Second  # each a counter kickoff_<name>_total
from harness.spec.errors import InfrastructureMissing, InvalidInput

log = logging.getLogger(__name__)

PREFIX = "kickoff_"
# Where a run serves unless told otherwise: this machine only, on a port nobody else has
# (any two runs side by side on one machine, control runs, tests), printed as it starts.
DEFAULT_BIND = Address(LOOPBACK, 0)
# Upper bounds (s) of the histograms' buckets: startup as viewers feel it, requests as
# Prometheus' own default buckets (kickoff's histograms are finer; see Buckets).
STARTUP_BOUNDS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)
LATENCY_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
VIEWER_STATES = ("joining", "playing", "stalled", "waiting_to_retry", "recovering")


@dataclass
class Buckets:
    """A Prometheus histogram built up from kickoff's: each value counts in the
    bucket of its kickoff bucket's value (those are about 2% wide, so a value
    within 1% of a bound may count on the other side of it)."""

    bounds: tuple[float, ...]
    counts: list[int] = field(init=False)  # per bound, then +Inf; not cumulative
    total: float = 0.0  # the sum of the values, each read as its kickoff bucket's value

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def add(self, histogram: Histogram) -> None:
        for value, count in histogram.buckets():
            self.counts[bisect_left(self.bounds, value)] += count
            self.total += value * count

    def family_rows(self) -> list[tuple[str, float]]:
        """(upper bound, cumulative count) per bucket, +Inf last, as Prometheus has them."""
        rows, seen = [], 0
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            seen += count
            rows.append((bound, float(seen)))
        return rows


@dataclass
class RunFigures:
    """One run's figures as the events bring them: what a scrape reads."""

    run: str
    groups: tuple[str, ...]
    scenario: str = ""
    active: bool = False
    recorded: int = 0  # seconds recorded
    last: Second | None = None
    counts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0.0))
    played_s: float = 0.0
    stalled_s: float = 0.0
    startup: Buckets = field(default_factory=lambda: Buckets(STARTUP_BOUNDS))
    requests: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    latency: dict[str, Buckets] = field(default_factory=dict)
    generator_cpu_s: float = 0.0
    phases: list[str] = field(default_factory=list)  # in the order they began
    faults: dict[str, str] = field(default_factory=dict)  # name -> state

    def __post_init__(self) -> None:
        for group in self.groups:
            self._group(group)

    def _group(self, group: str) -> None:
        if group not in self.requests:
            self.requests[group], self.failures[group] = 0, 0
            self.latency[group] = Buckets(LATENCY_BOUNDS)

    def event(self, kind: str, match_s: float | None = None, **fields: object) -> None:
        if kind == "run_started":
            self.scenario = str(fields.get("scenario", ""))
        elif kind == "phase" and fields.get("phase") not in self.phases:
            self.phases.append(str(fields["phase"]))
        elif kind in FAULT_STATES:
            self.faults[str(fields["fault"])] = FAULT_STATES[kind]

    def second(self, second: Second) -> None:
        window = second.window
        self.recorded += 1
        self.last = second
        for name in COUNTS:
            self.counts[name] += getattr(window, name)
        self.played_s += window.played_s
        self.stalled_s += window.stalled_s
        self.startup.add(window.startup)
        for group, tally in window.requests.items():
            self._group(group)
            self.requests[group] += tally.count
            self.failures[group] += tally.failures
            self.latency[group].add(tally.latency)
        if window.generator is not None:  # None: not measured
            self.generator_cpu_s += window.generator.cpu_cores

    def collect(self) -> Iterator[Metric]:
        yield InfoMetricFamily(
            PREFIX + "run",
            "the run being served",
            value={"run": self.run, "scenario": self.scenario},
        )
        yield _gauge(
            "run_active", "1 while the run measures (faults may be in), 0 after", self.active
        )
        yield _counter("recorded_seconds", "seconds of the run recorded so far", self.recorded)
        yield from self._viewers()
        yield from self._requests()
        yield from self._timeline()
        yield from self._generator()

    def _viewers(self) -> Iterator[Metric]:
        window = self.last.window if self.last else Window(0)
        states = GaugeMetricFamily(
            PREFIX + "viewers",
            "full viewers by player state at the last second's end",
            labels=["state"],
        )
        for state in VIEWER_STATES if self.last else ():
            states.add_metric([state], getattr(window, state))
        yield states
        yield _gauge("audience_viewers", "viewers in the audience", _of(self.last, "viewers"))
        yield _gauge(
            "target_viewers",
            "viewers the scenario asks for",
            _of(self.last, "target_viewers"),
        )
        for name in COUNTS:
            yield _counter(
                name, f"{name.replace('_', ' ')} (timeseries.csv's {name})", self.counts[name]
            )
        yield _counter("played_seconds", "seconds of video played, all viewers", self.played_s)
        yield _counter("stalled_seconds", "seconds spent stalled (rebuffering)", self.stalled_s)
        yield _histogram("startup_seconds", "startup times of the starts", self.startup)
        yield _gauge(
            "bitrate_bits_per_second",
            "mean bitrate of what played in the last second",
            window.bitrate_kbps_s / window.played_s * 1000 if window.played_s else None,
        )

    def _requests(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(PREFIX + "requests", "requests by group", labels=["group"])
        failures = CounterMetricFamily(
            PREFIX + "request_failures", "failed requests by group", labels=["group"]
        )
        latency = HistogramMetricFamily(
            PREFIX + "request_duration_seconds", "request latency by group", labels=["group"]
        )
        for group in self.requests:
            requests.add_metric([group], self.requests[group])
            failures.add_metric([group], self.failures[group])
            buckets = self.latency[group]
            latency.add_metric([group], buckets.family_rows(), buckets.total)
        yield from (requests, failures, latency)

    def _timeline(self) -> Iterator[Metric]:
        yield _gauge(
            "match_time_seconds",
            "match time at the last second's end",
            _of(self.last, "match_s"),
        )
        phase = GaugeMetricFamily(
            PREFIX + "phase", "1 for the phase the match is in", labels=["phase"]
        )
        current = self.last.phase if self.last else (self.phases[-1] if self.phases else None)
        for name in self.phases:
            phase.add_metric([name], float(name == current))
        yield phase
        fault = GaugeMetricFamily(
            PREFIX + "fault_state", "1 for each fault's state", labels=["fault", "state"]
        )
        for name, state in self.faults.items():
            for each in dict.fromkeys(FAULT_STATES.values()):
                fault.add_metric([name, each], float(each == state))
        yield fault

    def _generator(self) -> Iterator[Metric]:
        truth = self.last.window.generator if self.last else None
        yield _counter(
            "generator_cpu_seconds",
            "CPU time of the load generator's processes",
            self.generator_cpu_s,
        )
        yield _gauge(
            "generator_processes", "processes of the load generator", _of(truth, "processes")
        )
        yield _gauge(
            "generator_processes_over_bounds",
            "of them, over the CPU or loop lag bounds in the last second",
            _of(truth, "over_bounds"),
        )
        yield _gauge(
            "generator_loop_lag_p99_seconds",
            "the worst process's event-loop lag p99",
            _of(truth, "lag_p99_s"),
        )
        yield _gauge(
            "generator_machine_idle_ratio",
            "the machine's idle share",
            _of(truth, "machine_idle_share"),
        )


def _of(thing: object, name: str) -> float | None:
    """thing.name, None when there is no thing (before the first second)."""
    return None if thing is None else getattr(thing, name)


def _gauge(name: str, help_text: str, value: float | None) -> Metric:
    family = GaugeMetricFamily(PREFIX + name, help_text)
    if value is not None:
        family.add_metric([], float(value))
    return family


def _counter(name: str, help_text: str, value: float) -> Metric:
    return CounterMetricFamily(PREFIX + name, help_text, value=value)


def _histogram(name: str, help_text: str, buckets: Buckets) -> Metric:
    return HistogramMetricFamily(
        PREFIX + name, help_text, buckets=buckets.family_rows(), sum_value=buckets.total
    )


class _Serving(Collector):
    """What /metrics shows: the latest run's figures (none before the first)."""

    def __init__(self) -> None:
        self.figures: RunFigures | None = None

    def collect(self) -> Iterable[Metric]:
        return self.figures.collect() if self.figures else ()


@dataclass
class _Endpoint:
    url: str
    serving: _Serving
    page: LivePage


_ENDPOINT: _Endpoint | None = None


def serve(bind: Address) -> str:
    """Listen at `bind` for scrapes of /metrics, and for the live page at / (its
    figures at /live.json: harness.outputs.live_page), from now until the process
    ends; the URL of /metrics. InvalidInput (exit 2) for an address this machine
    does not have, InfrastructureMissing (exit 3) for a port in use."""
    global _ENDPOINT
    serving, page = _Serving(), LivePage()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(serving)
    routes = {"/metrics": make_wsgi_app(registry), "/": page.page, "/live.json": page.json}
    try:
        host, port = live_http.start(bind, routes)
    except OSError as error:
        where = f"--metrics-bind {bind}"
        if error.errno == errno.EADDRINUSE:
            raise InfrastructureMissing(
                f"{where}: the port is in use (give a free one, or leave the option out for any)"
            ) from None
        reason = error.strerror or str(error)
        if isinstance(error, socket.gaierror):
            reason = f"no such host ({reason})"
        raise InvalidInput(
            f"{where}: cannot listen there: {reason} "
            f"(give an address of this machine and a free port, e.g. {LOOPBACK}:PORT)"
        ) from None
    live_targets.announce(host, port)  # for the stack's Prometheus to scrape
    shown = f"[{host}]" if ":" in host else host
    _ENDPOINT = _Endpoint(f"http://{shown}:{port}/metrics", serving, page)
    return _ENDPOINT.url


def shown_run() -> LiveRun | None:
    """The run the live page shows (None before the first, or when nothing is
    served): benchmarks/live_metrics.py times its document."""
    return _ENDPOINT.page.run if _ENDPOINT else None


def attach(events: RunEvents, run_dir: Path, groups: Iterable[str]) -> None:
    """This run's figures, at the address `serve` opened (nothing when none is open)."""
    endpoint = _ENDPOINT
    if endpoint is None:
        return
    figures = RunFigures(run_dir.name, tuple(groups))
    endpoint.serving.figures = figures
    endpoint.page.attach(events, run_dir, tuple(groups))

    def started() -> None:
        figures.active = True
        log.info("live metrics: %s", endpoint.url)
        log.info("live page: %s", endpoint.url.removesuffix("metrics"))

    def stopping() -> None:
        figures.active = False

    events.run_started.add_listener(started)
    events.event_recorded.add_listener(figures.event)
    events.second_recorded.add_listener(figures.second)
    events.run_stopping.add_listener(stopping)


OUTPUT = Output("live_metrics", attach)
