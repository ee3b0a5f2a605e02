"""The test platform's app as a code journey (see ../platform_api.py for the API)."""

import hashlib
import math
import time

import gevent

from harness.load.journey import Journey


class MyPlatform(Journey):
    groups = ("token", "session", "playback-info", "heartbeat", "api-token")
    watch_every = 2.0
    api_kinds = ("tokens",)

    def token(self, group: str) -> str:
        return self.fetch("POST", "/oauth/token", group=group, data={
            "grant_type": "password", "username": self.account["username"],
            "password": self.account["password"]}).json()["access_token"]

    def playback_url(self) -> str:
        token = self.token("token")
        self.auth = {"Authorization": f"Bearer {token}"}
        self.fetch("POST", "/v1/session", group="session", headers=self.auth, accept=[201])
        info = self.fetch("GET", "/v1/playback-info", group="playback-info", headers=self.auth,
                          params={"channel": self.event}).json()
        return next(source["url"] for source in info["sources"] if source["type"] == "dash")

    def while_watching(self) -> None:
        self.fetch("GET", "/v1/playback-info", group="heartbeat", headers=self.auth,
                   params={"channel": self.event})

    def api_user(self, kind: str) -> None:
        self.token("api-token")


class Crashing(Journey):
    """An app whose code breaks before the player."""

    def playback_url(self) -> str:
        self.fetch("POST", "/oauth/token", group="token", data={"grant_type": "password"},
                   accept=[401])
        raise RuntimeError("the app crashed")


def burn(seconds: float) -> None:
    """Keep the process's one core busy hashing, never yielding to the event loop."""
    end = time.monotonic() + seconds
    digest = b"kickoff"
    while time.monotonic() < end:
        digest = hashlib.sha256(digest).digest()


def hold_every_second(seconds: float) -> None:
    """Hold the loop for `seconds` at the start of every wall-clock second, for
    good: aligned to the clock, so no second goes without (a round paced by
    its own calls drifts past a second, and then one goes free)."""
    while True:
        burn(seconds)
        gevent.sleep(max(0.0, math.floor(time.time()) + 1 - time.time()))


class Blocker(MyPlatform):
    """The app, whose API user, from its first round, holds the loop for
    BLOCK_S of every second: a load generator starved by its journey."""

    BLOCK_S = 0.5
    holding: gevent.Greenlet | None = None  # one per process

    def api_user(self, kind: str) -> None:
        if Blocker.holding is None:
            Blocker.holding = gevent.spawn(hold_every_second, self.BLOCK_S)
        super().api_user(kind)
