"""kickoff's viewer and real players on the same stream at the same time."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

import gevent

from harness.calibrate import viewer_side
from harness.calibrate.figures import Figures
from harness.calibrate.installed import Yardstick
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
) -> tuple[Figures, list[Figures]]:
    """kickoff's viewer of `client` on `kickoff_url` and hls.js or dash.js (by
    `protocol`) on each of `real_urls` (the same stream, or the same through
    proxies of their own), all handed their URL at the same moment, for
    `seconds`; after a failed attempt each presses play again after the same
    waits."""
    replays = viewer_side.replay_waits(MAX_REPLAYS)
    with ExitStack() as stack:
        reals = [
            stack.enter_context(RealPlayer(yardstick, url, protocol, seconds, replays))
            for url in real_urls
        ]
        gevent.sleep(SETTLE_S)
        for real in reals:
            real.start()
        kickoff = viewer_side.play(kickoff_url, seconds, client)
        return kickoff, [real.figures() for real in reals]
