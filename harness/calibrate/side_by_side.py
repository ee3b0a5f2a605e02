"""kickoff's viewer and real players on the same stream at the same time."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack

import gevent

from harness.calibrate import viewer_side
from harness.calibrate.figures import Figures
from harness.calibrate.installed import Yardstick
from harness.calibrate.phase import Aligner
from harness.calibrate.yardstick import RealPlayer

MAX_REPLAYS = 10  # waits before pressing play again a page is given (kickoff's viewer's own)
# Seconds the opened browsers are left before play is pressed: Chromium's own start (its
# network service, storage, crash handler) goes on for a moment after the page asks to
# begin, and a viewer's browser is open before they press play.
SETTLE_S = 1.0


def play_both(
    yardstick: Yardstick,
    protocol: str,
    seconds: float,
    kickoff_url: str,
    real_urls: Sequence[str],
    client: str = "web",
    press_at: Aligner | None = None,
) -> tuple[Figures, list[Figures]]:
    """kickoff's viewer of `client` on `kickoff_url` and hls.js or dash.js (by
    `protocol`) on each of `real_urls` (the same stream, or the same through
    proxies of their own), all handed their URL at the same moment, for
    `seconds`; after a failed attempt each presses play again after the same
    waits. `press_at`, given the earliest moment play can be pressed, names
    the moment it is (phase.py: at one phase of a live MPD's segments)."""
    replays = viewer_side.replay_waits(MAX_REPLAYS)
    with ExitStack() as stack:
        reals = [
            stack.enter_context(RealPlayer(yardstick, url, protocol, seconds, replays))
            for url in real_urls
        ]
        gevent.sleep(SETTLE_S)
        if press_at is not None:
            gevent.sleep(max(0.0, press_at(time.time()) - time.time()))
        for real in reals:
            real.start()
        kickoff = viewer_side.play(kickoff_url, seconds, client)
        return kickoff, [real.figures() for real in reals]
