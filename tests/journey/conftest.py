"""A platform nobody here designed, for journey tests: a live HLS stream that
ffmpeg writes now, an API shaped unlike the reference stack's
(platform_api.py), and a Toxiproxy server of our own in front of it. All on
free ports of 127.0.0.1, so no test here needs the reference stack's lock."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ACCOUNTS = [("viewer-a", "pw-a-secret"), ("viewer-b", "pw-b-secret"), ("viewer-c", "pw-c-secret")]
# harness.links accepts only the reference stack's link names until links come from the
# stack descriptor: the proxy in front of the test platform borrows one of them.
LINK = "edge-auth"
STREAM_SECONDS = 300  # ffmpeg stops by itself after this, whatever happens to the tests


def _wait(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout}s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """A live HLS stream (two renditions, 1 s TS segments) ffmpeg writes in real time."""
    folder = tmp_path_factory.mktemp("media")
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "testsrc=size=320x180:rate=25", "-filter_complex", "[0:v]split=2[a][b];[b]scale=160:90[c]",
         "-map", "[a]", "-map", "[c]", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
         "-keyint_min", "25", "-sc_threshold", "0", "-b:v:0", "300k", "-b:v:1", "120k",
         "-f", "hls", "-hls_time", "1", "-hls_list_size", "8", "-hls_flags",
         "delete_segments+independent_segments", "-master_pl_name", "master.m3u8",
         "-var_stream_map", "v:0 v:1", "-hls_segment_filename", str(folder / "v%v_%d.ts"),
         "-t", str(STREAM_SECONDS), str(folder / "v%v.m3u8")],
        stdin=subprocess.DEVNULL)
    try:
        _wait(lambda: (folder / "v1.m3u8").exists() and
              (folder / "v1.m3u8").read_text().count("#EXTINF") >= 4,
              "ffmpeg wrote four segments")
        yield folder
    finally:
        ffmpeg.kill()
        ffmpeg.wait()


@pytest.fixture(scope="session", params=["/media/master.m3u8"])
def stream_path(request) -> str:
    """Where the platform's playback-info points (an HLS master playlist today)."""
    return request.param


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
        _wait(lambda: _answers(proxy), "toxiproxy-server answered")
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
