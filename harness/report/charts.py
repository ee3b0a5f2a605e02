"""The report's four charts over match time: viewers, requests, latency and
startup, each with kickoff, the phases, every fault window, every stretch
of seconds with a saturated load generator and each of its stalls marked."""

from __future__ import annotations

from collections.abc import Sequence

from harness.judge.verdict import fault_window
from harness.measure.metrics import PLAYER_GROUPS
from harness.measure.saturation import SATURATED as SATURATED_MARK
from harness.measure.saturation import marks
from harness.measure.units import format_value
from harness.report.svg import Axis, Frame, Marker, Series, Span, line_chart
from harness.report.timeline import Bin, bins
from harness.runfolder.recorder import Second
from harness.spec.quantities import match_clock

# Okabe-Ito colours: told apart with every common colour vision deficiency.
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, GREY, BLACK = "#56B4E9", "#CC79A7", "#6b7280", "#1f2937"
YELLOW = "#F0E442"
# The player's groups keep their colours in every run; the journey's groups
# take the others in order, and dashed lines once those run out.
PLAYER_COLOURS = dict(zip(PLAYER_GROUPS, (ORANGE, BLUE), strict=True))
JOURNEY_COLOURS = (SKY, PURPLE, GREEN, VERMILLION, YELLOW, GREY)
SATURATED = (
    "load generator saturated: SLOs are judged without these seconds too, and "
    "generator-bound where that changes their verdict"
)


def _spans(faults: Sequence[dict], seconds: Sequence[Second], end: float) -> list[Span]:
    """Fault windows in match time, as the verdict reads them (verdict.fault_window):
    from injection to revert; one not reverted lasts to the end; a crash the stack
    heals by itself, until its recovery budget ends."""
    last = seconds[-1].window.second + 1
    spans = []
    for fault in faults:
        window = fault_window(fault, "during", last)
        if window is None or fault.get("injected_match_s") is None:
            continue
        if window[1] == fault.get("reverted_second"):
            stop = fault["reverted_match_s"]
        elif window[1] >= last:
            stop = end
        else:  # the match time of the second the window ends in
            stop = next(s.match_s for s in seconds if s.window.second + 1 >= window[1])
        spans.append(Span(fault["name"], fault["injected_match_s"], stop))
    return spans


def _spans_of(seconds: Sequence[Second], start: float) -> list[tuple[Second, Span]]:
    """Each second with its stretch of match time: from the match time the
    second before ended at (the first: the run's timeline start) to its own.
    The timeline maps wall to match time piecewise, so each second is read
    from the recorded match times, never from a time scale."""
    found, before = [], start
    for second in seconds:
        found.append((second, Span("", before, second.match_s)))
        before = second.match_s
    return found


def saturated_spans(seconds: Sequence[Second], start: float) -> list[Span]:
    """Stretches of seconds in which the load generator was saturated, in match
    time (harness.measure.saturation); start: the run's timeline start."""
    found = marks((s.window.second, s.window.generator) for s in seconds)
    spans: list[Span] = []
    for second, span in _spans_of(seconds, start):
        if found.of(second.window.second) == SATURATED_MARK:
            if spans and spans[-1].end == span.start:
                spans[-1] = Span(SATURATED, spans[-1].start, span.end)
            else:
                spans.append(Span(SATURATED, span.start, span.end))
    return spans


def stall_spans(seconds: Sequence[Second], start: float) -> list[Span]:
    """Each second in which the load generator stalled (not in a saturated
    stretch), labelled with the stall's size."""
    found = marks((s.window.second, s.window.generator) for s in seconds)
    stalls = found.stalls
    return [
        Span(
            f"load generator stalled {stalls[second.window.second]:.2f} s: what was "
            f"measured in this second and the next is also judged without it (durations "
            f"shortened by it, counts left out)",
            span.start,
            span.end,
        )
        for second, span in _spans_of(seconds, start)
        if second.window.second in stalls
    ]


def _markers(phases: Sequence[dict], start: float, end: float) -> list[Marker]:
    markers = [
        Marker(p["name"], p["from_match_s"], "phase")
        for p in phases
        if p.get("from_match_s") is not None
    ]
    return markers + ([Marker("kickoff", 0.0, "kickoff")] if start <= 0 <= end else [])


def _plain(value: float) -> str:
    return format_value(value, "count")


def _duration(value: float) -> str:
    return format_value(value, "s")


def _share(value: float) -> str:
    return format_value(value, "ratio")


def _series(label: str, colour: str, points: Sequence[Bin], key: str, **style) -> Series:
    return Series(label, colour, [b.metrics[key] for b in points], **style)


def _group_series(groups: Sequence[str], points: Sequence[Bin]) -> list[Series]:
    """Requests per second of each request group, told apart by colour (and dashes)."""
    journey = [g for g in groups if g not in PLAYER_COLOURS]
    series = []
    for group in groups:
        key = f"requests_per_second.{group}"
        if group in PLAYER_COLOURS:
            series.append(_series(group, PLAYER_COLOURS[group], points, key))
        else:
            cycle, index = divmod(journey.index(group), len(JOURNEY_COLOURS))
            series.append(
                _series(group, JOURNEY_COLOURS[index], points, key, dashed=cycle % 2 == 1)
            )
    return series


def charts(
    summary: dict, seconds: Sequence[Second], timeline_start: float | None = None
) -> list[tuple[str, str]]:
    """(title, SVG) of each chart, in report order; none for a run without
    seconds. timeline_start: the match time the run started at (its
    run_started event; unknown: the first second is drawn from its end)."""
    if not seconds:
        return []
    groups = summary["request_groups"]
    points = bins(seconds, groups)
    began = seconds[0].match_s if timeline_start is None else timeline_start
    saturated, stalls = saturated_spans(seconds, began), stall_spans(seconds, began)
    # A first second that was marked is shown from its beginning, not only its end.
    start = min([points[0].match_s] + [span.start for span in saturated + stalls])
    end = max(points[-1].match_s, points[0].match_s + 1)
    frame = Frame(
        [b.match_s for b in points],
        start,
        end,
        match_clock,
        _spans(summary.get("faults") or [], seconds, end),
        _markers(summary.get("phases") or [], start, end),
        saturated,
        stalls,
    )
    specs = [
        (
            "viewers",
            "Viewers: target, joining, playing and stalled; arrivals and departures",
            [
                Series("target", GREY, [b.target_viewers for b in points], dashed=True),
                Series("joining", ORANGE, [b.joining for b in points]),
                Series("playing", GREEN, [b.playing for b in points]),
                Series("stalled", VERMILLION, [b.stalled for b in points]),
                Series(
                    "arrivals/s", BLUE, [b.arrivals_per_s for b in points], dashed=True, right=True
                ),
                Series(
                    "departures/s",
                    PURPLE,
                    [b.departures_per_s for b in points],
                    dashed=True,
                    right=True,
                ),
            ],
            Axis("viewers", _plain),
            Axis("arrivals, departures per second", _plain),
        ),
        (
            "requests",
            "Requests per second by request group, and failed requests",
            [
                *_group_series(groups, points),
                Series("failed", BLACK, [b.failed_per_s for b in points], dashed=True),
            ],
            Axis("requests/s", _plain),
            None,
        ),
        (
            "latency",
            "Latency of all requests: p50, p95, p99 (log scale)",
            [
                _series("p50", SKY, points, "latency_p50"),
                _series("p95", BLUE, points, "latency_p95"),
                _series("p99", PURPLE, points, "latency_p99"),
            ],
            Axis("latency, log scale", _duration, log=True),
            None,
        ),
        (
            "startup",
            "Startup time of the viewers who started, and rebuffering ratio",
            [
                _series("startup p50", GREEN, points, "startup_time_p50"),
                _series("startup p95", BLUE, points, "startup_time_p95"),
                _series(
                    "rebuffering", VERMILLION, points, "rebuffering_ratio", dashed=True, right=True
                ),
            ],
            Axis("startup time", _duration),
            Axis("rebuffering ratio", _share),
        ),
    ]
    specs += [
        (
            f"server-{name}",
            f"Server metric {name} from the platform's Prometheus (a gap: no figure)",
            [Series(name, BLUE, [b.server.get(name) for b in points])],
            Axis(name, _plain),
            None,
        )
        for name in (summary.get("server") or {}).get("metrics", {})
    ]
    return [
        (title, line_chart(key, title, frame, series, left, right))
        for key, title, series, left, right in specs
    ]
