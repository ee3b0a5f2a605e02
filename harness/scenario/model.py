"""The scenario model: frozen dataclasses, their time arithmetic and defaults,
and the way back to the file format (to_dict).

All times are float seconds. Match time is relative to kickoff (T0 = 0,
negative before); the timeline (audience points, phases, faults) runs
`time_scale` times faster than real time, except around faults, which run at
`fault_time_scale` (harness/scenario/time_map.py).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path

from harness.faults.fault import DEFAULT_RECOVERY_BUDGET, Fault
from harness.load.arrivals.leaving import Leaving
from harness.load.fidelity import FULL
from harness.measure.metrics import checked_metric
from harness.measure.slo import Slo, threshold_text
from harness.scenario.time_map import Span, TimeMap, spans_of
from harness.spec.quantities import format_time

CLIENT_TYPES = ("web", "app", "tv")
DEFAULT_CLIENTS = {"web": 0.5, "app": 0.35, "tv": 0.15}
DEFAULT_FIDELITY = dict.fromkeys(CLIENT_TYPES, FULL)  # every client type downloads segments
KICKOFF_WINDOW = -60.0  # where the default kickoff phase starts


@dataclass(frozen=True)
class Phase:
    name: str
    at: float  # match seconds; lasts until the next phase starts (the last until timeline.end)


@dataclass(frozen=True)
class Timeline:
    start: float  # match seconds where the run begins
    end: float  # match seconds where it ends (> start)
    phases: tuple[Phase, ...]  # sorted by `at`; phases[0].at == start
    peak: str  # the phase that is the kickoff window
    real_time: tuple[Span, ...] = ()  # stretches at fault_time_scale besides the faults' own


@dataclass(frozen=True)
class AudiencePoint:
    at: float  # match seconds
    viewers: int  # concurrent viewers wanted then (linear in between), before `scale`


@dataclass(frozen=True)
class ArrivalPoint:
    at: float  # match seconds
    rate: float  # viewers arriving per `per` (linear in between), before `scale`
    per: str  # "second" or "minute" of match time, as written

    @property
    def per_second(self) -> float:
        return self.rate / 60 if self.per == "minute" else self.rate


@dataclass(frozen=True)
class Watch:
    """How long an arriving viewer watches: log-normal, by its median and p90."""

    median: float  # match seconds
    p90: float  # match seconds, > median


@dataclass(frozen=True)
class Push:
    """A push notification: `share` of the `reach` people of a client type who
    got it arrive within `within` of `at`."""

    name: str
    at: float  # match seconds
    audience: str  # the client type the alert went to (CLIENT_TYPES)
    reach: int  # people it reached, before `scale`
    share: float  # of them, the share who open it and watch
    within: float  # match seconds over which they arrive


@dataclass(frozen=True)
class ApiUsers:
    kind: str  # a flow of the journey's api_users ("epg", "login" in the reference journey)
    users: int  # how many such users for the whole run
    interval: float  # real seconds between one user's requests, not time-scaled


@dataclass(frozen=True)
class Audience:
    event: str | None  # None: the first free-to-air event the catalog lists as live
    points: tuple[AudiencePoint, ...]  # strictly increasing `at`
    clients: dict[str, float]  # every CLIENT_TYPES key, in that order; shares add up to 1
    subscribers: float  # share of viewers who log in as subscribers
    api_users: tuple[ApiUsers, ...]
    scale: float  # multiplies every point's viewers
    stream: str | None = None  # a master playlist or MPD URL viewers play, skipping the app journey
    # Every CLIENT_TYPES key: its viewers' tier, "full" or "manifest" (harness.load.fidelity).
    fidelity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FIDELITY))
    newcomers: float = 0.0  # share of viewers without an account (sign up first); never subscribers
    # The open model (harness/load/arrivals): viewers arriving at a rate, each
    # watching a drawn while; push spikes; moments viewers leave (and come back).
    arrivals: tuple[ArrivalPoint, ...] = ()  # strictly increasing `at`
    watch: Watch | None = None  # None: arriving viewers watch to the end
    push: tuple[Push, ...] = ()
    leaving: tuple[Leaving, ...] = ()  # strictly increasing `at`
    forecast: int | None = None  # the real peak expected on the day (`harness capacity` headroom)

    @property
    def opens(self) -> bool:
        """Whether viewers arrive by rate or push (the open model), not only by `points`."""
        return bool(self.arrivals or self.push)


@dataclass(frozen=True)
class FaultByHand:
    """A fault someone does outside kickoff while the run goes, marked with
    `harness mark` (harness/faults/marks.py); declared, so SLOs can name it."""

    name: str
    recover_within: float = DEFAULT_RECOVERY_BUDGET


@dataclass(frozen=True)
class HaltCondition:
    """Stop the run when a per-second metric stays beyond a limit for a while."""

    metric: str  # a metric of harness.measure.metrics for the scenario's groups
    above: float | None  # exactly one of above and below is set
    below: float | None
    lasting: float  # YAML `for`: wall seconds the condition must hold


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    platform: str
    targets: Path | None  # absolute; the targets file of platform "external"
    time_scale: float
    seed: int
    timeline: Timeline
    audience: Audience
    slos: tuple[Slo, ...]
    faults: tuple[Fault, ...]
    halt_if: tuple[HaltCondition, ...] = ()
    cmcd: str = "off"  # "query" or "headers": players send CTA-5004 data; "off": they do not
    stack_size: str | None = None  # the managed stack's size for the run; None: as it runs
    journey: str | dict | None = None  # a journey file or an inline journey, paths absolute
    # The file it was read from; the same scenario read from another file is equal.
    source: Path = field(default=Path("scenario.yaml"), compare=False)
    # The request groups its viewers count requests under (scenario.groups), derived from the rest.
    groups: tuple[str, ...] = field(default=(), compare=False)
    # How many times faster than real time faults and the spans judged around them run.
    fault_time_scale: float = 1.0
    faults_by_hand: tuple[FaultByHand, ...] = ()
    # The platform's own figures to read each second from the stack's Prometheus: name -> PromQL.
    server_metrics: dict[str, str] = field(default_factory=dict)

    @functools.cached_property
    def time_map(self) -> TimeMap:
        """Match time <-> wall time: `time_scale`, but faults and the spans judged
        around them (and timeline.real_time) at `fault_time_scale`."""
        from harness.faults.registry import KINDS  # the faults import the scenario model

        start, end = self.timeline.start, self.timeline.end
        slow = [
            *self.timeline.real_time,
            *spans_of(self.faults, KINDS, self.fault_time_scale, start, end),
        ]
        return TimeMap(start, end, self.time_scale, slow, self.fault_time_scale)

    def wall(self, match_seconds: float) -> float:
        """Wall-clock seconds since the run started when match time is `match_seconds`."""
        return self.time_map.wall(match_seconds)

    def match(self, wall_seconds: float) -> float:
        return self.time_map.match(wall_seconds)

    @property
    def wall_duration(self) -> float:
        return self.time_map.wall_duration

    def phase_at(self, match_seconds: float) -> str:
        """The phase in force (before the start: the first one)."""
        return phase_at(self.timeline.phases, match_seconds)

    def to_dict(self) -> dict:
        """The scenario in file format, defaults written out: loads to an equal Scenario."""
        timeline, audience = self.timeline, self.audience
        data: dict[str, object] = {
            "name": self.name,
            "description": self.description,
            "platform": self.platform,
        }
        if self.targets is not None:
            data["targets"] = str(self.targets)
        if self.stack_size is not None:
            data["stack_size"] = self.stack_size
        if self.journey is not None:
            data["journey"] = copy.deepcopy(self.journey)
        data["time_scale"] = _number(self.time_scale)
        data["fault_time_scale"] = _number(self.fault_time_scale)
        data["seed"] = self.seed
        data["cmcd"] = self.cmcd
        data["timeline"] = {
            "start": format_time(timeline.start),
            "end": format_time(timeline.end),
            "phases": [{"name": p.name, "at": format_time(p.at)} for p in timeline.phases],
            "peak": timeline.peak,
            **({"real_time": real_time_spans(timeline.real_time)} if timeline.real_time else {}),
        }
        data["audience"] = {
            **({"event": audience.event} if audience.event is not None else {}),
            **({"stream": audience.stream} if audience.stream is not None else {}),
            "scale": _number(audience.scale),
            **(
                {
                    "viewers": [
                        {"at": format_time(p.at), "viewers": p.viewers} for p in audience.points
                    ]
                }
                if audience.points
                else {}
            ),
            **_open_model(audience),
            "clients": {k: _number(v) for k, v in audience.clients.items()},
            "fidelity": dict(audience.fidelity),
            "subscribers": _number(audience.subscribers),
            "newcomers": _number(audience.newcomers),
            "api_users": [
                {"kind": u.kind, "users": u.users, "interval": format_time(u.interval)}
                for u in audience.api_users
            ],
            **({"forecast": audience.forecast} if audience.forecast is not None else {}),
        }
        data["slos"] = [s.written() for s in self.slos]
        data["faults"] = [
            {
                "name": f.name,
                "kind": f.kind,
                "target": f.target,
                "at": format_time(f.at),
                **({"for": format_time(f.duration)} if f.duration is not None else {}),
                "recover_within": format_time(f.recover_within),
                "params": copy.deepcopy(f.params),
            }
            for f in self.faults
        ]
        if self.faults_by_hand:
            data["faults_by_hand"] = [
                {"name": f.name, "recover_within": format_time(f.recover_within)}
                for f in self.faults_by_hand
            ]
        if self.server_metrics:
            data["server_metrics"] = dict(self.server_metrics)
        data["halt_if"] = [
            {
                "metric": h.metric,
                **{
                    bound: threshold_text(value, checked_metric(h.metric))
                    for bound, value in (("above", h.above), ("below", h.below))
                    if value is not None
                },
                "for": format_time(h.lasting),
            }
            for h in self.halt_if
        ]
        return data


def real_time_spans(spans: tuple[Span, ...] | list[Span]) -> list[dict]:
    """timeline.real_time in file format."""
    return [{"from": format_time(a), "to": format_time(b)} for a, b in spans]


def _open_model(audience: Audience) -> dict:
    """The open model's keys of the file format, those that are set."""
    data: dict[str, object] = {}
    if audience.arrivals:
        data["arrivals"] = [
            {"at": format_time(p.at), f"per_{p.per}": _number(p.rate)} for p in audience.arrivals
        ]
    if audience.watch is not None:
        data["watch"] = {
            "median": format_time(audience.watch.median),
            "p90": format_time(audience.watch.p90),
        }
    if audience.push:
        data["push"] = [
            {
                "name": p.name,
                "at": format_time(p.at),
                "audience": p.audience,
                "reach": p.reach,
                "share": _number(p.share),
                "within": format_time(p.within),
            }
            for p in audience.push
        ]
    if audience.leaving:
        data["leaving"] = [
            {
                "name": e.name,
                "at": format_time(e.at),
                "share": _number(e.share),
                "within": format_time(e.within),
                **({"flow": e.flow} if e.flow is not None else {}),
                **({"back": format_time(e.back)} if e.back is not None else {}),
                **({"back_within": format_time(e.back_within)} if e.back_within else {}),
            }
            for e in audience.leaving
        ]
    return data


def default_phases(start: float, end: float) -> tuple[Phase, ...]:
    """pre-match from the start, kickoff from a minute before T0, as far as the run has them."""
    kickoff = max(start, KICKOFF_WINDOW)
    if kickoff >= end:
        return (Phase("pre-match", start),)
    if kickoff == start:
        return (Phase("kickoff", start),)
    return Phase("pre-match", start), Phase("kickoff", kickoff)


def default_peak(phases: tuple[Phase, ...], start: float, end: float) -> str:
    """The phase in force at kickoff; the last one if the run does not include kickoff."""
    return phase_at(phases, 0.0 if start <= 0 < end else end)


def phase_at(phases: tuple[Phase, ...], match_seconds: float) -> str:
    """The phase in force (before the first one starts: the first one)."""
    return next((p.name for p in reversed(phases) if p.at <= match_seconds), phases[0].name)


def _number(value: object) -> object:
    """10 rather than 10.0 in a written scenario."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
