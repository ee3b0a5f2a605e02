"""Talking to the running stack the way a player app does."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

import requests

from harness.load.protocol.hls import MediaPlaylist, Variant, parse_master, parse_media

EDGE = "http://127.0.0.1:8080"
ORIGIN_A = "http://127.0.0.1:9101"
ORIGIN_B = "http://127.0.0.1:9102"
FREE_EVENT = "fck-tsv1860"
PAID_EVENT = "sge-bvb"
TIMEOUT = 5


def entitlement(event: str, session: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {session}"} if session else {}
    return requests.get(f"{EDGE}/auth/entitlement/{event}", headers=headers, timeout=TIMEOUT)


def login(username: str = "subscriber-0001", password: str = "matchday") -> requests.Response:
    return requests.post(f"{EDGE}/auth/login", json={"username": username, "password": password},
                         timeout=TIMEOUT)


def playback_path(event: str = FREE_EVENT, session: str | None = None) -> str:
    """The master playlist path with its query token, e.g. /live/x/master.m3u8?token=..."""
    response = entitlement(event, session)
    response.raise_for_status()
    return response.json()["playback_url"]


def variants(base: str, path: str) -> list[Variant]:
    response = requests.get(base + path, timeout=TIMEOUT)
    response.raise_for_status()
    return parse_master(response.text, base + path)


def media_playlist(url: str) -> MediaPlaylist:
    response = requests.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return parse_media(response.text, url)


def on_host(url: str, base: str) -> str:
    """The same path and query on another host (an origin instead of the edge)."""
    parts = urlsplit(url)
    return f"{base}{parts.path}?{parts.query}"


def uncached(url: str) -> str:
    """A URL the edge has not cached yet (its cache key includes the query)."""
    return f"{url}&probe={uuid.uuid4().hex}"


def timed_get(url: str) -> float:
    started = time.perf_counter()
    requests.get(url, timeout=TIMEOUT).raise_for_status()
    return time.perf_counter() - started


def wait_for_origin(url: str, origin: str, timeout: float = 15) -> None:
    """Until the edge serves `url` from `origin`: after a failure nginx keeps
    a primary out of rotation for its fail_timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(uncached(url), timeout=TIMEOUT).headers.get("X-Origin") == origin:
            return
        time.sleep(0.25)
    raise AssertionError(f"the edge did not go back to {origin} within {timeout}s")


def wait_until_serving(timeout: float = 20) -> None:
    """Until the edge serves the stream from its primary origin again: after
    a test that broke both origin links, nginx refuses for its fail_timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            url = variants(EDGE, playback_path())[0].uri
            wait_for_origin(url, "origin-a", timeout=max(1.0, deadline - time.monotonic()))
            return
        except (requests.RequestException, AssertionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
