"""kickoff's web viewer agrees with hls.js and dash.js (in headless Chromium)
on live streams it did not write: ffmpeg's HLS with a master playlist (TS;
fMP4 with separate audio), a bare HLS media playlist (no master, so no
bitrate announced), ffmpeg's live DASH ($Number$; $Time$ with a
SegmentTimeline), and the reference stack's stream. Each clean, under a
bandwidth limit between the two top renditions and a 5 s link cut, the
players side by side on proxies of their own (tests/players/sessions.py);
the bounds are harness/calibrate/agreement.py's.

Every figure is printed; those kickoff's model cannot follow on a stream
are shown and not held, each for the reason docs/calibration.md measures.
On ffmpeg's live DASH (suggestedPresentationDelay one segment) startup is
held: every player is pressed at the same phase of a segment
(harness/calibrate/phase.py), so none starts in the last 0.2 s of one while
another starts before it (that start waits about a second for the next
segment). The rest is not: the rung played longest is a lottery for dash.js
itself (clean on the $Number$ stream it played the lowest rung longest in 6
of 16 plays, and once both did where kickoff played the top; on the $Time$
one ffmpeg lists the top rendition a second late; after the cut, whether an
init segment was asked for while the link was down decides it); stalls and
stalled time turn on milliseconds at the live edge (which half-second look
finds a segment, fast switching, Chromium's gaps between AAC segments) and
on the init segment of a switch during the cut. There kickoff and the real
players must all start, and kickoff must fail no attempt the real players
survive. On HLS, the reference stack's included, every figure is held."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.calibrate.agreement import FIGURES, held, table
from harness.calibrate.phase import segment_phase
from harness.load.protocol import dash, hls, mpd
from tests.cli import harness
from tests.players import sessions
from tests.players.conftest import COMPARED
from tests.streams.servers import live_encoder, nginx, own_state, wait_for_window

WINDOW = 6  # segments of each rendition out before the players come
STREAM_SECONDS = 90  # the encoder then stops by itself, whatever happens to the test
SHAPES = {"hls-ts": "hls", "hls-fmp4": "hls", "hls-bare": "hls", "dash-number": "dash",
          "dash-time": "dash"}  # tests/streams/servers.py's shapes, and the player of each
# the figures held against kickoff, by player (on DASH startup only: see the docstring)
HELD: dict[str, tuple[str, ...]] = {"hls": FIGURES, "dash": ("startup",)}
BARE_KBPS_SHARE = 0.15  # a bare playlist's kbps (bytes over media time) within 15% of the real


def ladder(folder: Path, manifest: str) -> list[int]:
    """The renditions' bitrates (bits/s, audio included), lowest first: as
    announced, or for a bare media playlist as its segments weigh."""
    text, url = (folder / manifest).read_text(), f"http://x/{manifest}"
    if dash.sniff(text):
        parsed = mpd.parse_mpd(text, url)
        audio = max((r.bandwidth for r in parsed.representations if r.kind == "audio"), default=0)
        return sorted(r.bandwidth + audio for r in parsed.representations if r.kind == "video")
    if "#EXT-X-STREAM-INF" in text:
        return [v.bandwidth for v in hls.parse_master(text, url) if not v.audio_only]
    segments = hls.parse_media(text, url).segments
    size = sum((folder / s.uri.rpartition("/")[2]).stat().st_size for s in segments)
    return [round(size * 8 / sum(s.duration for s in segments))]


def judged(label: str, compared: list[sessions.Compared], folder: Path) -> None:
    """Record the comparisons (the table at the end; every figure and the real
    players' traces in `folder`/comparison.json) and hold them to the bounds."""
    rows = [(f"{label}, {c.condition}", c.kickoff, c.reals, c.checks) for c in compared]
    COMPARED.extend(rows)
    (folder / "comparison.json").write_text(json.dumps(
        [{"condition": c.condition, "kickoff": asdict(c.kickoff),
          "reals": [asdict(real) for real in c.reals]} for c in compared]))
    assert all(held(c.checks) for c in compared), "\n" + table(rows)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_ffmpeg_live_stream(yardstick, tmp_path, shape):
    www = tmp_path / "www"
    with nginx(www, tmp_path / "nginx") as (base, _), \
            live_encoder(shape, www, STREAM_SECONDS) as manifest:
        wait_for_window(www, shape, WINDOW)
        compared = sessions.compare(yardstick, SHAPES[shape], urlsplit(base).netloc,
                                    f"/{manifest}", ladder(www, manifest),
                                    figures=HELD[SHAPES[shape]],
                                    press_at=segment_phase((www / manifest).read_text(),
                                                           f"{base}/{manifest}"))
    judged(shape, compared, tmp_path)
    for c in compared:  # where bounds are not held: all start, kickoff fails no more than they do
        assert c.kickoff.startup_s is not None and all(r.startup_s is not None for r in c.reals)
        assert c.kickoff.failures <= min(r.failures for r in c.reals), c.condition
    if shape == "hls-bare":  # nothing announces a bitrate: bytes over media time, never 0
        for c in compared:
            assert c.kickoff.kbps == pytest.approx(c.reals[0].kbps, rel=BARE_KBPS_SHARE)


@pytest.mark.only_on("local")
def test_the_reference_stacks_stream(yardstick, stack, tmp_path):
    """Its stream as `harness stack url` gives it (a signed URL of the free-to-air
    match); its top rendition is 720p, so the conditions take turns. On a stack
    serving from its primary origin (`stack`): after a test that killed
    origin-a, the edge's first requests would wait on the failover, real players
    and kickoff alike, whichever plays first."""
    url = harness("stack", "url", env=own_state(tmp_path)).stdout.strip()
    parts = urlsplit(url)
    master = urllib.request.urlopen(url, timeout=10).read().decode()
    compared = sessions.compare(yardstick, "hls", parts.netloc, url[len(f"{parts.scheme}://"
                                                                       f"{parts.netloc}"):],
                                [v.bandwidth for v in hls.parse_master(master, url)],
                                together=False, figures=HELD["hls"])
    judged("reference stack", compared, tmp_path)
    for c in compared:  # the stack's own stream plays: players agreeing it does not is no pass
        assert c.kickoff.startup_s is not None and all(r.startup_s is not None for r in c.reals), \
            c.condition
