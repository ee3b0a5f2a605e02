"""Collects what the viewers of one process feel and do, one window a second.

Viewers report events as they happen (an attempt, a first frame, a failure,
a request); playbacks being watched are asked for their time played and
stalled when the window closes. Each process has one collector; windows of
the same second from several processes merge (harness.measure.window). Viewers of the
manifest tier (harness.load.fidelity) report to `collector.tier(MANIFEST)`
instead: counted apart, never in the QoE figures. The collector also measures
its process (harness/measure/truth.py), so every window says whether the
process that made it kept up.
"""

from __future__ import annotations

from harness.load.fidelity import MANIFEST
from harness.load.playback import JOINING, PLAYING, STALLED, Playback, Totals
from harness.measure.truth import Monitor
from harness.measure.window import Window


class Collector:
    def __init__(self) -> None:
        self._open = Window(0)
        self._monitor = Monitor()
        self._monitor.start()
        self._watched: dict[int, tuple[Playback, Totals]] = {}
        self._client_of: dict[int, str] = {}  # the client type of attempts that named one
        self._unnamed: set[int] = set()  # attempts not yet counted under a protocol
        self._recovering: set[int] = set()  # attempts of viewers whose last attempt failed
        self._waiting = 0  # viewers between attempts whose last attempt failed
        self._manifest = ManifestTier(self)
        self._away = 0  # viewer users not in the audience now (on a break, or a pool's idle)

    def tier(self, fidelity: str) -> Collector | ManifestTier:
        """Where viewers of `fidelity` report their attempts and what ends them."""
        return self._manifest if fidelity == MANIFEST else self

    @property
    def window(self) -> Window:
        """The window of the second in progress."""
        return self._open

    # --- events, as they happen -----------------------------------------------

    def attempt(
        self, playback: Playback, client: str | None = None, recovering: bool = False
    ) -> None:
        """A viewer pressed play; `playback` is followed until it ends. `client`:
        its client type, whose new-viewer tally (Window.clients) counts it too;
        `recovering`: the viewer's last attempt failed."""
        self._open.attempts += 1
        if client is not None:
            self._open.client(client).attempts += 1
        self._watched[id(playback)] = (playback, Totals())
        if client is not None:
            self._client_of[id(playback)] = client
        self._unnamed.add(id(playback))
        if recovering:
            self._recovering.add(id(playback))

    def waiting(self, viewers: int) -> None:
        """`viewers` more (or fewer) viewers wait to press play again after a failed attempt."""
        self._waiting += viewers

    def _count_protocol(self, playback: Playback) -> None:
        """Count the attempt under its stream's protocol, once the player knows it."""
        if playback.protocol is not None and id(playback) in self._unnamed:
            self._unnamed.discard(id(playback))
            protocols = self._open.protocols
            protocols[playback.protocol] = protocols.get(playback.protocol, 0) + 1

    def started(self, startup_time: float, client: str | None = None) -> None:
        self._open.starts += 1
        self._open.startup.add(startup_time)
        if client is not None:
            self._open.client(client).starts += 1
            self._open.client(client).startup.add(startup_time)

    def start_failed(self, reason: str, client: str | None = None) -> None:
        """An error before the first frame; `reason` says where ("journey step 'login':
        HTTP 401", "player")."""
        self._open.start_failures += 1
        reasons = self._open.start_failure_reasons
        reasons[reason] = reasons.get(reason, 0) + 1
        if client is not None:
            self._open.client(client).start_failures += 1

    def exited_before_start(self, client: str | None = None) -> None:
        self._open.exits_before_start += 1
        if client is not None:
            self._open.client(client).exits_before_start += 1

    def booking(self, failed: bool) -> None:
        """An attempt whose journey signed up or booked (harness.measure.metrics.BOOKING_GROUPS) is
        through with it; `failed`: it failed there, and is no start failure nor exit."""
        self._open.booking_attempts += 1
        self._open.booking_failures += failed

    def playback_failed(self, reason: str = "player") -> None:
        """An error after the first frame; `reason` says which ("segment 503")."""
        self._open.playback_failures += 1
        reasons = self._open.playback_failure_reasons
        reasons[reason] = reasons.get(reason, 0) + 1

    def presence(self, arrived: int = 0, departed: int = 0, away: int = 0) -> None:
        """Viewers came into the audience or left it; `away` changes the users
        not in it (harness/load/arrivals: breaks, and the arrivals' pool)."""
        self._open.arrivals += arrived
        self._open.departures += departed
        self._away += away

    def request(
        self, group: str, seconds: float, failure: str | None = None, fidelity: str | None = None
    ) -> None:
        """A finished request; `failure` says why it failed ("503", "ConnectionRefusedError");
        `fidelity` is the tier of the viewer who made it (None: not a viewer's, or full)."""
        self._open.tally(group).add(seconds, failure is None)
        if fidelity == MANIFEST:
            self._open.manifest_requests += 1
            self._open.manifest_request_failures += failure is not None
        if failure is not None:
            reason = f"{group} {failure}"
            self._open.errors[reason] = self._open.errors.get(reason, 0) + 1

    def ended(self, playback: Playback, now: float) -> None:
        """The playback is over (left, gave up, failed): count its last time."""
        entry = self._watched.pop(id(playback), None)
        if entry is not None:
            self._count_protocol(playback)
            self._unnamed.discard(id(playback))
            self._recovering.discard(id(playback))
            self._client_of.pop(id(playback), None)
            playback.end(now)
            self._add_time(*entry)

    # --- once a second --------------------------------------------------------

    def _add_time(self, playback: Playback, counted: Totals) -> None:
        delta = playback.totals.minus(counted)
        window = self._open
        window.played_s += delta.played_s
        window.stalled_s += delta.stalled_s
        window.stalls += delta.stalls
        window.bitrate_kbps_s += delta.bitrate_kbps_s
        window.switches += delta.switches

    def close(self, second: int, now: float) -> Window:
        """The window of `second`: events since the last close, time played
        and stalled up to `now`, the viewers by state at `now` (and how long
        those still before their first frame have waited), and this
        process's CPU and loop lag since the last close."""
        window = self._open
        window.second = second
        window.generator = self._monitor.read()
        for key, (playback, counted) in list(self._watched.items()):
            playback.advance(now)
            self._count_protocol(playback)
            self._add_time(playback, counted)
            self._watched[key] = (playback, Totals(**vars(playback.totals)))
            window.joining += playback.state == JOINING
            window.playing += playback.state == PLAYING
            window.stalled += playback.state == STALLED
            window.recovering += playback.state == JOINING and key in self._recovering
            if playback.state == JOINING:
                self._waited(window, key, now - playback.joined_at)
        window.waiting_to_retry = self._waiting
        window.manifest_viewers = self._manifest.watching
        window.away = self._away
        self._open = Window(second + 1)
        return window

    def _waited(self, window: Window, key: int, seconds: float) -> None:
        window.waits.add(seconds)
        client = self._client_of.get(key)
        if client is not None:
            window.client(client).waits.add(seconds)

    def stop(self) -> None:
        """The run is over: stop measuring the process."""
        self._monitor.stop()


class ManifestTier:
    """The collector's side for manifest-tier viewers: their attempts, the
    ones in an attempt, and the attempts that failed. They download no media,
    so their startup, stalls and bitrate say nothing of what a viewer feels."""

    def __init__(self, collector: Collector) -> None:
        self._collector = collector
        self._attempting: set[int] = set()

    @property
    def watching(self) -> int:
        """Manifest viewers in an attempt now (joining or past the first frame)."""
        return len(self._attempting)

    def attempt(
        self, playback: Playback, client: str | None = None, recovering: bool = False
    ) -> None:
        self._collector.window.manifest_attempts += 1
        self._attempting.add(id(playback))

    def waiting(self, viewers: int) -> None:
        """The viewer gauges are full viewers' only."""

    def started(self, startup_time: float, client: str | None = None) -> None:
        """A first frame: no startup time of the manifest tier counts."""

    def start_failed(self, reason: str, client: str | None = None) -> None:
        self._collector.window.manifest_failures += 1

    def exited_before_start(self, client: str | None = None) -> None:
        self._collector.window.manifest_failures += 1

    def booking(self, failed: bool) -> None:
        """Getting in counts for full viewers only; a failure is one of this tier's."""
        self._collector.window.manifest_failures += failed

    def playback_failed(self, reason: str = "player") -> None:
        self._collector.window.manifest_failures += 1

    def ended(self, playback: Playback, now: float) -> None:
        self._attempting.discard(id(playback))
        playback.end(now)
