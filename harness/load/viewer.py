"""Viewers: Locust users that behave like a streaming app and its player.

One attempt is what a person does after pressing play: the catalog (what is
live), a login for subscribers, the entitlement (a signed playback URL), then
the player (player.py) until the first frame and on. Whatever ends an attempt
is counted (collector.py): an error before the first frame is a video start
failure, waiting longer than the client's patience an exit before video start,
an error later a playback failure. Then, like a person, the viewer presses
play again after a few seconds, for as long as the audience shape keeps it.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

import gevent
from locust import FastHttpUser, constant_pacing, task

from harness.load.clients import ClientProfile
from harness.load.collector import Collector
from harness.load.playback import JOINING, Playback
from harness.load.player import Player, StreamEnded
from harness.load.retry import FetchError, TooSlow, with_retries

REPLAY_AFTER = (2.0, 6.0)  # seconds before pressing play again after a failure
SUBSCRIBER_ACCOUNTS = 2000  # subscriber-0001 ... as the reference stack seeds them
SUBSCRIBER_PASSWORD = "matchday"


class GaveUp(Exception):
    """The viewer's patience ran out before the first frame."""


@dataclass
class AudienceSettings:
    """What every viewer of a run shares; one per run."""

    collector: Collector
    event: str | None
    subscribers: float
    seed: int
    numbers: Iterator[int] = field(default_factory=itertools.count)  # viewers
    logins: Iterator[int] = field(default_factory=itertools.count)  # login-storm users
    stream: str | None = None  # a bare stream URL: play it without the app's journey
    cmcd: str | None = None  # "query" or "headers": players send CMCD (harness.load.cmcd)


def is_subscriber(number: int, share: float) -> bool:
    """Exactly `share` of viewers 0..n-1 are subscribers, spread evenly."""
    return int((number + 1) * share) > int(number * share)


def subscriber_name(number: int) -> str:
    return f"subscriber-{number % SUBSCRIBER_ACCOUNTS + 1:04d}"


class _App(FastHttpUser):
    """HTTP the way an app does it: a request group per endpoint, bounded waits."""

    abstract = True
    connection_timeout = 3.0
    network_timeout = 10.0
    settings: AudienceSettings

    def fetch(self, url: str, group: str, time_limit: float | None = None, **kwargs) -> bytes:
        """The body of a 2xx answer, else FetchError (Locust records both);
        TooSlow, and the request cut off, when it outlasts `time_limit`."""
        method = "POST" if "json" in kwargs else "GET"
        slow = TooSlow(f"{group} {url}: cut off after {time_limit}s")
        try:
            with gevent.Timeout(time_limit, slow):
                response = self.client.request(method, url, name=group, **kwargs)
        except TooSlow as cut_off:
            if cut_off is not slow:
                raise
            # Locust never saw it finish: record it as the failed request it is.
            self.environment.events.request.fire(
                request_type=method, name=group, response_time=time_limit * 1000,
                response_length=0, exception=cut_off, context={}, response=None, url=url)
            raise
        error = getattr(response, "error", None)  # set only when the request failed
        if error is not None or not 200 <= response.status_code < 300:
            raise FetchError(f"{group} {url}: {response.status_code or error}")
        return response.content

    def fetch_json(self, url: str, group: str, **kwargs) -> dict:
        def call() -> dict:
            try:
                return _json_object(self.fetch(url, group, **kwargs))
            except ValueError as error:
                raise FetchError(f"{group} {url}: {error}") from None

        return with_retries(call, gevent.sleep)


def _json_object(body: bytes) -> dict:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


class Viewer(_App):
    abstract = True
    profile: ClientProfile

    def on_start(self) -> None:
        number = next(self.settings.numbers)
        self.rng = random.Random(f"{self.settings.seed}:{number}")
        self.username = subscriber_name(number)
        self.subscriber = is_subscriber(number, self.settings.subscribers)
        self.playback: Playback | None = None

    def on_stop(self) -> None:
        if self.playback is not None:  # stopped by the shape mid-attempt: a normal leave
            self.settings.collector.ended(self.playback, time.monotonic())

    @task
    def watch(self) -> None:
        while True:
            self.attempt()
            gevent.sleep(self.rng.uniform(*REPLAY_AFTER))

    def attempt(self) -> None:
        collector = self.settings.collector
        playback = Playback(time.monotonic(), self.profile.startup_buffer,
                            self.profile.resume_buffer)
        self.playback = playback
        collector.attempt(playback)
        player = Player(self.fetch, time.monotonic, gevent.sleep, playback, self.profile,
                        cmcd=self.settings.cmcd)
        try:
            with gevent.Timeout(self.profile.patience, GaveUp()):
                player.open(self.playback_url())
                while playback.state == JOINING:
                    player.step()
            collector.started(playback.startup_time)
            self.keep_watching(player)
        except GaveUp:
            collector.exited_before_start()
        except FetchError:
            if playback.started_at is None:
                collector.start_failed()
            else:
                collector.playback_failed()
        except StreamEnded:
            pass
        finally:
            collector.ended(playback, time.monotonic())
            self.playback = None

    def keep_watching(self, player: Player) -> None:
        """Play on, refreshing the catalog as the app does (a failed refresh
        is an error the app shows nowhere: playback goes on)."""
        next_poll = time.monotonic() + self.profile.catalog_poll
        while True:
            player.step()
            if self.settings.stream is None and time.monotonic() >= next_poll:
                next_poll += self.profile.catalog_poll
                try:
                    self.fetch("/api/live", "catalog")
                except FetchError:
                    pass

    def playback_url(self) -> str:
        if self.settings.stream is not None:
            return self.settings.stream
        event = self.settings.event or self.free_to_air_event()
        headers = {}
        if self.subscriber:
            login = self.fetch_json("/auth/login", "auth", json={
                "username": self.username, "password": SUBSCRIBER_PASSWORD})
            headers["Authorization"] = f"Bearer {login['session']}"
        entitlement = self.fetch_json(f"/auth/entitlement/{event}", "auth", headers=headers)
        return urljoin(self.host, entitlement["playback_url"])

    def free_to_air_event(self) -> str:
        events = self.fetch_json("/api/live", "catalog").get("events", [])
        free = [e["id"] for e in events if e.get("free_to_air")]
        if not free:
            raise FetchError("the catalog lists no free-to-air event live now")
        return free[0]


class EpgPoller(_App):
    """An app on a home screen: polls the schedule and what is live."""

    abstract = True

    @task
    def poll(self) -> None:
        for path in ("/api/epg", "/api/live"):
            try:
                self.fetch(path, "catalog")
            except FetchError:
                pass


class LoginUser(_App):
    """A subscriber signing in (a login storm is many of them)."""

    abstract = True

    def on_start(self) -> None:
        self.username = subscriber_name(next(self.settings.logins))

    @task
    def login(self) -> None:
        try:
            self.fetch("/auth/login", "auth",
                       json={"username": self.username, "password": SUBSCRIBER_PASSWORD})
        except FetchError:
            pass


API_USER_CLASSES: dict[str, type[_App]] = {"epg": EpgPoller, "login": LoginUser}


def user_classes(settings: AudienceSettings, clients: dict[str, ClientProfile],
                 shares: dict[str, float], api_users: list[tuple[str, int, float]],
                 host: str) -> list[type[_App]]:
    """Locust user classes for one run: a viewer class per client type,
    weighted by its share, and a fixed number of each kind of API user."""
    classes: list[type[_App]] = []
    for name, share in shares.items():
        if share > 0:
            classes.append(type(f"{name.capitalize()}Viewer", (Viewer,), {
                "abstract": False, "weight": max(1, round(share * 1000)),
                "profile": clients[name], "settings": settings, "host": host}))
    for kind, count, interval in api_users:
        base = API_USER_CLASSES[kind]
        classes.append(type(f"{base.__name__}{len(classes)}", (base,), {
            "abstract": False, "fixed_count": count, "wait_time": constant_pacing(interval),
            "settings": settings, "host": host}))
    return classes
