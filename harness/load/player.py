"""A player's loop over a live (or ended) stream, HLS or DASH alike.

The stream (protocol/) offers video renditions, each with its audio track if
the audio is separate, and per track a window of segments. The player starts
at the window's live start (at the live point itself, inside its segment,
when its model says so), fetches the next segment of whichever track (video
or audio) has less buffered, while the buffer has room, and otherwise waits
for the next window. Playback needs both: only media buffered on every track
counts (playback.py). Init segments and keys are fetched once per track and
attempt. Renditions switch by the model's ABR (abr.py).

What the player does is its model's (clients.PlayerModel, chosen by client
type and protocol once the manifest is read): buffers, live start, ABR,
retries, and what follows a request that failed for good: the attempt fails
(kickoff's own), another rendition is tried first (hls.js), or the segment is
asked for again while the viewer waits (dash.js).

A video segment download that cannot finish before the buffer runs out is
abandoned for a lower rendition, as hls.js does; at the lowest rendition (and
for audio) a download gets SEGMENT_TIME_LIMIT before it counts as failed.

The player knows nothing of Locust: it gets `get(url, group, time_limit,
headers) -> bytes`, a clock and a sleep, so any HTTP client works. Media
bodies are only counted (their length measures throughput), so a client may
also give `count(...) -> int`, which reads a body as it arrives and drops it,
never holding a segment whole.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from harness.load import cmcd
from harness.load.clients import ClientProfile, PlayerModel
from harness.load.fast_switch import FastSwitch
from harness.load.playback import JOINING, PLAYING, Playback
from harness.load.protocol import open_stream
from harness.load.protocol.model import (
    AUDIO,
    MUXED,
    Listing,
    ManifestError,
    Resource,
    Segment,
    Stream,
    Track,
)
from harness.load.retry import FetchError, TooSlow

if TYPE_CHECKING:
    from harness.load.protocol.dash import DashStream

Get = Callable[..., bytes]  # (url, group, time_limit s, headers=None) -> body
# (url, group, time_limit s, headers=None, abandon=False) -> bytes received
Count = Callable[..., int]

MAX_BUFFER = 30.0  # seconds of media a player fetches ahead at most
SEGMENT_TIME_LIMIT = 20.0  # seconds for a segment of the lowest rendition
IDLE = 1.0  # seconds at most between looks at a window while waiting
ABANDON_SHARE = 0.5  # above it, a download may use this share of the buffer (or one segment's time)
_OBJECT = {AUDIO: cmcd.AUDIO, MUXED: cmcd.MUXED}  # CMCD ot of a track kind (else video)


@functools.lru_cache(maxsize=256)
def _parsed(parse: Callable, text: str, url: str):
    """parse(text, url), shared: the viewers of a process reload the same few
    playlists every target duration, and a parse is never changed after.
    (Where every viewer's playlist differs, say by a token of its own, nothing
    is shared and a miss costs only hashing the text.)"""
    return parse(text, url)


class StreamEnded(Exception):
    """The stream ended (HLS ENDLIST, a static MPD) and every segment has been fetched."""


@dataclass
class _Lane:
    """One track being followed: video (or muxed), or the separate audio."""

    track: Track
    window: Listing
    next: int | None = None  # position of the next segment to fetch
    fetched: float = 0.0  # seconds of media fetched so far
    look_at: float = 0.0  # player clock time this lane looks for its next segment (polling models)
    from_oldest: bool = False  # fallen out of the window: on from its oldest (else live)
    retries: int = 0  # failed tries of the segment it asks for again at its next look (polling)

    def segment(self) -> Segment | None:
        segments = self.window.segments
        if segments and self.next is None:
            self.next = self.window.live_start  # new: at the live point
        elif segments and self.next is not None and self.next < segments[0].position:
            # fell out of the window (a long outage): LiveStart.behind_goes_on_from_oldest
            self.next = segments[0].position if self.from_oldest else self.window.live_start
        return next((s for s in segments if s.position == self.next), None)

    @property
    def exhausted(self) -> bool:
        return self.window.ended and self.segment() is None


class Player:
    _cmcd: cmcd.Session | None

    def __init__(
        self,
        get: Get,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        playback: Playback,
        profile: ClientProfile,
        cmcd: str | None = None,
        count: Count | None = None,
    ) -> None:
        self._get, self._clock, self._sleep = get, clock, sleep
        self._count: Count = count or (lambda *args, **kwargs: len(get(*args, **kwargs)))
        self.playback = playback
        self.profile = profile
        self.model: PlayerModel = profile.hls  # the protocol's, once open() has read the manifest
        self.abr = self.model.abr()
        self.stream: Stream | None = None
        self.current = 0
        self._lanes: list[_Lane] = []
        self._credited = 0.0  # seconds of media fetched on every lane, given to playback
        self._once: set[str] = set()  # init segments and keys fetched in this attempt
        self._failed: set[int] = set()  # renditions whose requests failed for good (failover)
        self._moves = 0  # renditions moved to since a request last succeeded (failover)
        self._tries_left: int | None = None  # with every rendition failed: tries before giving up
        self._processed = False  # a media segment of this attempt has been processed
        self._stopped = False  # the player asks for nothing more (model.init_failure_stops)
        self._recopy: int | None = None  # the start segment's position, while fetched again
        self._fast: FastSwitch | None = None  # the attempt's video segments (model.fast_switch)
        self._cmcd_mode = cmcd  # "query", "headers" or None (the parameter hides the module here)
        self._cmcd = None  # the attempt's cmcd.Session, once open() knows the content

    @property
    def protocol(self) -> str | None:
        return self.stream.protocol if self.stream else None

    @property
    def _opened(self) -> Stream:
        """The stream open() read: everything below runs after it."""
        if self.stream is None:
            raise RuntimeError("the player has no stream yet (open() comes first)")
        return self.stream

    @property
    def bandwidths(self) -> list[int]:
        """The renditions' announced bitrates (bits/s, audio included), lowest first."""
        return [r.bandwidth for r in self._opened.renditions]

    @property
    def _bitrates(self) -> list[int]:
        """What the ABR compares: whole renditions, or their video alone."""
        if self.abr.video_only:
            return [r.video.bandwidth for r in self._opened.renditions]
        return self.bandwidths

    # --- requests -------------------------------------------------------------

    def _document(self, url: str, keys: Mapping[str, object]) -> bytes:
        """A playlist's or MPD's body."""
        url, headers = self._addressed(url, keys, None)
        return self._get(url, "playlist", None, headers=headers)

    media_group = "segment"  # the request group media bodies are counted under

    def _media(
        self,
        url: str,
        limit: float | None,
        keys: Mapping[str, object],
        byterange: tuple[int, int] | None,
        abandon: bool = False,
    ) -> int:
        """A media body (segment, init segment, key): the bytes received. `abandon`:
        `limit` is when the player gives the download up to step down, not a failure."""
        url, headers = self._addressed(url, keys, self._media_range(byterange))
        if abandon:
            return self._count(url, self.media_group, limit, headers=headers, abandon=True)
        return self._count(url, self.media_group, limit, headers=headers)

    def _media_range(self, byterange: tuple[int, int] | None) -> tuple[int, int] | None:
        """The bytes of a media body to ask for (None: all of it)."""
        return byterange

    def _measured(self, size_bytes: int, seconds: float) -> None:
        """A media download, for the throughput estimate."""
        self.abr.add(size_bytes, seconds)

    def _addressed(
        self, url: str, keys: Mapping[str, object], byterange: tuple[int, int] | None
    ) -> tuple[str, dict[str, str] | None]:
        """The URL and headers of a request: its byte range and CMCD data."""
        headers = {"Range": f"bytes={byterange[0]}-{byterange[1]}"} if byterange else {}
        if self._cmcd is not None:
            url, extra = self._cmcd.apply(url, self._cmcd_keys(keys))
            headers.update(extra)
        return url, headers or None

    def _cmcd_keys(self, keys: Mapping[str, object]) -> dict[str, object]:
        stream = self.stream
        keys = {**keys, "su": self.playback.state == JOINING}
        if stream is not None:
            keys["sf"] = cmcd.STREAMING_FORMAT[stream.protocol]
            keys["st"] = "l" if stream.live else "v"
        if self.abr.bps is not None:
            keys["mtp"] = round(self.abr.bps / 100_000) * 100
        return keys

    def _load(self, url: str, parse: Callable, object_type: str = cmcd.MANIFEST):
        """A manifest (or other document), parsed; an unusable one counts as a failed try."""

        def fetch():
            body = self._document(url, {"ot": object_type})
            try:
                return _parsed(parse, body.decode("utf-8", "replace"), url)
            except ManifestError as error:
                raise FetchError(f"{url}: {error}", reason="unusable manifest") from None

        return self.model.manifest_retry.call(fetch, self._sleep)

    def open(self, url: str) -> None:
        """Read the manifest (HLS or DASH, told from its body) and the first
        windows; from then on the player follows its model for that protocol."""
        if self._cmcd_mode is not None:
            self._cmcd = cmcd.Session(self._cmcd_mode, cmcd.content_id(url))

        def live(protocol: str):
            self.model = self.profile.model(protocol)  # its retries load the rest
            return self.model.live

        self.stream = stream = open_stream(url, self._load, self._clock, live)
        self.playback.protocol = stream.protocol
        self.playback.startup_buffer = self.model.startup_buffer
        self.playback.resume_buffer = self.model.resume_buffer
        self.playback.resume_most = self.model.resume_doubles_to
        self.playback.first_frame_s = self.model.first_frame_s
        self.abr = self.model.abr()
        self._fast = FastSwitch() if self.model.fast_switch else None
        self.current = self.abr.first(self._bitrates)
        # where to start is worked out as the manifest is read (dash.js: once its clock is
        # synchronised), then the browser player sets up before it asks for media
        self._lanes = [
            _Lane(
                track, stream.window(track), from_oldest=self.model.live.behind_goes_on_from_oldest
            )
            for track in stream.renditions[self.current].tracks
        ]
        for lane in self._lanes:
            lane.segment()
        if self.model.setup_s:
            self._sleep(self.model.setup_s)
        # the media before the live point, in the first segment, is never played
        self._credited = self._lanes[0].window.live_offset

    # --- the loop -------------------------------------------------------------

    def step(self) -> None:
        """One action: fetch the next segment of the track with the least buffered
        if it is out and the buffer has room, else wait for a newer window."""
        self.playback.advance(self._clock())
        if self._stopped:  # the picture stays frozen until the viewer gives up or leaves
            self._sleep(IDLE)
            return
        going = [lane for lane in self._lanes if not lane.exhausted]
        if not going:
            raise StreamEnded()
        if self._polls:
            self._poll(going)
            return
        lane = min(going, key=lambda candidate: candidate.fetched)
        segment = lane.segment()
        if segment is not None and self._ahead(lane) < MAX_BUFFER:
            self._download(lane, segment)
            return
        now = self._clock()
        self._sleep(max(0.0, min(lane.window.refresh_at, now + IDLE) - now))
        self._reload(lane)

    @property
    def _polls(self) -> bool:
        """Whether each track looks for its next segment on a timer of its own
        (dash.js: a schedule timer per media type)."""
        return self._opened.protocol == "dash" and self.model.live.poll_s is not None

    def _poll(self, going: list[_Lane]) -> None:
        """The due track with the least buffered fetches its next segment if it
        is out, else looks again `poll_s` later; with none due, wait for one.
        The MPD is reloaded on a timer of its own, when it is due, not when a
        track happens to look (a track's look would time the reload to the
        moment a segment comes out, before the MPD lists every track's).
        The video rendition is chosen at each look (dash.js's schedule asks its
        ABR then), with what is buffered at that moment."""
        stream = cast("DashStream", self._opened)  # only DASH tracks poll (_polls)
        poll_s = self.model.live.poll_s
        assert poll_s is not None  # _polls
        now = self._clock()
        if now >= stream.reload_at:  # the MPD's own refresh timer (dash.js's ManifestUpdater)
            self._reload(self._lanes[0])
            return
        due = [lane for lane in going if lane.look_at <= now]
        if not due:
            self._sleep(min(min(lane.look_at for lane in going), stream.reload_at) - now)
            return
        lane = min(due, key=lambda candidate: candidate.fetched)
        if lane is self._lanes[0] and not lane.retries:
            self._look_switch(lane)  # chosen as it is asked for, with the buffer then
        self._reload(lane)
        segment = lane.segment()
        if segment is not None and self._ahead(lane) < MAX_BUFFER:
            self._download(lane, segment)
        else:
            lane.look_at = now + poll_s

    def _look_switch(self, lane: _Lane) -> None:
        """The video rendition chosen at a look; a switch up may fetch what is
        buffered again at it (model.fast_switch)."""
        choice = self._choice()
        if self._fast is not None and choice > self.current:
            again = self._fast.switched_up(self._playhead, self._video_level, choice)
            if again is not None:
                lane.next = again
        self._switch(choice)

    def _reload(self, lane: _Lane) -> None:
        """The lane's newer window; a failed load is the model's to handle."""
        try:
            lane.window = self._opened.window(lane.track)
        except FetchError as error:
            self._failed_for_good(error)

    def _failed_for_good(self, error: FetchError, lane: _Lane | None = None) -> None:
        """A request failed after the model's retries: another rendition
        (hls.js), or wait and ask again (dash.js: that track, at its next look),
        else the attempt fails."""
        poll_s = self.model.live.poll_s
        if self.model.keep_trying:
            if self._polls and lane is not None and poll_s is not None:
                lane.look_at = self._clock() + poll_s
            else:
                self._sleep(poll_s or IDLE)
            return
        if not self.model.failover:
            raise error
        self._failed.add(self.current)
        count = len(self._opened.renditions)
        # hls.js's order: the next lower rendition first, then round from the top
        candidates = [(self.current - k) % count for k in range(1, count)]
        left = [rendition for rendition in candidates if rendition not in self._failed]
        if left:
            self._moves += 1
            self._switch(left[0])
            return
        # every rendition failed: as hls.js, more tries on the playlist retry policy's waits,
        # as many as its retries less the renditions moved through (at least one), then it
        # gives up
        retry = self.model.manifest_retry
        if self._tries_left is None:
            self._tries_left = max(1, retry.tries - 1 - self._moves)
        if self._tries_left == 0:
            raise error
        self._sleep(retry.wait(max(retry.tries - 1 - self._moves, 1) - self._tries_left))
        self._tries_left -= 1

    @property
    def _playhead(self) -> float:
        """Media seconds played, on the lanes' `fetched` scale."""
        return self._credited - self.playback.level

    def _ahead(self, lane: _Lane) -> float:
        """Seconds of this lane's media buffered ahead of the playhead."""
        return lane.fetched - self._playhead

    @property
    def _video_level(self) -> float:
        """Seconds of video buffered ahead of the playhead: what the ABR and fast
        switching weigh. The buffer's level, unless the browser plays on its audio
        past the video's end (model.video_underflow_s)."""
        return max(0.0, min(self.playback.level, self._ahead(self._lanes[0])))

    def _once_per_attempt(self, resource: Resource | None, lane: _Lane, object_type: str) -> None:
        if resource is None or resource.uri in self._once:
            return
        keys = {"ot": object_type, "br": cmcd.kbps(lane.track.bandwidth)}
        try:
            self.model.segment_retry.call(
                lambda: self._media(resource.uri, SEGMENT_TIME_LIMIT, keys, resource.byterange),
                self._sleep,
            )
        except FetchError:
            if object_type == cmcd.INIT and self.model.init_failure_stops:
                self._stopped = True
            raise
        self._once.add(resource.uri)

    def _download(self, lane: _Lane, segment: Segment) -> None:
        lowest = self.current == 0 or lane.track.kind == AUDIO
        limit = (
            SEGMENT_TIME_LIMIT
            if lowest
            else max(segment.duration, ABANDON_SHARE * self._video_level)
        )
        keys = {
            "ot": _OBJECT.get(lane.track.kind, cmcd.VIDEO),
            "d": round(segment.duration * 1000),
            "br": cmcd.kbps(lane.track.bandwidth),
            "bl": cmcd.rounded_ms(self._ahead(lane)),
            "tb": cmcd.kbps(
                lane.track.bandwidth
                if lane is not self._lanes[0]
                else max(r.video.bandwidth for r in self._opened.renditions)
            ),
        }

        def fetch() -> int:
            try:
                return self._media(segment.uri, limit, keys, segment.byterange, not lowest)
            except TooSlow as slow:
                if lowest:  # nowhere lower to go: a failed try
                    raise FetchError(
                        str(slow), reason=f"segment cut off after {limit:g} s"
                    ) from None
                raise

        started = self._clock()
        try:
            self._once_per_attempt(segment.key, lane, cmcd.KEY)
            self._once_per_attempt(segment.init, lane, cmcd.INIT)
            started = self._clock()
            received = self._tried(lane, fetch)
            if received is None:
                return  # asked for again at the track's next look
        except TooSlow:
            # Abandoned: it arrives no faster than this, so step down and
            # fetch the same segment from a lower rendition.
            self._measured(
                int(lane.track.bandwidth * segment.duration / 8), self._clock() - started
            )
            if self._recopy == segment.position:  # the start segment's copy: it plays as it is
                self._recopy, lane.next = None, segment.position + 1
            self._switch(min(self.current - 1, self._choice()))
            return
        except FetchError as error:
            if not self._stopped:
                self._failed_for_good(error, lane)
            return
        self._failed.clear()
        self._moves, self._tries_left = 0, None
        # the browser's work on it (transmuxing, appending) before it asks for the next
        pause = self.model.processing_s[1 if self._processed else 0]
        if pause:
            self._sleep(pause)
        self._processed = True
        finished = self._clock()
        lane.look_at = finished + self.model.reschedule_s
        video = lane is self._lanes[0]
        if video or not self.abr.video_only:
            self._measured(received, finished - started)
        lane.next = segment.position + 1
        # kbps of what plays: as announced, else (a bare media playlist) bytes over media time
        announced = self._opened.renditions[self.current].bandwidth
        kbps = announced / 1000 if announced else received * 8 / segment.duration / 1000
        fast = self._fast if video else None  # fast switching follows the video lane
        copy = fast.copy_of(segment.position) if fast else None
        if video and self._recopy == segment.position:
            # the start segment's copy at the higher rendition: what of it is still to
            # play plays at that rendition (it was credited once, when it first came in)
            self._recopy = None
            self.playback.replace(kbps, self.current, finished)
            start = False
        elif fast and copy:
            # a buffered segment fetched again (fast switching): it was credited once
            fast.copied(copy, self.current)
            self.playback.advance(finished)
            ahead = copy.start - self._playhead
            self.playback.replace_span(ahead, copy.duration, kbps, self.current)
            start = False
        else:
            if fast:
                fast.fetched(segment.position, lane.fetched, segment.duration, self.current)
            start = video and lane.fetched == 0
            lane.fetched += segment.duration
            self._credit(finished, kbps)
        if self._polls:  # a polling player chooses when it asks for the next one
            return
        choice = self._choice()
        if start and self.model.refetch_start and choice > self.current:
            # the start segment again, at the higher rendition
            self._recopy, lane.next = segment.position, segment.position
        self._switch(choice)

    def _tried(self, lane: _Lane, fetch: Callable[[], int]) -> int | None:
        """A segment's body (bytes received) after the model's retries. A polling
        player (dash.js: a loader per track) waits for a retry on that track's own
        timer while the other tracks go on: None, the segment is asked for again at
        the track's next look, the retry's wait from now."""
        policy = self.model.segment_retry
        if not self._polls:
            return policy.call(fetch, self._sleep)
        try:
            received = fetch()
        except FetchError as error:
            wait = policy.again_after(error, lane.retries)
            if wait is None:
                lane.retries = 0
                raise
            lane.look_at = self._clock() + wait
            lane.retries += 1
            return None
        lane.retries = 0
        return received

    def _credit(self, now: float, kbps: float) -> None:
        """Media fetched on every lane is playable: give it to the buffer."""
        playable = min(lane.fetched for lane in self._lanes)
        grace = self.model.video_underflow_s
        if grace and len(self._lanes) > 1 and self.playback.state == PLAYING:
            # while it plays, the browser plays on its audio past the video's end (the
            # picture frozen, no stall) for up to `grace`
            audio = min(lane.fetched for lane in self._lanes[1:])
            playable = min(audio, self._lanes[0].fetched + grace)
        if playable > self._credited:
            self.playback.add(playable - self._credited, kbps, now, self.current)
            self._credited = playable

    def _choice(self) -> int:
        segment_s = (
            self._lanes[0].window.segments[-1].duration if self._lanes[0].window.segments else 0.0
        )
        return self.abr.next(self._bitrates, self.current, self._video_level, segment_s)

    def _switch(self, rendition: int) -> None:
        """Follow another rendition's tracks from the same positions (each new
        track's window loaded before its next segment); the same audio stays."""
        if rendition == self.current:
            return
        self.current = rendition
        # Renditions may differ in track count (muxed or with separate audio): the
        # lanes the player has follow the new rendition's tracks as far as they go.
        tracks = self._opened.renditions[rendition].tracks
        for lane, track in zip(self._lanes, tracks, strict=False):
            if lane.track != track:
                lane.track = track
                self._reload(lane)
