"""Signing up and booking on the running stack as a viewer's app does, and
looking into its accounts database as an operator would (psql)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid

import requests

from kickoff_stack import postgres

from tests.stack.helpers import EDGE, TIMEOUT, media_playlist, playback_path, uncached, variants

DATABASE_PORT = 9432


def new_name(prefix: str = "viewer") -> str:
    """A username no other test or run has taken."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def signup(username: str | None = None, password: str = "kickoff") -> requests.Response:
    return requests.post(f"{EDGE}/accounts/signup",
                         json={"username": username or new_name(), "password": password},
                         timeout=TIMEOUT)


def session_of(username: str | None = None) -> str:
    response = signup(username)
    assert response.status_code == 201, response.text
    return response.json()["session"]


def book(session: str, event: str) -> requests.Response:
    return requests.post(f"{EDGE}/accounts/bookings", json={"event": event},
                         headers={"Authorization": f"Bearer {session}"}, timeout=TIMEOUT)


def sql(query: str) -> list[list[str]]:
    """Rows of a query on the stack's database (published on 127.0.0.1 on both platforms)."""
    result = subprocess.run(
        [str(postgres.binaries() / "psql"), "-h", "127.0.0.1", "-p", str(DATABASE_PORT),
         "-U", postgres.ROLE, "-d", postgres.DATABASE, "-AtX", "-F", "\t", "-c", query],
        capture_output=True, text=True, timeout=TIMEOUT,
        env=dict(os.environ, PGPASSWORD=postgres.password_from_env(), PGCONNECT_TIMEOUT="3"))
    assert result.returncode == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.2)


class Watcher:
    """A viewer already watching: fetches the live playlist and its newest
    segment through the edge, again and again, counting what failed."""

    def __init__(self) -> None:
        self.url = variants(EDGE, playback_path())[0].uri
        self.fetches = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                segment = media_playlist(uncached(self.url)).segments[-1]
                response = requests.get(segment.uri, timeout=TIMEOUT)
                if response.status_code != 200:
                    self.failures.append(f"segment {response.status_code}")
            except (requests.RequestException, IndexError) as error:
                self.failures.append(repr(error))
            self.fetches += 1
            self._stop.wait(0.2)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * TIMEOUT)
