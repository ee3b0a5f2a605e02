"""The open audience model's part of the scenario format (audience.arrivals,
watch, push and leaving) and the rules between its fields: times inside the
timeline and in order, names unique, a run's arrivals within what can be run.
harness/load/arrivals does the maths; docs/scenarios.md is the user's reference.
"""

from __future__ import annotations

from itertools import pairwise

from harness.scenario.arrival_rates import arrivals_between
from harness.scenario.model import CLIENT_TYPES, ArrivalPoint
from harness.spec.document import Document, Where
from harness.spec.fields import Choice, Items, Number, Record, Text, Time
from harness.spec.quantities import format_time

MAX_RATE = 10_000_000  # viewers a second, at full scale
MAX_ARRIVALS = 1_000_000  # arriving viewers in one run, scaled: each is drawn in every process
_SHARE = "a share from 0 to 1"

ARRIVAL = Record(
    "viewers arriving per second or per minute of match time at a moment (linear "
    "in between), at full scale",
    {
        "at": Time("in match time"),
        "per_second": Number("viewers arriving each second", minimum=0, maximum=MAX_RATE),
        "per_minute": Number("viewers arriving each minute", minimum=0, maximum=MAX_RATE * 60),
    },
    required=("at",),
    exactly_one=("per_second", "per_minute"),
)
WATCH = Record(
    "how long an arriving viewer watches, in match time: log-normal with this "
    "median and 90th percentile (default: until the end of the run)",
    {
        "median": Time("half of them watch less than this", duration=True),
        "p90": Time("nine in ten watch less than this (more than the median)", duration=True),
    },
    required=("median", "p90"),
)
PUSH = Record(
    "a push notification: a share of the people it reached arrive within a few seconds",
    {
        "name": Text("names the spike (unique among push)"),
        "at": Time("when the notification goes out, in match time"),
        "audience": Choice(
            "the client type it reaches (push goes to apps on devices: app, or web and tv apps)",
            CLIENT_TYPES,
            noun="client type",
        ),
        "reach": Number(
            "people it reaches, at full scale (scaled like viewers)",
            integer=True,
            minimum=1,
            maximum=MAX_RATE * 100,
        ),
        "share": Number(f"of them, those who open it and watch: {_SHARE}", minimum=0, maximum=1),
        "within": Time("they arrive evenly spread over this, e.g. 10s", duration=True),
    },
    required=("name", "at", "audience", "reach", "share", "within"),
)
LEAVING = Record(
    "a moment viewers leave the player, e.g. half-time or the final whistle",
    {
        "name": Text("names the moment (unique among leaving)"),
        "at": Time("when they start to leave, in match time"),
        "share": Number(
            f"of the viewers watching then, those who leave: {_SHARE}", minimum=0, maximum=1
        ),
        "within": Time("they leave evenly spread over this, e.g. 2m", duration=True),
        "flow": Text(
            "a flow of the journey's `leaving` each runs on the way out (e.g. home: the "
            "app's home screen; default none)"
        ),
        "back": Time("when they come back, in match time (default: they leave for good)"),
        "back_within": Time(
            "they come back evenly spread over this (default: all at `back`)", duration=True
        ),
    },
    required=("name", "at", "share", "within"),
)
FIELDS = {
    "arrivals": Items(
        "the open model: arrival rates at points in time order (besides or instead of viewers)",
        ARRIVAL,
        at_least=1,
    ),
    "watch": WATCH,
    "push": Items("push-notification spikes (default none)", PUSH),
    "leaving": Items("moments viewers leave, in time order (default none)", LEAVING),
}


def check_open_model(audience: dict, span: tuple[float, float] | None, document: Document) -> None:
    """The rules between the open model's fields (each reported once)."""
    if not any(key in audience for key in ("viewers", "arrivals", "push")):
        document.problem(
            ("audience", "viewers"),
            "is required but missing (or write arrivals "
            "or push: viewers arriving; see "
            "docs/scenarios.md)",
        )
    watch = audience.get("watch") or {}
    if "watch" in audience and not any(key in audience for key in ("arrivals", "push")):
        document.problem(
            ("audience", "watch"),
            "is how long arriving viewers watch, and this "
            "audience has none (add arrivals or push, or "
            "remove watch)",
        )
    if watch.get("median") and watch.get("p90") and watch["p90"] <= watch["median"]:
        document.problem(
            ("audience", "watch", "p90"),
            f"{format_time(watch['p90'])} is not more "
            f"than the median {format_time(watch['median'])}",
        )
    _check_unique(audience.get("push") or [], ("audience", "push"), document)
    _check_unique(audience.get("leaving") or [], ("audience", "leaving"), document)
    for index, push in enumerate(audience.get("push") or []):
        if push and push.get("at") is not None and span:
            _inside(push["at"], span, ("audience", "push", index, "at"), document)
    _check_leaving(audience.get("leaving") or [], span, document)
    if span:
        _check_total(audience, span, document)


def _check_unique(items: list, where: Where, document: Document) -> None:
    seen = set()
    for index, item in enumerate(items):
        name = (item or {}).get("name")
        if name is not None and name in seen:
            document.problem(
                where + (index, "name"),
                f"another entry is already named {name!r} (names are unique)",
            )
        seen.add(name)


def _inside(at: float, span: tuple[float, float], where: Where, document: Document) -> bool:
    if span[0] <= at < span[1]:
        return True
    document.problem(
        where,
        f"{format_time(at)} is outside the timeline [{format_time(span[0])}, "
        f"{format_time(span[1])})",
    )
    return False


def _check_leaving(leaving: list, span: tuple[float, float] | None, document: Document) -> None:
    before = None  # when the moment before is over (its viewers back, or gone)
    for index, moment in enumerate(leaving):
        if not moment or moment.get("at") is None:
            continue
        where = ("audience", "leaving", index)
        at, within, back = moment["at"], moment.get("within") or 0.0, moment.get("back")
        if span and not _inside(at, span, where + ("at",), document):
            continue
        if before is not None and at < before:
            document.problem(
                where + ("at",),
                f"{format_time(at)} is before the moment before it "
                f"is over at {format_time(before)} (list them in time order; each "
                f"starts once the viewers of the one before are back)",
            )
        if back is not None and back < at + within:
            document.problem(
                where + ("back",),
                f"{format_time(back)} is before the last of them "
                f"left at {format_time(at + within)} (back is after at + within)",
            )
        if "back_within" in moment and back is None:
            document.problem(
                where + ("back_within",),
                "is for viewers who come back (add back, or remove back_within)",
            )
        before = (back + (moment.get("back_within") or 0.0)) if back is not None else at + within


def _check_total(audience: dict, span: tuple[float, float], document: Document) -> None:
    """The run's arrivals, scaled, are at most MAX_ARRIVALS."""
    points = [p for p in audience.get("arrivals") or [] if p and p.get("at") is not None]
    rates = [
        ArrivalPoint(
            p["at"],
            p.get("per_second") or p.get("per_minute") or 0.0,
            "second" if "per_second" in p else "minute",
        )
        for p in points
    ]
    if len(rates) != len(audience.get("arrivals") or []) or any(
        b.at <= a.at for a, b in pairwise(rates)
    ):
        return  # reported already
    scale = audience.get("scale") or 1.0
    total = arrivals_between(rates, *span) * scale if rates else 0.0
    total += sum(
        round((p.get("share") or 0) * (p.get("reach") or 0) * scale)
        for p in audience.get("push") or []
        if p
    )
    if total > MAX_ARRIVALS:
        document.problem(
            ("audience", "arrivals" if rates else "push"),
            f"bring {total:,.0f} viewers over the run; at most {MAX_ARRIVALS:,} can "
            f"be drawn (lower audience.scale, or the rates)",
        )
