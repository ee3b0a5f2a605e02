"""Client types of the audience and the players their viewers stand for.

A client type is how long its viewers wait for the first frame (patience)
and, per protocol, a player model: how much it buffers before the first frame
and after a stall, where it starts in a live window, how it chooses renditions
(abr.py) and what it does when a request fails (retry.py).

`web` viewers are browsers: hls.js 1.x on HLS and dash.js 5 on DASH, with
their default settings, each number taken from that player's source and the
first-frame time measured with the real player in Chromium (docs/calibration.md;
`harness calibrate` and tests/players hold the two side by side). `app`
(AVPlayer, ExoPlayer) and `tv` keep kickoff's own model on both protocols:
apps want a little more buffer and start mid; TV apps buffer most before the
first frame and their users wait longest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.load.abr import Abr, DashJsAbr, HlsJsAbr, StepAbr
from harness.load.protocol.model import LiveStart
from harness.load.retry import KICKOFF, Retry

# hls.js fragLoadPolicy / playlistLoadPolicy errorRetry: 6 and 2 retries from 1 s,
# doubling to at most 8 s, after an HTTP answer worth it (never after no answer or a 4xx).
HLS_JS_SEGMENT = Retry(tries=7, backoff=1.0, growth=2.0, longest=8.0, answers_only=True)
HLS_JS_PLAYLIST = Retry(tries=3, backoff=1.0, growth=2.0, longest=8.0, answers_only=True)
# dash.js retryAttempts / retryIntervals: MediaSegment 3 a second apart, MPD 3 half a second apart.
DASH_JS_SEGMENT = Retry(tries=4, backoff=1.0, growth=1.0)
DASH_JS_MPD = Retry(tries=4, backoff=0.5, growth=1.0)


@dataclass(frozen=True)
class PlayerModel:
    """What a viewer's player does on one protocol."""

    name: str  # the player it stands for
    startup_buffer: float  # seconds buffered ahead of the start point before the first frame
    resume_buffer: float  # seconds buffered ahead before playing on after a stall
    abr: Callable[[], Abr]  # a fresh rendition chooser for each attempt
    live: LiveStart  # where a newcomer starts in a live window, when a DASH segment is asked for
    segment_retry: Retry = KICKOFF
    manifest_retry: Retry = KICKOFF
    # after each stall the resume buffer doubles, up to this many seconds (None: it stays)
    resume_doubles_to: float | None = None
    # seconds from the player working out its start point (as the manifest is read) to
    # asking for its segments: a browser player's setting up (dash.js: Media Source
    # Extensions opening, the codecs' capability checks) (0: not modelled)
    setup_s: float = 0.0
    # seconds from the startup buffer being there to the first frame: a browser
    # decoding it (0: not modelled)
    first_frame_s: float = 0.0
    # seconds a browser player spends on a segment once it is in (hls.js: transmuxing
    # in its worker and appending to Media Source Extensions) before it asks for the
    # next: the first of an attempt (the worker and the buffers start), then each later
    # one; its ABR counts them as part of the download
    processing_s: tuple[float, float] = (0.0, 0.0)
    # a switch up right after the start segment fetches it again at the new rendition;
    # the first frame does not wait for it, and what is left of the start segment to play
    # when it is in plays at the new rendition (hls.js)
    refetch_start: bool = False
    # seconds after a segment is in before its track looks for the next one (dash.js:
    # appending, then its schedule timer starts again), on top of the download
    reschedule_s: float = 0.0
    # an init segment that failed for good stops the player: it asks for nothing more
    # and the viewer sees one stall to the end (dash.js)
    init_failure_stops: bool = False
    # a request that failed for good moves to another rendition (the next lower one
    # first), as hls.js does; the attempt fails when every rendition has failed
    failover: bool = False
    # segment requests that failed for good are tried again while the attempt goes
    # on (dash.js stalls and waits for the segment); False: the attempt fails
    keep_trying: bool = False
    # a switch up fetches what is buffered from 1.5 segments past the playhead again at
    # the new rendition (dash.js's fast switching: fast_switch.py)
    fast_switch: bool = False
    # seconds a browser plays on its separate audio once the video track has run dry,
    # the picture frozen, before it stops and reports a stall (0: it stops at once)
    video_underflow_s: float = 0.0


@dataclass(frozen=True)
class ClientProfile:
    name: str
    patience: float  # seconds without a first frame before the viewer gives up
    hls: PlayerModel
    dash: PlayerModel

    def model(self, protocol: str) -> PlayerModel:
        return self.dash if protocol == "dash" else self.hls


# Measured with hls.js 1.7.4 and dash.js 5.2.1 in Chromium 156 on the 2-core build machine,
# medians of the tests/players runs (docs/calibration.md; the tier prints them again on
# every run): hls.js's first segment takes 0.15 s from its last byte to FRAG_BUFFERED, a
# later one 0.004 s, and the first frame (`playing`) comes 0.12 s after the start segment
# is buffered; dash.js shows its first frame 0.08 s after its first video and audio
# segments are in, a track's next segment comes in 0.012 s later than a segment's
# duration after the last one, and it works out where to start as soon as the MPD is read
# and its clock synchronised, then sets up (Media Source Extensions, the codecs' checks) and
# loads its init segments: its first media request comes 0.07 s after it worked out the
# start (a quiet play's trace against the server's log; the tier's "setup", from the URL
# to its first init segment in, is 0.11-0.12 s with the MPD's load and the clock sync).
# Chromium plays only with its audio renderer's queue filled to a threshold: 0.2 s at first,
# doubled after every underflow, up to 3 s (media/filters/audio_renderer_algorithm.cc:
# kStartingCapacityInMs, kMaxCapacityInSeconds, IncreasePlaybackThreshold). A browser
# player's first frame needs that much buffered at its start point, and after each stall
# twice as much as before.
CHROMIUM_PLAY_QUEUE_S = 0.2
CHROMIUM_PLAY_QUEUE_MOST_S = 3.0
# While audio has enough, Chromium defers a video track's underflow for 3 s: the clock runs
# on the audio, the picture freezes, and playback stops (`waiting`) only if the video has not
# come back by then (media/renderers/renderer_impl.cc: kDefaultVideoUnderflowThresholdMs).
# A live DASH player near the edge meets it whenever its video segment comes after its
# audio one: dash.js reports no stall where its video ran dry for a few hundred ms.
CHROMIUM_VIDEO_UNDERFLOW_S = 3.0
HLS_JS_PROCESSING_S = (0.15, 0.004)
HLS_JS_FIRST_FRAME_S = 0.12
DASH_JS_FIRST_FRAME_S = 0.08
DASH_JS_RESCHEDULE_S = 0.012
DASH_JS_SETUP_S = 0.07


HLS_JS = PlayerModel(
    "hls.js",
    startup_buffer=CHROMIUM_PLAY_QUEUE_S,
    resume_buffer=CHROMIUM_PLAY_QUEUE_S,
    resume_doubles_to=CHROMIUM_PLAY_QUEUE_MOST_S,
    abr=HlsJsAbr,
    live=LiveStart(segments_behind=3, at_the_point=True),  # liveSyncDurationCount 3
    segment_retry=HLS_JS_SEGMENT,
    manifest_retry=HLS_JS_PLAYLIST,
    first_frame_s=HLS_JS_FIRST_FRAME_S,
    processing_s=HLS_JS_PROCESSING_S,
    refetch_start=True,
    failover=True,
    video_underflow_s=CHROMIUM_VIDEO_UNDERFLOW_S,
)
DASH_JS = PlayerModel(
    "dash.js",
    startup_buffer=CHROMIUM_PLAY_QUEUE_S,
    resume_buffer=CHROMIUM_PLAY_QUEUE_S,
    resume_doubles_to=CHROMIUM_PLAY_QUEUE_MOST_S,
    abr=DashJsAbr,
    # liveDelayFragmentCount 4 without a suggested delay; scheduling.defaultTimeout 0.5 s
    live=LiveStart(
        segments_behind=4,
        at_the_point=True,
        margin_s=0.0,
        poll_s=0.5,
        refresh_stops_on_failure=True,
        behind_goes_on_from_oldest=True,
    ),
    segment_retry=DASH_JS_SEGMENT,
    manifest_retry=DASH_JS_MPD,
    setup_s=DASH_JS_SETUP_S,
    first_frame_s=DASH_JS_FIRST_FRAME_S,
    reschedule_s=DASH_JS_RESCHEDULE_S,
    keep_trying=True,
    init_failure_stops=True,
    fast_switch=True,
    video_underflow_s=CHROMIUM_VIDEO_UNDERFLOW_S,
)


def _own(
    name: str, startup: float, resume: float, start: str, up_buffer: float, safety: float
) -> PlayerModel:
    """kickoff's own player model (apps, TVs), alike on HLS and DASH."""
    return PlayerModel(
        name, startup, resume, lambda: StepAbr(start, up_buffer, safety), LiveStart()
    )


APP = _own("app", startup=4, resume=4, start="middle", up_buffer=6, safety=0.8)
TV = _own("tv", startup=6, resume=6, start="middle", up_buffer=8, safety=0.8)

CLIENTS: dict[str, ClientProfile] = {
    "web": ClientProfile("web", patience=12, hls=HLS_JS, dash=DASH_JS),
    "app": ClientProfile("app", patience=15, hls=APP, dash=APP),
    "tv": ClientProfile("tv", patience=20, hls=TV, dash=TV),
}
