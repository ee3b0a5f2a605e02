"""Journey `looked-up`: asks the edge for the stream's playlist under the
request group `lookup`, then plays it."""

from __future__ import annotations

from harness.load.journey import Journey


class LookedUp(Journey):
    groups = ("lookup",)

    def playback_url(self) -> str:
        self.fetch("GET", "/master.m3u8", group="lookup")
        return "/master.m3u8"
