"""One live stream under three conditions at once, each played by kickoff's
web viewer and two real players side by side.

Every condition has a Toxiproxy proxy per player to the same upstream, so
all see the same link: clean; a bandwidth limit between the two
top renditions (the choice matters); a cut of CUT_S seconds from CUT_AT_S
(the proxies refuse connections, as kickoff's `cut` fault does). The three
run side by side, their starts STAGGER_S apart: the comparisons take little
more than the time of one.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import gevent

from harness.calibrate.agreement import FIGURES, Check, judge
from harness.calibrate.figures import Figures
from harness.calibrate.installed import Yardstick
from harness.calibrate.phase import Aligner
from harness.calibrate.side_by_side import play_both
from tests.streams.servers import toxiproxies

SECONDS = 25.0  # of play per comparison
CUT_AT_S, CUT_S = 8.0, 5.0
# Seconds between the starts of the conditions: a browser player's first
# seconds take most of a core (Chromium's start, the player's worker, the
# first appends), and starting three at once on two cores slows each start.
STAGGER_S = 6.0
CONDITIONS = ("clean", "bandwidth", "cut")
# kickoff's viewer and two real players: a real player's figures vary from one play to the
# next (agreement.py holds kickoff to the bounds around either)
SIDES = ("kickoff", "real-1", "real-2")


@dataclass(frozen=True)
class Compared:
    condition: str
    kickoff: Figures
    reals: list[Figures]
    checks: list[Check]
    rate_kbps: float | None  # the bandwidth condition's limit


def _api(api: str, method: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(),
                                     method=method, headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()


UP_FACTOR = 0.7  # hls.js abrBandWidthUpFactor: climbs to a rendition that fits 0.7 of its estimate
# The limit stays this far under the top rendition's announced bitrate: its segments weigh less
# than the peak it announces (ffmpeg's top fMP4 video: 1.20 Mbit/s a second where it announces
# 1.33 with its audio), and separate audio comes over a connection of its own, under a limit of
# its own. At the geometric middle (1.29 Mbit/s there) both hls.js once played the top rung
# through the limit without a stall.
TOP_SHARE = 0.8


def limit_kbps(ladder: Sequence[int]) -> float:
    """A bandwidth between the two top renditions (bits/s), as kbit/s, where the
    rung a player settles on does not turn on a few percent of measured throughput:
    the geometric middle of what hls.js needs to climb to each of them, at most
    TOP_SHARE of the top one's rate (else half way); with one rendition, half as much
    again as it needs. Half way between the two top rungs is a knife's edge: climbing
    to the lower one then takes 88% of the link on ffmpeg's ladder here."""
    if len(ladder) == 1:
        return 1.5 * ladder[0] / 1000
    lower, top = ladder[-2], ladder[-1]
    clear = min(math.sqrt(lower * top) / UP_FACTOR, TOP_SHARE * top)
    return (clear if clear > lower / UP_FACTOR else (lower + top) / 2) / 1000


def _condition(api: str, names: Sequence[str], condition: str, rate_kbps: float) -> None:
    """Put the condition on the proxies `names` (the cut: now, then back later)."""
    if condition == "bandwidth":
        for name in names:
            _api(api, "POST", f"/proxies/{name}/toxics",
                 {"name": "narrow", "type": "bandwidth", "stream": "downstream",
                  "attributes": {"rate": round(rate_kbps / 8)}})  # Toxiproxy's rate is KB/s
    elif condition == "cut":
        gevent.sleep(CUT_AT_S)
        for name in names:
            _api(api, "POST", f"/proxies/{name}", {"enabled": False})
        gevent.sleep(CUT_S)
        for name in names:
            _api(api, "POST", f"/proxies/{name}", {"enabled": True})


def compare(yardstick: Yardstick, protocol: str, upstream: str, path: str,
            ladder: Sequence[int], together: bool = True,
            figures: Collection[str] | Mapping[str, Collection[str]] = FIGURES,
            press_at: Aligner | None = None) -> list[Compared]:
    """The stream at `upstream` (host:port) + `path` (and query), with
    renditions `ladder` (announced bits/s), under each condition: at once
    (staggered), or one after another where decoding it takes the cores.
    The bounds of `figures` (in every condition, or by condition) are held
    against kickoff, the others shown; `press_at` (play_both's) aligns every
    press to one phase of the stream's segments."""
    names = [f"{condition}-{side}" for condition in CONDITIONS for side in SIDES]
    rate = limit_kbps(ladder)
    with toxiproxies(upstream, tuple(names)) as (api, proxies):
        def one(condition: str) -> Compared:
            if together:
                gevent.sleep(STAGGER_S * CONDITIONS.index(condition))
            urls = [proxies[f"{condition}-{side}"] + path for side in SIDES]
            changing = gevent.spawn(_condition, api, [f"{condition}-{side}" for side in SIDES],
                                    condition, rate)
            if condition == "bandwidth":
                changing.join()  # the limit is there before the players start
            kickoff, reals = play_both(yardstick, protocol, SECONDS, urls[0], urls[1:],
                                      press_at=press_at)
            changing.join()
            return Compared(condition, kickoff, reals,
                            judge(kickoff, reals, SECONDS, figures=figures.get(condition, ())
                                  if isinstance(figures, Mapping) else figures),
                            rate if condition == "bandwidth" else None)

        if not together:
            return [one(condition) for condition in CONDITIONS]
        sessions = [gevent.spawn(one, condition) for condition in CONDITIONS]
        gevent.joinall(sessions, raise_error=True)
        return [session.value for session in sessions]
