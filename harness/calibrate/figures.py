"""What one player did with one stream: the figures kickoff's viewer and a
real player are compared on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figures:
    """A player's playing of a stream for a while, as a viewer would tell it."""

    player: str  # "kickoff web", "hls.js 1.7.4", "dash.js 5.2.1"
    startup_s: float | None  # from handing the player the URL to the first frame
    stalls: int  # the picture froze after the first frame (waiting -> playing)
    stalled_s: float  # seconds frozen after the first frame
    played_s: float  # seconds of media played
    ladder: list[int]  # the renditions' announced bitrates (bits/s), lowest first
    played_by_rung: dict[int, float] = field(default_factory=dict)  # rung -> seconds played
    last_rung: int | None = None  # the rung playing at the end
    kbps: float | None = None  # the bitrate the player says it played (see agreement.py)
    media_bytes: int = 0  # bytes of media (segments, init segments) received
    failures: int = 0  # errors that ended playback (kickoff: a failed attempt; else fatal)
    error: str | None = None  # the first such error, in the player's words
    trace: list = field(default_factory=list)  # what happened when, for a reader (the real player)

    @property
    def rung(self) -> int | None:
        """The rung played longest (None: nothing played)."""
        if not self.played_by_rung:
            return None
        return max(self.played_by_rung, key=lambda rung: (self.played_by_rung[rung], rung))
