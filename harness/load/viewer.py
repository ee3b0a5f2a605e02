"""Viewers: Locust users that behave like a streaming app and its player.

One attempt is what a person does after pressing play: the app's journey
(journey/: a catalog, a login, an entitlement ... whatever the platform's app
does) gives the player a stream URL, or the scenario names a bare stream; then
the player (player.py) until the first frame and on, with the journey's
while-watching flows in between. Whatever ends an attempt is counted
(collector.py): an error before the first frame is a video start failure
(with its reason: the journey step, or the player), waiting longer than the
client's patience an exit before video start, an error later a playback
failure; but an attempt that stopped at signing up or booking is a booking
failure (entry.py), whatever stopped it. Newcomers (viewers without an
account) sign up afresh on every attempt (journey/newcomers.py). Then, like
a person, the viewer presses play again after a few seconds, for as long as
the audience shape keeps it, or (audience.leaving) until it leaves the player
for the app's home screen, running the journey's leaving flow, and perhaps
comes back later (arriving viewers of the open model ride on the pool of
harness/load/arrivals/pool.py). A client type's viewers
are of one fidelity tier (fidelity.py): `full` download segments, `manifest`
only their first bytes, and report to the collector's tier of their own.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import time
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode, urljoin

import gevent
from locust import FastHttpUser, constant_pacing, task
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS

from harness.load import journey
from harness.load.arrivals.leaving import Leaving, Stay, stays
from harness.load.arrivals.queue import RunClock, until
from harness.load.clients import ClientProfile
from harness.load.collector import Collector
from harness.load.drain import drain
from harness.load.entry import Entry
from harness.load.fidelity import FULL, PLAYERS
from harness.load.journey.http import Fetch, Response, cookies_set, read_body
from harness.load.journey.newcomers import newcomer, run_token
from harness.load.journey.trip import CodeTrip, DataTrip
from harness.load.journey.viewer import Viewer as JourneyViewer
from harness.load.playback import JOINING, Playback
from harness.load.player import Player, StreamEnded
from harness.load.retry import FetchError, TooSlow

REPLAY_AFTER = (2.0, 6.0)  # seconds before pressing play again after a failure
PLAYER_FAILED = "player"  # the start-failure reason when the stream's requests failed
IDLE_S = 5.0  # a pool user with no arrival left waits this long before it looks again
T = TypeVar("T")


class GaveUp(BaseException):
    """The viewer's patience ran out before the first frame. A BaseException,
    so that no `except Exception` in a user's journey class swallows it."""


class Left(BaseException):
    """The viewer's stay is over: it leaves the player (a BaseException, like GaveUp)."""


@dataclass
class AudienceSettings:
    """What every viewer of a run shares; one per run."""

    collector: Collector
    event: str | None
    subscribers: float
    seed: int
    journey: journey.AnyJourney | None = None  # None: play `stream`
    stream: str | None = None  # a bare stream URL: no journey before the player
    cmcd: str | None = None  # "query" or "headers": players send CMCD (harness.load.cmcd)
    numbers: Iterator[int] = field(default_factory=itertools.count)  # viewers
    api_numbers: Iterator[int] = field(default_factory=itertools.count)  # API users
    newcomers: float = 0.0  # share of viewers without an account (never subscribers)
    token: str = field(default_factory=run_token)  # this run's: newcomers' names differ per run
    leaving: Sequence[Leaving] = ()  # audience.leaving: moments viewers leave the player
    clock: RunClock | None = None  # the run's match time, with leaving moments or arrivals

    def who(self, number: int, client: str, subscriber: bool) -> JourneyViewer:
        accounts = self.journey.accounts if self.journey else None
        return journey.Viewer(
            number,
            client,
            subscriber,
            self.event,
            accounts.for_viewer(number) if accounts else None,
        )

    def start_trip(self, fetch: Fetch, who: JourneyViewer) -> DataTrip | CodeTrip:
        """A viewer's trip through the run's journey (JourneyFailed when a class
        will not start); only a run with a journey starts trips."""
        if self.journey is None:
            raise RuntimeError("a run without a journey starts no trips")
        return journey.start(self.journey, fetch, who, gevent.sleep)


def viewer_rng(seed: int, number: int) -> random.Random:
    """Viewer `number`'s own draws (its waits before pressing play again)."""
    return random.Random(f"{seed}:{number}")


def is_subscriber(number: int, share: float) -> bool:
    """Exactly `share` of viewers 0..n-1 are subscribers, spread evenly."""
    return int((number + 1) * share) > int(number * share)


def is_newcomer(number: int, subscribers: float, newcomers: float) -> bool:
    """`newcomers` of viewers 0..n-1 (to within one viewer) have no account,
    spread evenly over those who are not subscribers (int(n * subscribers)
    of 0..n-1 are)."""
    if newcomers <= 0 or is_subscriber(number, subscribers):
        return False
    # rounded: 0.3 / (1 - 0.7) must be 1, every non-subscriber
    share = min(1.0, round(newcomers / (1 - subscribers), 9))
    return is_subscriber(number - int(number * subscribers), share)


def _why(group: str, status: int, error: BaseException | None) -> str:
    """A failed request in a few words without its URL: "segment 503",
    "playlist ConnectionRefusedError"."""
    return f"{group} {status or error.__class__.__name__}"


class _App(FastHttpUser):
    """HTTP the way an app does it: a request group per call, bounded waits,
    a cookie jar of its own (the client's)."""

    abstract = True
    connection_timeout = 3.0
    network_timeout = 10.0
    settings: AudienceSettings

    def fetch(self, url: str, group: str, time_limit: float | None = None, **kwargs) -> bytes:
        """The player's request for a document (a playlist, an MPD):
        the body of a 2xx answer, else FetchError (Locust records both);
        TooSlow, and the request cut off, when it outlasts `time_limit`.
        `headers=` and the like go on to Locust."""
        method = "POST" if "json" in kwargs else "GET"

        def send() -> bytes:
            response = self.client.request(method, url, name=group, **kwargs)
            error = getattr(response, "error", None)  # set only when the request failed
            if error is not None or not 200 <= response.status_code < 300:
                raise FetchError(
                    f"{group} {url}: {response.status_code or error}",
                    response.status_code or None,
                    _why(group, response.status_code, error),
                )
            return response.content

        return self._within(time_limit, method, url, group, send)

    def count(
        self, url: str, group: str, time_limit: float | None = None, abandon: bool = False, **kwargs
    ) -> int:
        """The player's request for media: like fetch(), but the body is read
        as it arrives, counted and dropped, never held whole (drain.py). Locust records
        the request when its last byte is in, with the bytes counted, as it
        does for a body it reads itself. `abandon`: the player gives the download
        up at `time_limit` to step down (its ABR's choice, not the platform's failure)."""

        def send() -> int:
            started = time.perf_counter()
            with self.client.request(
                "GET", url, name=group, stream=True, catch_response=True, **kwargs
            ) as answer:
                error = getattr(answer, "error", None)  # set only when the request failed
                if error is not None or not 200 <= answer.status_code < 300:
                    answer.failure(error or f"HTTP {answer.status_code}")
                    raise FetchError(
                        f"{group} {url}: {answer.status_code or error}",
                        answer.status_code or None,
                        _why(group, answer.status_code, error),
                    )
                try:
                    received = drain(answer)
                except FAILURE_EXCEPTIONS as broken:  # the connection broke mid-body
                    answer.request_meta["response_length"] = 0
                    answer.failure(broken)
                    raise FetchError(
                        f"{group} {url}: {broken.__class__.__name__}", None, _why(group, 0, broken)
                    ) from None
                answer.request_meta["response_time"] = (time.perf_counter() - started) * 1000
                answer.request_meta["response_length"] = received
                return received

        return self._within(time_limit, "GET", url, group, send, abandon)

    def _within(
        self,
        time_limit: float | None,
        method: str,
        url: str,
        group: str,
        send: Callable[[], T],
        abandon: bool = False,
    ) -> T:
        """send(), cut off with TooSlow when it outlasts `time_limit` seconds: a failed
        request, or (`abandon`) one the player dropped, counted with its time but no error."""
        if time_limit is None:  # playlists: the client's own network timeout bounds them
            return send()
        slow = TooSlow(f"{group} {url}: cut off after {time_limit}s")
        try:
            with gevent.Timeout(time_limit, slow):
                return send()
        except TooSlow as cut_off:
            if cut_off is not slow:
                raise
            # Locust never saw it finish: record it as the failed request it is, or
            # as one the player abandoned (a real player's ABR does, and no server failed).
            self.environment.events.request.fire(
                request_type=method,
                name=group,
                response_time=time_limit * 1000,
                response_length=0,
                exception=None if abandon else cut_off,
                context={"abandoned": True} if abandon else {},
                response=None,
                url=url,
            )
            raise

    def request(
        self,
        method: str,
        url: str,
        *,
        group: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        accept: Collection[int] | None = None,
    ) -> Response:
        """A journey's request (journey.Fetch): recorded under `group`, a
        success when its status is in `accept` (default any 2xx), else
        FetchError saying only the status (URLs may hold account values)."""
        headers = dict(headers or {})
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        if data is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        started = time.perf_counter()
        with self.client.request(
            method,
            url,
            name=group,
            headers=headers,
            json=json,
            data=urlencode(data) if data is not None else None,
            stream=True,
            catch_response=True,
        ) as answer:
            # No status: the request itself failed (refused, reset, timed out).
            status, error = answer.status_code or 0, getattr(answer, "error", None)
            body, whole = b"", True
            if status:
                try:  # at most BODY_BYTES: a hostile answer's size costs nothing more
                    body, whole = read_body(
                        answer._response.read, answer.headers.get("content-encoding") or ""
                    )
                except (*FAILURE_EXCEPTIONS, zlib.error) as broken:  # cut short, or not gzip
                    status, error = 0, broken
                if not whole:
                    answer._response.release()  # closed: the rest is never read
                answer.request_meta["response_time"] = (time.perf_counter() - started) * 1000
                answer.request_meta["response_length"] = len(body)
            if status and (status in accept if accept else 200 <= status < 300):
                answer.success()
            else:
                answer.failure(f"HTTP {status}" if status else error)
                raise FetchError(
                    f"HTTP {status}" if status else error.__class__.__name__, status or None
                )
        names = {name.lower() for name in answer.headers.keys()}
        return Response(
            status,
            {name: ", ".join(answer.headers.getlist(name)) for name in names},
            body,
            cookies_set(answer.headers.getlist("set-cookie")),
            whole,
        )


class Viewer(_App):
    abstract = True
    profile: ClientProfile
    fidelity: str = FULL  # harness.load.fidelity tier

    def context(self) -> dict:
        """Goes with every request event: the collector counts a tier's requests."""
        return {"fidelity": self.fidelity}

    def on_start(self) -> None:
        self.become(next(self.settings.numbers))
        self.here: bool | None = None  # in the audience (None: not yet counted either way)
        self.gone = False  # left for good: idle until the shape stops it

    def become(self, number: int) -> None:
        """Be viewer `number`, of this user's client type and tier."""
        self.number = number
        self.rng = viewer_rng(self.settings.seed, number)
        self.subscriber = is_subscriber(number, self.settings.subscribers)
        self.newcomer = is_newcomer(number, self.settings.subscribers, self.settings.newcomers)
        self.who = self.settings.who(number, self.profile.name, self.subscriber)
        self.attempts = 0
        self.playback: Playback | None = None
        self.player: Player | None = None  # the attempt's (harness calibrate looks at it)
        self.trip: DataTrip | CodeTrip | None = None

    def on_stop(self) -> None:
        if self.playback is not None:  # stopped by the shape mid-attempt: a normal leave
            self.settings.collector.tier(self.fidelity).ended(self.playback, time.monotonic())
        if self.here is not None:  # stopped while here (a departure) or while away
            self.settings.collector.presence(departed=int(self.here), away=-int(not self.here))

    @task
    def watch(self) -> None:
        self.turn()

    def turn(self) -> None:
        """One turn of the viewer's task: the curve's viewer watches (leaving and
        coming back at the leaving moments that take it)."""
        clock = self.settings.clock
        if not self.settings.leaving or clock is None:
            self.arrive()
            self.watch_on()
        elif self.gone or not clock.wait():
            gevent.sleep(IDLE_S)
        else:
            self.visit(
                stays(
                    clock.match(), math.inf, self.number, self.settings.leaving, self.settings.seed
                )
            )
            self.gone = True

    def watch_on(self) -> None:
        """Attempt after attempt, until the viewer is stopped or leaves; after
        a failed one the viewer is waiting to retry, then recovering."""
        failed = False
        while True:
            failed = self.attempt(recovering=failed)
            tier = self.settings.collector.tier(self.fidelity)
            tier.waiting(int(failed))
            try:
                gevent.sleep(self.rng.uniform(*REPLAY_AFTER))
            finally:  # also when the viewer leaves or is stopped meanwhile
                tier.waiting(-int(failed))

    def visit(self, visits: Sequence[Stay]) -> None:
        """Away until each stay starts, watching during it; on leaving, the
        journey's leaving flow (if the stay names one)."""
        clock = self.settings.clock
        assert clock is not None  # stays are in match time: a run with them has its clock
        for stay in visits:
            gevent.sleep(until(clock, stay.start))
            self.arrive()
            left = Left()
            try:
                with gevent.Timeout(until(clock, stay.end), left):
                    self.watch_on()
            except Left as over:
                if over is not left:
                    raise
            self.here = False
            self.settings.collector.presence(departed=1, away=1)
            if stay.flow is not None:
                self.leave_by(stay.flow)

    def arrive(self) -> None:
        self.settings.collector.presence(arrived=1, away=-int(self.here is False))
        self.here = True

    def leave_by(self, flow: str) -> None:
        """The journey's leaving flow, with what the last attempt's trip knows."""
        trip = self.trip
        if trip is None:
            try:
                trip = self.settings.start_trip(self.request, self.who)
            except journey.JourneyFailed:  # a journey class that will not start
                return
        trip.leave(flow)

    def attempt(self, recovering: bool = False) -> bool:
        """One attempt, counted; whether it failed (an error, or gave up waiting).
        `recovering`: the viewer's last attempt failed."""
        collector = self.settings.collector.tier(self.fidelity)
        # the player sets its model's buffers once the manifest says the protocol
        playback = Playback(time.monotonic(), startup_buffer=0.0, resume_buffer=0.0)
        self.playback = playback
        client = self.profile.name  # the new-viewer tallies are by client type
        collector.attempt(playback, client, recovering)
        player = PLAYERS[self.fidelity](
            self.fetch,
            time.monotonic,
            gevent.sleep,
            playback,
            self.profile,
            cmcd=self.settings.cmcd,
            count=self.count,
        )
        self.player = player
        entry = Entry(self.request)
        try:
            with gevent.Timeout(self.profile.patience, GaveUp()):
                trip, url = self.stream(entry.fetch)
                entry.done(collector)
                player.open(url)
                while playback.state == JOINING:
                    player.step()
            startup = playback.startup_time
            assert startup is not None  # out of JOINING: the first frame showed
            collector.started(startup, client)
            self.keep_watching(player, trip.repeats() if trip else [])
        except GaveUp:
            if not entry.done(collector, failed=True):
                collector.exited_before_start(client)
        except journey.JourneyFailed as failure:
            if not entry.done(collector, failure.group, failed=True):
                collector.start_failed(failure.reason, client)
        except FetchError as error:
            if playback.started_at is None:
                collector.start_failed(PLAYER_FAILED, client)
            else:
                collector.playback_failed(error.reason)
        except StreamEnded:
            return False
        finally:
            collector.ended(playback, time.monotonic())
            self.playback = None
        return True

    def stream(self, fetch: Fetch) -> tuple[DataTrip | CodeTrip | None, str]:
        """The trip through the journey (None for a bare stream), its requests
        made with `fetch`, and the stream's URL."""
        if self.settings.stream:
            return None, self.settings.stream
        self.attempts += 1
        who = self.who
        if self.newcomer:  # a sign-up of this attempt's own
            who = dataclasses.replace(
                who,
                newcomer=newcomer(
                    self.settings.seed, self.settings.token, who.number, self.attempts
                ),
            )
        trip = self.settings.start_trip(fetch, who)
        self.trip = trip  # its variables so far serve a leaving flow
        return trip, urljoin(self.host or "", trip.playback_url())

    def keep_watching(self, player: Player, repeats: journey.trip.Repeats) -> None:
        """Play on, running the journey's while-watching flows when they are
        due (a failed one is an error the app shows nowhere: playback goes on)."""
        due = [time.monotonic() + every for every, _ in repeats]
        while True:
            player.step()
            for index, (every, run_round) in enumerate(repeats):
                if time.monotonic() >= due[index]:
                    due[index] += every
                    run_round()


class ApiUser(_App):
    """Calls the API without watching: one round of its journey flow each interval."""

    abstract = True
    kind: str
    trip: DataTrip | CodeTrip | None

    def on_start(self) -> None:
        who = self.settings.who(next(self.settings.api_numbers), "", False)
        try:
            self.trip = self.settings.start_trip(self.request, who)
        except journey.JourneyFailed:  # a journey class that will not start: no rounds
            self.trip = None

    @task
    def round(self) -> None:
        if self.trip is not None:
            self.trip.api_round(self.kind)


def user_classes(
    settings: AudienceSettings,
    clients: dict[str, ClientProfile],
    shares: dict[str, float],
    api_users: list[tuple[str, int, float]],
    host: str | None,
    fidelity: Mapping[str, str] | None = None,
) -> list[type[_App]]:
    """Locust user classes for one run: a viewer class per client type,
    weighted by its share, of its `fidelity` tier (default full), and a
    fixed number of each kind of API user."""
    classes: list[type[_App]] = []
    for name, share in shares.items():
        if share > 0:
            classes.append(
                type(
                    f"{name.capitalize()}Viewer",
                    (Viewer,),
                    {
                        "abstract": False,
                        "weight": max(1, round(share * 1000)),
                        "profile": clients[name],
                        "fidelity": (fidelity or {}).get(name, FULL),
                        "settings": settings,
                        "host": host,
                    },
                )
            )
    for kind, count, interval in api_users:
        classes.append(
            type(
                f"ApiUser{len(classes)}",
                (ApiUser,),
                {
                    "abstract": False,
                    "fixed_count": count,
                    "wait_time": constant_pacing(interval),
                    "kind": kind,
                    "settings": settings,
                    "host": host,
                },
            )
        )
    return classes
