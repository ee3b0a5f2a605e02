"""Live HLS playlists (RFC 8216) derived from the wall clock.

Segment n covers [n*D, (n+1)*D) seconds of Unix time and becomes available
when it is complete. Both origins compute the same playlist at the same
moment, so the edge can fail over between them without the player noticing.
Segment n plays loop file n % LOOP_SEGMENTS, its timestamps moved on by the
loops before it (mpegts.py): one continuous timeline, as a packager that
restamps its input publishes, so a loop point is no discontinuity and the
playlists carry none. (Counted from the Unix epoch, a discontinuity every
loop would number in the tens of millions, and hls.js, which keeps state in
arrays indexed by that number, spends a second copying one at startup.)
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone

from .media import CODECS, RENDITIONS, SEGMENT_SECONDS

WINDOW_SEGMENTS = 6
DVR_SEGMENTS = 900  # how far back segments stay fetchable (30 min at 2 s)


def latest_sequence(now: float | None = None) -> int:
    """The newest complete segment's media sequence number."""
    now = time.time() if now is None else now
    return math.floor(now / SEGMENT_SECONDS) - 1


def is_available(sequence: int, now: float | None = None) -> bool:
    latest = latest_sequence(now)
    return latest - DVR_SEGMENTS <= sequence <= latest


def master_playlist(token: str) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in RENDITIONS:
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth},AVERAGE-BANDWIDTH={r.bandwidth},'
                     f'RESOLUTION={r.width}x{r.height},CODECS="{CODECS}",FRAME-RATE=25.000')
        lines.append(f"{r.name}/index.m3u8?token={token}")
    return "\n".join(lines) + "\n"


def _program_date_time(sequence: int) -> str:
    moment = datetime.fromtimestamp(sequence * SEGMENT_SECONDS, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def media_playlist(token: str, durations: list[float], now: float | None = None) -> str:
    """The live window of one rendition; `durations` are its loop's EXTINF values."""
    last = latest_sequence(now)
    first = last - WINDOW_SEGMENTS + 1
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(max(durations))}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
        f"#EXT-X-PROGRAM-DATE-TIME:{_program_date_time(first)}",
    ]
    for sequence in range(first, last + 1):
        lines.append(f"#EXTINF:{durations[sequence % len(durations)]:.3f},")
        lines.append(f"{sequence}.ts?token={token}")
    return "\n".join(lines) + "\n"
