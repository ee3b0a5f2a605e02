"""A platform nobody here designed, for journey tests: a live DASH stream that
ffmpeg writes now (tests/streams/servers.py), an API shaped unlike the reference stack's
(platform_api.py), and a Toxiproxy server of our own in front of it. All on
free ports of 127.0.0.1, so no test here needs the reference stack's lock."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.streams.servers import MANIFEST, free_port, live_encoder, wait_for, wait_for_window

HERE = Path(__file__).parent
ACCOUNTS = [("viewer-a", "pw-a-secret"), ("viewer-b", "pw-b-secret"), ("viewer-c", "pw-c-secret")]
# harness.platforms.links accepts only the reference stack's link names until links come from the
# stack descriptor: the proxy in front of the test platform borrows one of them.
LINK = "edge-auth"
SHAPE = "dash-number"  # live DASH, as playback-info answers
STREAM_SECONDS = 300  # ffmpeg stops by itself after this, whatever happens to the tests


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """A live DASH stream ($Number$ segments, video and audio) ffmpeg writes in real time."""
    folder = tmp_path_factory.mktemp("media") / "www"
    with live_encoder(SHAPE, folder, STREAM_SECONDS):
        wait_for_window(folder, SHAPE, 4)
        yield folder


@pytest.fixture(scope="session")
def stream_path() -> str:
    """Where the platform's playback-info points: the live MPD."""
    return f"/media/{MANIFEST[SHAPE]}"


@pytest.fixture(scope="session")
def accounts_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("accounts") / "accounts.csv"
    path.write_text("username,password,tier\n" + "".join(f"{u},{p},gold\n" for u, p in ACCOUNTS))
    return path


@pytest.fixture(scope="session")
def platform_api(media, stream_path, accounts_csv):
    """The test platform's base URL."""
    server = subprocess.Popen([sys.executable, str(HERE / "platform_api.py"), str(accounts_csv),
                               str(media), stream_path], stdout=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL)
    try:
        port = int(server.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait()


class Toxiproxy:
    def __init__(self, api: str) -> None:
        self.api = api

    def call(self, method: str, path: str, body: dict | None = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read() or b"null")


@pytest.fixture
def toxiproxy(platform_api):
    """Our own toxiproxy-server with one proxy, LINK, in front of the test
    platform: (its API, the proxy's URL)."""
    if shutil.which("toxiproxy-server") is None:
        pytest.fail("toxiproxy-server is not installed (see README: what a fresh machine needs)")
    port = free_port()
    server = subprocess.Popen(["toxiproxy-server", "-host", "127.0.0.1", "-port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
    proxy = Toxiproxy(f"http://127.0.0.1:{port}")
    try:
        wait_for(lambda: _answers(proxy), "toxiproxy-server")
        listen = free_port()
        proxy.call("POST", "/proxies", {"name": LINK, "listen": f"127.0.0.1:{listen}",
                                        "upstream": platform_api.removeprefix("http://")})
        yield proxy, f"http://127.0.0.1:{listen}"
    finally:
        server.kill()
        server.wait()


def _answers(proxy: Toxiproxy) -> bool:
    try:
        proxy.call("GET", "/version")
        return True
    except (OSError, ValueError):
        return False
