"""What a browser player spends between a segment's last byte and the
picture, read from the yardstick page's trace (harness/calibrate/page.js):
the figures kickoff's web model takes (harness/load/clients.py), measured
again on every run of the tier and printed with the comparison table."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from harness.calibrate.figures import Figures

HLS_LOADED, HLS_BUFFERED = "frag_loaded", "frag_buffered"


def hls_js(trace: list) -> dict[str, float]:
    """hls.js: its first main segment's and later ones' processing (FRAG_LOADED
    to FRAG_BUFFERED), and the first frame after the segment it shows first is
    buffered."""
    loaded, buffered, processing = {}, {}, []
    playing = next((e[0] for e in trace if e[1] == "playing"), None)
    shown = next((tuple(e[2]) for e in trace if e[1] == "frag_changed"), None)
    for at, what, detail, *_ in trace:
        if what == HLS_LOADED and detail[0] == "main":
            loaded[(detail[1], detail[2])] = at
        elif what == HLS_BUFFERED and detail[0] == "main" and (detail[1], detail[2]) in loaded:
            buffered[(detail[1], detail[2])] = at
            processing.append(at - loaded[(detail[1], detail[2])])
    figures = {}
    if processing:
        figures["first processing"] = processing[0]
    if len(processing) > 1:
        figures["later processing"] = statistics.median(processing[1:])
    if playing is not None and shown in buffered:
        figures["first frame"] = playing - buffered[shown]
    return figures


def dash_js(trace: list) -> dict[str, float]:
    """dash.js: its setting up (the URL handed over to its first segment, an
    init segment, in), the first frame after its first media segments (video
    and audio) are in, and how much later than a segment's duration after the last one a track's
    next segment comes in (its schedule timer starts again once a segment is
    in and processed: that much drift a segment)."""
    playing = next((e[0] for e in trace if e[1] == "playing"), None)
    media = [e for e in trace if e[1] == "fragment_loaded" and e[2][1] == "MediaSegment"
             and e[2][6] is None]
    figures = {}
    first_in = next((e[0] for e in trace if e[1] == "fragment_loaded"), None)
    if first_in is not None:
        figures["setup"] = first_in  # the trace's times are from the URL handed over
    firsts = [next((e[0] for e in media if e[2][0] == kind), None) for kind in ("video", "audio")]
    firsts = [at for at in firsts if at is not None]
    if playing is not None and firsts and max(firsts) <= playing:
        figures["first frame"] = playing - max(firsts)
    drifts = []
    for kind in ("video", "audio"):
        loads = [(e[0], e[2][5]) for e in media if e[2][0] == kind]
        for (at, _), (later, duration) in zip(loads, loads[1:]):
            if duration and 0 <= later - at - duration < 0.1:  # on the timer, not after a gap
                drifts.append(later - at - duration)
    if drifts:
        figures["schedule drift"] = statistics.median(drifts)
    return figures


def medians(players: Iterable[Figures]) -> dict[str, dict[str, float]]:
    """Per player, the median of each figure over the traces."""
    found: dict[str, dict[str, list[float]]] = {}
    for figures in players:
        read = hls_js if figures.player.startswith("hls.js") else dash_js
        for name, value in read(figures.trace).items():
            found.setdefault(figures.player, {}).setdefault(name, []).append(value)
    return {player: {name: statistics.median(values) for name, values in named.items()}
            for player, named in found.items()}
