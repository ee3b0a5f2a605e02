"""kickoff's viewer and a real player on the same stream at the same time."""

from __future__ import annotations

from harness.calibrate import viewer_side
from harness.calibrate.figures import Figures
from harness.calibrate.installed import Yardstick
from harness.calibrate.yardstick import RealPlayer

MAX_REPLAYS = 10  # waits before pressing play again a page is given (kickoff's viewer's own)


def play_both(yardstick: Yardstick, protocol: str, seconds: float, kickoff_url: str,
              real_url: str, client: str = "web") -> tuple[Figures, Figures]:
    """kickoff's viewer of `client` on `kickoff_url` and hls.js or dash.js (by
    `protocol`) on `real_url` (the same stream, or the same through another
    proxy), both handed their URL at the same moment, for `seconds`; after a
    failed attempt both press play again after the same waits."""
    replays = viewer_side.replay_waits(MAX_REPLAYS)
    with RealPlayer(yardstick, real_url, protocol, seconds, replays) as real:
        real.start()
        kickoff = viewer_side.play(kickoff_url, seconds, client)
        return kickoff, real.figures()
