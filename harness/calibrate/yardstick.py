"""A real player on a live stream: hls.js or dash.js in headless Chromium.

A small HTTP server on a free port of 127.0.0.1 serves the page (page.html,
page.js) and the player library; Chromium opens the page with a fresh
profile. The page asks the server when to begin (`/go`), so the caller can
start its own player at the same moment, plays the stream for the seconds
asked, and posts its figures back (`/result`); then Chromium is ended.
Chromium resolves no host name but the stream's (and this machine's): the
yardstick sends traffic only where the stream is. dash.js, which sets its
clock from time.akamai.com unless the MPD names a UTCTiming source, gets the
same answer from the server's `/time` (this machine's clock, to the
millisecond), so it plays as it does on a connected machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from harness.calibrate.figures import Figures
from harness.calibrate.installed import Yardstick
from harness.platforms.hosts import LOOPBACK
from harness.spec.errors import InfrastructureMissing

PAGE = Path(__file__).resolve().parent
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-web-security",  # the stream's server need not send CORS headers
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
)
READY_S = 60.0  # seconds Chromium may take to open the page
RESULT_GRACE_S = 30.0  # seconds past the play time the page may take to post its figures


class _Page:
    """What the server shares with the page: when to go, and the figures."""

    def __init__(self, files: dict[str, tuple[Path, str]], config: dict) -> None:
        self.files, self.config = files, config
        self.asked = threading.Event()  # the page asked /go
        self.go = threading.Event()  # the caller said go
        self.posted = threading.Event()
        self.result: dict | None = None


def _handler(page: _Page) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            if self.path == "/go":
                page.asked.set()
                page.go.wait(READY_S)
                self._send(json.dumps(page.config).encode(), "application/json")
            elif self.path == "/time":  # as time.akamai.com/?iso&ms answers dash.js
                now = time.time()
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
                self._send(f"{stamp}.{int(now * 1000) % 1000:03d}Z".encode(), "text/plain")
            elif self.path in page.files:
                path, kind = page.files[self.path]
                self._send(path.read_bytes(), kind)
            else:
                self.send_error(404)

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/result":
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            page.result = json.loads(body)
            self._send(b"{}", "application/json")
            page.posted.set()

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass  # the page's requests are no news

    return Handler


class RealPlayer:
    """hls.js or dash.js playing `url` in Chromium for `seconds` once start()
    is called (after an error it gives up on, a new player `replays[n]`
    seconds later); figures() waits for what it saw. Use as a context
    manager: on entry Chromium is up and the page waits; on exit Chromium is
    ended."""

    def __init__(
        self,
        yardstick: Yardstick,
        url: str,
        protocol: str,
        seconds: float,
        replays: Sequence[float] = (),
    ) -> None:
        self._yardstick, self._url, self._seconds = yardstick, url, seconds
        script = "text/javascript"
        self._page = _Page(
            {
                "/": (PAGE / "page.html", "text/html"),
                "/page.js": (PAGE / "page.js", script),
                "/player.js": (yardstick.player_file(protocol), script),
            },
            {"url": url, "protocol": protocol, "seconds": seconds, "replays": list(replays)},
        )
        self._server = ThreadingHTTPServer((LOOPBACK, 0), _handler(self._page))
        self._server.daemon_threads = True
        self._browser: subprocess.Popen | None = None
        self._profile = tempfile.TemporaryDirectory(prefix="kickoff-chromium-")
        self._log = tempfile.TemporaryFile()

    def __enter__(self) -> RealPlayer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host = urlsplit(self._url).hostname or LOOPBACK
        rules = f"MAP * ~NOTFOUND, EXCLUDE {host}, EXCLUDE localhost"
        page = f"http://{LOOPBACK}:{self._server.server_address[1]}/"
        self._browser = subprocess.Popen(
            [
                self._yardstick.chromium,
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                f"--host-resolver-rules={rules}",
                page,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,
        )  # its own process group: ended with all its children
        if not self._page.asked.wait(READY_S):
            self.__exit__(None, None, None)
            raise InfrastructureMissing(
                f"Chromium ({self._yardstick.chromium}) did not open the "
                f"player page within {READY_S:g}s: {self._stderr()}"
            )
        return self

    def start(self) -> None:
        """The page hands the player the stream's URL now."""
        self._page.go.set()

    def figures(self) -> Figures:
        """What the player saw, once it has played its seconds."""
        if not self._page.posted.wait(self._seconds + RESULT_GRACE_S):
            raise InfrastructureMissing(
                f"the player page posted no figures within "
                f"{self._seconds + RESULT_GRACE_S:g}s: {self._stderr()}"
            )
        posted = self._page.result
        assert posted is not None  # posted: the page sent its figures
        result = dict(posted)
        result["played_by_rung"] = {
            int(rung): seconds for rung, seconds in result["played_by_rung"].items()
        }
        return Figures(**result)

    def _stderr(self) -> str:
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "(Chromium said nothing)"

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._page.go.set()  # a page still waiting is answered, so its request ends
        if self._browser is not None and self._browser.poll() is None:
            os.killpg(self._browser.pid, signal.SIGTERM)
            try:
                self._browser.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._browser.pid, signal.SIGKILL)
                self._browser.wait(timeout=10)
        self._server.shutdown()
        self._server.server_close()
        self._profile.cleanup()
        self._log.close()
