"""Audience fidelity tiers: how much of the stream a viewer really downloads.

`full` viewers are the player of player.py: every segment's body is fetched,
and their startup, stalls and bitrate are the run's quality of experience.
`manifest` viewers run the same journey and the same protocol code (HLS and
DASH windows, playlist and MPD reloads, init segments and keys once per
attempt), but for every segment they ask only for its first FIRST_BYTES bytes
with a Range request, under the request group RANGE_GROUP. A segment counts
as buffered once its first bytes arrive: its whole duration goes into the
buffer at the rendition's nominal (announced) bitrate, and the buffer drains
in real time, so a manifest viewer reloads and requests at the pace of a full
player with a fast network. They load origins and APIs at audience scale
while the CDN's bulk delivery is tested on its own; their figures are kept
apart from the QoE (collector.ManifestTier).

Rendition choice runs the full player's rules with no measured throughput
(first bytes say nothing of it, so no download is a sample): a manifest viewer
starts on its player model's first rendition (Abr.first) and stays there
(Abr.next keeps the rendition without an estimate), except
that a first-bytes request which outlasts the player's abandon limit steps it
down, as it would a full player. Its CMCD requests carry no `mtp` either.
"""

from __future__ import annotations

from harness.load.player import Player
from harness.measure.metrics import RANGE_GROUP

FULL, MANIFEST = "full", "manifest"
FIDELITIES = (FULL, MANIFEST)
FIRST_BYTES = 1024  # bytes asked for per segment: a TS packet's PAT/PMT or an fMP4's first boxes


def first_bytes(byterange: tuple[int, int] | None) -> tuple[int, int]:
    """The inclusive byte range of a segment's first FIRST_BYTES bytes; a
    segment that is itself a byte range (HLS EXT-X-BYTERANGE) starts there."""
    start, end = byterange if byterange else (0, None)
    last = start + FIRST_BYTES - 1
    return start, last if end is None else min(end, last)


class ManifestPlayer(Player):
    """The player of the manifest tier: every segment request is a
    first-bytes Range request, and the rendition follows no throughput."""

    media_group = RANGE_GROUP

    def _measured(self, size_bytes: int, seconds: float) -> None:
        """First bytes say nothing of throughput: the estimate stays unknown."""

    def _media_range(self, byterange: tuple[int, int] | None) -> tuple[int, int] | None:
        return first_bytes(byterange)


PLAYERS: dict[str, type[Player]] = {FULL: Player, MANIFEST: ManifestPlayer}
