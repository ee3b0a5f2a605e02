"""The scenario file format and the rules between its fields.

FORMAT is declared once: it reads files (types, ranges, unknown keys) and is
the JSON Schema. The rules after it need more than one field (times inside
the timeline, names that must exist, thresholds that fit their metric); they
skip values already reported, so every problem is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.faults.kinds import RANDOM
from harness.faults.registry import KINDS, RANDOM_PARAMS
from harness.load.fidelity import FIDELITIES, MANIFEST
from harness.load.journey import JourneySpec
from harness.measure.metrics import SERVER, Metric
from harness.measure.slo import OPS, fault_of, span_kind, span_problem
from harness.platforms.base import STACK_SIZES
from harness.platforms.registry import PLATFORMS, offered_by
from harness.platforms.server_metrics import QueriesOrFile
from harness.platforms.stack import Stack
from harness.scenario.arrivals import FIELDS as OPEN_MODEL
from harness.scenario.arrivals import check_open_model
from harness.scenario.groups import MetricName, check_metric, request_groups
from harness.scenario.model import CLIENT_TYPES, DEFAULT_CLIENTS, default_phases
from harness.scenario.platform import check_edge, scenario_stack
from harness.scenario.viewers import check_viewers
from harness.spec.document import Document, Where
from harness.spec.fields import (
    Choice,
    Count,
    FileName,
    FreeMapping,
    Items,
    Number,
    Record,
    Shares,
    Text,
    Threshold,
    Time,
    unknown,
)
from harness.spec.quantities import format_time
from harness.spec.shown import shown

CMCD_MODES = ("off", "query", "headers")
MAX_VIEWERS = 10_000_000  # per audience point, scaled: more than any distributed run could hold
SLO_PHASES = ("overall", "baseline", "peak")  # besides during:/recovery:<fault> and timeline phases


_PHASE = Record(
    "a named part of the timeline, lasting until the next one starts",
    {
        "name": Text("the phase's name, for SLOs and reports"),
        "at": Time("when it starts, in match time"),
    },
    required=("name", "at"),
)
_STRETCH = Record(
    "a stretch of match time",
    {
        "from": Time("where it begins, in match time"),
        "to": Time("where it ends, after from"),
    },
    required=("from", "to"),
)
_TIMELINE = Record(
    "the run's window in match time (T0 = kickoff, negative before)",
    {
        "start": Time("where the run begins, e.g. -10m"),
        "end": Time("where the run ends, after start"),
        "phases": Items(
            "the phases in time order, the first at start (default: pre-match, and "
            "kickoff from -1m)",
            _PHASE,
            at_least=1,
        ),
        "peak": Text(
            "the phase that is the kickoff window (default: the phase at T0, else the last)"
        ),
        "real_time": Items(
            "stretches of match time that run at fault_time_scale like the faults' "
            "own (default none; a control run keeps its experiment's)",
            _STRETCH,
        ),
    },
    required=("start", "end"),
)
_POINT = Record(
    "concurrent viewers wanted at a moment (linear in between)",
    {
        "at": Time("in match time"),
        "viewers": Number(
            "concurrent viewers at full scale", integer=True, minimum=0, maximum=MAX_VIEWERS
        ),
    },
    required=("at", "viewers"),
)
_API_USERS = Record(
    "users who call the API without watching",
    {
        "kind": Text("a flow the journey's api_users defines (see docs/journeys.md)"),
        "users": Number(
            "how many, for the whole run", integer=True, minimum=1, maximum=MAX_VIEWERS
        ),
        "interval": Time("real time between one user's requests (not time-scaled)", duration=True),
    },
    required=("kind", "users", "interval"),
)
_AUDIENCE = Record(
    "who watches, and when",
    {
        "event": Text(
            "the event to watch, {event} in the journey's templates (default: the journey chooses)"
        ),
        "stream": Text(
            "a master playlist (HLS) or MPD (DASH) URL every viewer plays, skipping the "
            "app's journey (no app calls before the player)"
        ),
        "scale": Number("multiplies every viewers value (default 1)", above=0, maximum=1000),
        "viewers": Items(
            "the audience curve: points in time order (besides or instead of arrivals)",
            _POINT,
            at_least=1,
        ),
        "clients": Shares(
            "shares of client types (default web 0.5, app 0.35, tv 0.15)", CLIENT_TYPES
        ),
        "fidelity": Record(
            "per client type, how much of the stream its viewers download: full "
            "(default: segments too) or manifest (journey, playlists/MPDs and each "
            "segment's first bytes; no QoE figures)",
            {
                name: Choice(f"the {name} viewers' tier", FIDELITIES, noun="fidelity")
                for name in CLIENT_TYPES
            },
        ),
        "subscribers": Number(
            "share of viewers who log in as subscribers (default 0)", minimum=0, maximum=1
        ),
        "newcomers": Number(
            "share of viewers without an account, who sign up (and book) before "
            "they watch; never subscribers (default 0)",
            minimum=0,
            maximum=1,
        ),
        "api_users": Items("API users besides the viewers (default none)", _API_USERS),
        "forecast": Count(
            "the peak of concurrent viewers expected on the day, e.g. 1.2M: `harness "
            "capacity` reports the headroom against it (default none)",
            maximum=10_000_000_000,
        ),
        **OPEN_MODEL,
    },
)
_SLO = Record(
    "a service level objective, judged in one phase",
    {
        "metric": MetricName(
            "what is judged: a viewer metric, or a request metric over all "
            "requests or of one of the scenario's request groups"
        ),
        "max": Threshold("the highest value that passes"),
        "min": Threshold("the lowest value that passes"),
        "phase": Text(
            "overall (default), baseline, peak, during:<fault>, recovery:<fault> or a "
            "timeline phase"
        ),
    },
    required=("metric",),
    exactly_one=("max", "min"),
)
_FAULT = Record(
    "a fault injected at a moment and reverted after a while",
    {
        "name": Text("unique among the faults; SLO phases during:<name> and recovery:<name>"),
        "kind": Choice(
            "what the fault does (see docs/faults.md)", (*KINDS, RANDOM), noun="fault kind"
        ),
        "target": Text(
            "the link (for link kinds) or component or zone:<zone> it hits; for random, "
            "any or one of those"
        ),
        "at": Time("when it is injected, in match time"),
        "for": Time("how long it lasts (default: until the end)", duration=True),
        "recover_within": Time(
            "the recovery budget: how long the stack may take to be back to its "
            "pre-fault band, from the revert (from the injection for self-healing "
            "kinds); default 30s",
            duration=True,
        ),
        "params": FreeMapping("settings of the fault's kind (default none)"),
    },
    required=("name", "kind", "target", "at"),
)
_BY_HAND = Record(
    "a fault someone does outside kickoff while the run goes, marked with "
    "`harness mark start|end NAME` (docs/faults.md)",
    {
        "name": Text("unique among all faults; SLO phases during:<name> and recovery:<name>"),
        "recover_within": Time("the recovery budget from the end mark; default 30s", duration=True),
    },
    required=("name",),
)
_HALT = Record(
    "stop the run (reverting every fault) when this holds for a while",
    {
        "metric": MetricName("the per-second metric watched (like an SLO's metric)"),
        "above": Threshold("halt while the metric is above this"),
        "below": Threshold("halt while the metric is below this"),
        "for": Time("wall-clock time it must hold before the run halts", duration=True),
    },
    required=("metric", "for"),
    exactly_one=("above", "below"),
)
FORMAT = Record(
    "a kickoff match-day scenario",
    {
        "name": Text(
            "names the run's results folder",
            pattern="^[a-z0-9][a-z0-9-]*$",
            longest=100,
            rule="a valid name (lowercase letters, digits and '-', starting with a letter "
            "or digit)",
        ),
        "description": Text("what the scenario shows", blank=True),
        "platform": Choice(
            "where the stack runs (default local)", tuple(PLATFORMS), noun="platform"
        ),
        "targets": FileName("with platform external: the targets file, relative to this file"),
        "journey": JourneySpec(
            "what the app does before the player: a journey file (relative to "
            "this file), the steps inline, or {python: FILE.py:Class}; see "
            "docs/journeys.md"
        ),
        "time_scale": Number(
            "how many times faster than real time the timeline runs (default 1)",
            minimum=0.01,
            maximum=10_000,
        ),
        "fault_time_scale": Number(
            "how many times faster than real time each fault and the spans "
            "judged around it run (default 1: real time, as players live in "
            "real seconds; never faster than time_scale)",
            minimum=0.01,
            maximum=10_000,
        ),
        "seed": Number(
            "random seed (default 1)", integer=True, minimum=-(2**63), maximum=2**63 - 1
        ),
        "timeline": _TIMELINE,
        "audience": _AUDIENCE,
        "slos": Items("service level objectives (default none)", _SLO),
        "faults": Items("faults on the timeline (default none)", _FAULT),
        "faults_by_hand": Items(
            "faults done by hand during the run, for SLOs to judge (default none)", _BY_HAND
        ),
        "halt_if": Items("abort conditions (default none)", _HALT),
        "cmcd": Choice(
            "players send CTA-5004 client data with every request, as a query "
            "argument or as headers (default off)",
            CMCD_MODES,
            noun="CMCD mode",
        ),
        "server_metrics": QueriesOrFile(
            "the platform's own figures to read each second from the stack's "
            "Prometheus (the reference stack's, or its targets file's prometheus): "
            "name -> PromQL query, or a YAML file of them (relative to this file); "
            "see docs/scenarios.md#server-metrics"
        ),
        "stack_size": Choice(
            "the reference stack's size for this run (platforms local and docker): "
            "normal, or small, whose limits one machine's load can reach (default: "
            "as it runs, normal if it is down)",
            STACK_SIZES,
            noun="stack size",
        ),
    },
    required=("name", "timeline", "audience"),
)


def check(document: Document, source: Path) -> tuple[dict, tuple[str, ...] | None]:
    """The file's values, read and checked, and the scenario's request groups;
    every problem is reported to `document`. Keys left out stay out (defaults
    are the model's)."""
    values = FORMAT.read(document.data, (), document) or {}
    timeline = values.get("timeline") or {}
    span = _span(timeline, document)
    phase_names = _check_phases(timeline, span, document)
    _check_stretches(timeline.get("real_time") or [], span, document)
    _check_times(
        _values((values.get("audience") or {}).get("viewers") or [], "at"),
        ("audience", "viewers"),
        span,
        document,
        noun="point",
        closed=True,
    )
    _check_times(
        _values((values.get("audience") or {}).get("arrivals") or [], "at"),
        ("audience", "arrivals"),
        span,
        document,
        noun="point",
        closed=True,
    )
    if values.get("audience") is not None:  # absent or not a mapping: reported already
        check_open_model(values["audience"], span, document)
    _check_peak(values.get("audience") or {}, document)
    _check_newcomers(values.get("audience") or {}, document)
    _check_stack_size(values, document)
    stack = scenario_stack(values, source, document)
    check_edge(values, stack, document)
    faults = _check_faults(
        values.get("faults") or [],
        span,
        _fault_targets(stack),
        values.get("platform", "local"),
        document,
    )
    by_hand = _check_by_hand(values.get("faults_by_hand") or [], faults, document)
    journey = check_viewers(values, stack, source, document)
    # A journey with problems names no groups yet: its SLOs are checked once it is fixed.
    groups = None if journey is False else request_groups(journey, _manifest_tier(values))
    servers = _check_server_metrics(values.get("server_metrics") or {}, stack, document)
    _check_slos(values.get("slos") or [], phase_names, faults, by_hand, groups, servers, document)
    _check_halts(values.get("halt_if") or [], groups, document)
    return values, groups


def _check_server_metrics(
    queries: dict[str, str], stack: Stack | None, document: Document
) -> tuple[str, ...] | None:
    """The scenario's server_metrics, read from a stack that has a Prometheus
    and not naming one of the stack's own otherwise; the names SLOs may use
    (None: the stack is not known yet)."""
    if stack is None:
        return None
    own = stack.server.queries if stack.server else {}
    if queries and stack.server is None:
        document.problem(
            ("server_metrics",),
            f"the {stack.platform} stack has no Prometheus to read them from "
            "(give its targets file prometheus:, see docs/scenarios.md#targets-file)",
        )
    for name, query in queries.items():
        if name in own and own[name] != query:
            document.problem(
                ("server_metrics", name),
                f"the {stack.platform} stack reads {name!r} already, as another query "
                f"({shown(own[name])}): give this one another name",
            )
    return tuple(dict.fromkeys([*own, *queries]))


def _check_stretches(stretches: list, span: tuple[float, float] | None, document: Document) -> None:
    """timeline.real_time: each stretch from before to, inside the timeline."""
    for index, stretch in enumerate(stretches):
        if not stretch or "from" not in stretch or "to" not in stretch:
            continue
        where = ("timeline", "real_time", index)
        if stretch["to"] <= stretch["from"]:
            document.problem(
                (*where, "to"),
                f"{format_time(stretch['to'])} is not after from {format_time(stretch['from'])}",
            )
        elif span and (stretch["from"] < span[0] or stretch["to"] > span[1]):
            document.problem(
                where,
                f"{format_time(stretch['from'])}..{format_time(stretch['to'])}"
                f" is not inside the timeline ({format_time(span[0])}.."
                f"{format_time(span[1])})",
            )


def _check_stack_size(values: dict, document: Document) -> None:
    """A size is for a stack kickoff brings up, never somebody else's."""
    platform = values.get("platform", "local")
    if "stack_size" in values and platform in PLATFORMS and not PLATFORMS[platform].sizes:
        sized = ", ".join(name for name, spec in PLATFORMS.items() if spec.sizes)
        document.problem(
            ("stack_size",),
            f"platform {platform} runs a stack kickoff does not "
            f"bring up, so kickoff cannot size it (stack_size is for {sized}; remove "
            f"it, or size that stack yourself)",
        )


def _manifest_tier(values: dict) -> bool:
    """Whether the file gives manifest fidelity to a client type with viewers."""
    audience = values.get("audience") or {}
    clients = audience.get("clients") or DEFAULT_CLIENTS
    return any(
        tier == MANIFEST and clients.get(name, 0) > 0
        for name, tier in (audience.get("fidelity") or {}).items()
    )


def _check_peak(audience: dict, document: Document) -> None:
    viewers = [p["viewers"] for p in audience.get("viewers") or [] if p and p.get("viewers")]
    scale = audience.get("scale", 1.0)
    if viewers and scale and max(viewers) * scale > MAX_VIEWERS:
        document.problem(
            ("audience", "scale"),
            f"makes a peak of {max(viewers) * scale:,.0f} "
            f"viewers; at most {MAX_VIEWERS:,} can be run",
        )


def _check_newcomers(audience: dict, document: Document) -> None:
    """A viewer is never both a subscriber and a newcomer: the shares add up to 1 at most."""
    newcomers, subscribers = audience.get("newcomers"), audience.get("subscribers", 0.0)
    if newcomers is not None and subscribers is not None and newcomers + subscribers > 1 + 1e-9:
        document.problem(
            ("audience", "newcomers"),
            f"{newcomers:g} and subscribers "
            f"{subscribers:g} add up to more than 1 (a "
            f"viewer is never both; lower one of them)",
        )


def _check_halts(halts: list, groups: tuple[str, ...] | None, document: Document) -> None:
    for index, halt in enumerate(halts):
        if halt is None:
            continue
        if str(halt.get("metric")).startswith(f"{SERVER}."):
            document.problem(
                ("halt_if", index, "metric"),
                "a server metric cannot be a halt condition (its figure comes after "
                "the second is recorded; judge it with an SLO)",
            )
            continue
        found = check_metric(halt.get("metric"), groups, ("halt_if", index, "metric"), document)
        for bound in ("above", "below"):
            if found and halt.get(bound):
                value, written = halt[bound]
                _check_threshold(value, written, found, ("halt_if", index, bound), document)


def _span(timeline: dict, document: Document) -> tuple[float, float] | None:
    start, end = timeline.get("start"), timeline.get("end")
    if start is None or end is None:
        return None
    if end <= start:
        document.problem(
            ("timeline", "end"), f"{format_time(end)} is not after start {format_time(start)}"
        )
        return None
    return start, end


def _check_phases(
    timeline: dict, span: tuple[float, float] | None, document: Document
) -> list[str] | None:
    """Check the phases and the peak; return the phase names (None while unknown)."""
    if "phases" in timeline:
        phases = timeline["phases"] or []
        _check_phase_list(phases, span, document)
        names = _names(phases)
    else:
        names = [phase.name for phase in default_phases(*span)] if span else None
    peak = timeline.get("peak")
    if peak is not None and names is not None and peak not in names:
        unknown(document, ("timeline", "peak"), f"no phase is named {peak!r}", peak, names)
    return names


def _check_phase_list(phases: list, span: tuple[float, float] | None, document: Document) -> None:
    times = _values(phases, "at")
    _check_times(times, ("timeline", "phases"), span, document, noun="phase", closed=False)
    if span and times and times[0] is not None and times[0] > span[0]:
        document.problem(
            ("timeline", "phases", 0, "at"),
            f"the first phase starts at "
            f"{format_time(times[0])}, not where the timeline starts (add a phase "
            f"at {format_time(span[0])}, e.g. pre-match)",
        )
    seen = set()
    for index, name in enumerate(_values(phases, "name")):
        where = ("timeline", "phases", index, "name")
        if name in SLO_PHASES or (name and ":" in name):
            document.problem(where, f"{name!r} is reserved for SLO phases (choose another name)")
        elif name is not None and name in seen:
            document.problem(
                where, f"another phase is already named {name!r} (phase names are unique)"
            )
        seen.add(name)


def _check_times(
    times: list,
    where: Where,
    span: tuple[float, float] | None,
    document: Document,
    *,
    noun: str,
    closed: bool,
) -> None:
    """Each time lies in the timeline and comes after the one before."""
    previous = None
    for index, at in enumerate(times):
        if at is None:
            continue
        inside = _check_inside(at, span, where + (index, "at"), document, closed=closed)
        if inside and previous is not None and at <= previous:
            document.problem(
                where + (index, "at"),
                f"{format_time(at)} is not after the "
                f"{noun} before it at {format_time(previous)} (list them in time "
                f"order, one per moment)",
            )
        previous = at


def _check_inside(
    at: float, span: tuple[float, float] | None, where: Where, document: Document, *, closed: bool
) -> bool:
    """Whether `at` lies in the timeline, [start, end] or (not closed) [start, end)."""
    if span is None or (span[0] <= at <= span[1] if closed else span[0] <= at < span[1]):
        return True
    document.problem(
        where,
        f"{format_time(at)} is outside the timeline [{format_time(span[0])}, "
        f"{format_time(span[1])}{']' if closed else ')'}",
    )
    return False


@dataclass(frozen=True)
class _Targets:
    """What faults may hit and which drivers can hit it (None: anything)."""

    components: list[str] | None
    links: list[str] | None
    zones: list[str]
    drivers: tuple[str, ...] | None
    contexts: dict[str, dict]  # the drivers' contexts, for what only they can tell


def _fault_targets(stack: Stack | None) -> _Targets:
    if stack is None:
        return _Targets(None, None, [], None, {})
    named = bool(stack.components or stack.links)  # a targets file that names none: anything
    return _Targets(
        [c.name for c in stack.components] if named else None,
        [link.name for link in stack.links] if named else None,
        list(stack.zones),
        stack.drivers,
        stack.contexts,
    )


def _check_faults(
    faults: list,
    span: tuple[float, float] | None,
    stack: _Targets,
    platform: str,
    document: Document,
) -> dict[str, dict] | None:
    """Check the faults; return them by name (None while a name is unknown)."""
    by_name: dict[str, dict] = {}
    for index, fault in enumerate(faults):
        if fault is None:
            continue
        where = ("faults", index)
        name, at = fault.get("name"), fault.get("at")
        if name is not None and name in by_name:
            document.problem(
                where + ("name",),
                f"another fault is already named {name!r} (fault names are unique)",
            )
        by_name.setdefault(name, fault)
        if at is not None:
            _check_inside(at, span, where + ("at",), document, closed=False)
        if fault.get("kind") == RANDOM:
            _check_random(fault, stack, platform, where, document)
        elif fault.get("kind") in KINDS:
            _check_fault_kind(fault, stack, platform, where, document)
    return by_name if _names(faults) is not None else None


def _check_fault_kind(
    fault: dict, stack: _Targets, platform: str, where: Where, document: Document
) -> None:
    kind = KINDS[fault["kind"]]
    if stack.drivers is not None and kind.driver not in stack.drivers:
        document.problem(where + ("kind",), _unsupported(kind.name, kind.driver, platform))
    known = document.problem_count
    _check_target(fault.get("target"), kind.name, kind.hits, stack, where + ("target",), document)
    target_known = document.problem_count == known
    params = fault.get("params", {})  # left out: none given, so required ones are missing
    if params and not kind.params.fields and kind.params.extra is None:
        document.problem(where + ("params",), f"{kind.name} takes no params (remove params)")
    elif params is not None:  # None: already reported
        kind.params.read(params, where + ("params",), document)
        if isinstance(params, dict):
            for place, message in kind.params_problems(params):
                document.problem(where + ("params",) + place, message)
    if target_known and isinstance(fault.get("target"), str) and isinstance(params, dict):
        for place, message in kind.problems_on(fault["target"], params, stack.contexts):
            document.problem(where + place, message)


def _unsupported(kind: str, driver: str, platform: str) -> str:
    return (
        f"{kind} is a {driver} fault, which platform {platform} cannot carry out (it needs "
        f"platform {offered_by(driver)})"
    )


def _check_target(
    target: str | None, kind: str, hits: str, stack: _Targets, where: Where, document: Document
) -> None:
    if target is None:
        return
    if hits == "link":
        if stack.links is None or target in stack.links:
            return
        if target.startswith("zone:") or target in (stack.components or ()):
            what = "zone" if target.startswith("zone:") else "component"
            document.problem(
                where,
                f"{target!r} is a {what}, and {kind} hits a link (target a "
                f"link, or choose a kind that hits components)",
            )
        else:
            unknown(document, where, f"the stack has no link named {target!r}", target, stack.links)
        return
    zone = target.removeprefix("zone:")
    if target.startswith("zone:"):
        if stack.components is not None and zone not in stack.zones:
            unknown(
                document,
                where,
                f"the stack has no zone {zone!r}",
                zone,
                stack.zones or ["(none)"],
                None if stack.zones else "this stack's description names no zones",
            )
    elif stack.links is not None and target in stack.links:  # links: None with components
        document.problem(
            where,
            f"{target!r} is a link, and {kind} hits a component or zone "
            f"(target one of those, or choose a kind that hits links)",
        )
    elif stack.components is not None and target not in stack.components:
        unknown(
            document,
            where,
            f"the stack has no component named {target!r}",
            target,
            stack.components,
        )


def _check_random(
    fault: dict, stack: _Targets, platform: str, where: Where, document: Document
) -> None:
    if "params" not in fault:
        document.problem(
            where + ("params",), "random needs params every and kinds (see docs/faults.md)"
        )
    elif fault["params"] is not None:  # None: already reported
        picked = RANDOM_PARAMS.read(fault["params"], where + ("params",), document) or {}
        for index, name in enumerate(picked.get("kinds") or []):
            kind = KINDS.get(name)
            if kind and stack.drivers is not None and kind.driver not in stack.drivers:
                document.problem(
                    where + ("params", "kinds", index),
                    _unsupported(kind.name, kind.driver, platform),
                )
    target = fault.get("target")
    if target is None or target == "any":
        return
    if target.startswith("zone:"):
        _check_target(target, RANDOM, "component", stack, where + ("target",), document)
    elif (
        stack.components is not None
        and stack.links is not None
        and target not in stack.components + stack.links
    ):
        unknown(
            document,
            where + ("target",),
            f"the stack has no component or link named {target!r}",
            target,
            ["any", *stack.components, *stack.links],
        )


def _check_by_hand(faults: list, scheduled: dict[str, dict] | None, document: Document) -> set[str]:
    """The names of the faults done by hand; a name another fault has is a problem."""
    names: set[str] = set()
    for index, fault in enumerate(faults):
        name = (fault or {}).get("name")
        if name is None:
            continue
        if name in names or name in (scheduled or {}):
            document.problem(
                ("faults_by_hand", index, "name"),
                f"another fault is already named {name!r} (fault names are unique)",
            )
        names.add(name)
    return names


def _check_slos(
    slos: list,
    phase_names: list[str] | None,
    faults: dict[str, dict] | None,
    by_hand: set[str],
    groups: tuple[str, ...] | None,
    servers: tuple[str, ...] | None,
    document: Document,
) -> None:
    for index, slo in enumerate(slos):
        if slo is None:
            continue
        where = ("slos", index)
        found = check_metric(slo.get("metric"), groups, where + ("metric",), document, servers)
        for bound in OPS:
            if found and slo.get(bound):
                value, written = slo[bound]
                _check_threshold(value, written, found, where + (bound,), document)
        phase = slo.get("phase", "overall")
        _check_slo_phase(phase, phase_names, faults, by_hand, where + ("phase",), document)
        if found and phase is not None and (problem := span_problem(found, phase)):
            document.problem(where + ("phase",), problem)


def _check_threshold(
    value: float, written: str, metric: Metric, where: Where, document: Document
) -> None:
    fits = "a duration like 4s" if metric.unit == "s" else "a number"
    if written == "percent" and metric.unit != "ratio":
        document.problem(
            where,
            f"a percentage fits only a ratio, and {metric.name} is measured "
            f"in {metric.unit} (write {fits})",
        )
    elif written == "duration" and metric.unit != "s":
        document.problem(
            where,
            f"a duration fits only a time, and {metric.name} is measured in "
            f"{metric.unit} (write {fits})",
        )
    elif metric.unit == "ratio" and value > 1:
        document.problem(
            where,
            f"{value:g} is more than the whole; {metric.name} is a ratio "
            f"from 0 to 1 (write e.g. 5% or 0.05)",
        )


def _check_slo_phase(
    phase: str | None,
    phase_names: list[str] | None,
    faults: dict[str, dict] | None,
    by_hand: set[str],
    where: Where,
    document: Document,
) -> None:
    if phase is None or phase in SLO_PHASES:
        return
    fault = fault_of(phase)
    if fault is not None:
        if fault in by_hand:  # judged from its start mark, and from its end mark
            return
        if faults is not None and fault not in faults:
            unknown(
                document,
                where,
                f"no fault is named {fault!r}",
                fault,
                [*faults, *sorted(by_hand)],
                None if faults or by_hand else "the scenario has no faults",
            )
        elif (
            faults is not None
            and span_kind(phase) == "recovery"
            and "for" not in faults[fault]
            and not getattr(KINDS.get(faults[fault].get("kind") or ""), "self_healing", False)
        ):
            document.problem(
                where,
                f"fault {fault!r} lasts until the end, so it has no recovery (give it a `for`)",
            )
    elif phase_names is not None and phase not in phase_names:
        unknown(
            document,
            where,
            f"unknown phase {phase!r}",
            phase,
            [*SLO_PHASES, *phase_names],
            f"use overall, baseline, peak, during:<fault>, recovery:<fault> or a timeline "
            f"phase: {', '.join(phase_names)}",
        )


def _values(items: list, key: str) -> list:
    """Each item's value of `key`; None where the item or its value is invalid or absent."""
    return [item.get(key) if item is not None else None for item in items]


def _names(items: list) -> list[str] | None:
    names = _values(items, "name")
    return None if None in names else names
