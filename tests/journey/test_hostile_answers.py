"""A hostile platform's answers (issue 20, part 6): a huge body, a gzip bomb,
JSON nested a hundred thousand deep, a body that makes the journey's pattern
backtrack, a body that made the failure excerpt's redaction backtrack. Each
fails its journey step with a reason saying why (the start-failure reason a
run reports), inside the viewer's greenlet and without an exception out of
it; an ordinary answer still gives its value. A real HTTP server on
127.0.0.1 answers a real viewer's HTTP client."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator

import gevent
import pytest

from harness.spec.document import parse_document
from harness.load import journey
from harness.load.journey.http import BODY_BYTES, JSON_DEPTH
from harness.load.journey.pattern import SEARCH_SECONDS
from tests.streams.test_media_bodies import app

ANSWERS: dict[str, tuple[bytes, dict[str, str]]] = {
    "/fine": (b'{"token": "t-1", "ids": [1, 2]}', {}),
    "/big": (b'{"token": "' + b"x" * (5 * BODY_BYTES) + b'"}', {}),
    "/bomb": (gzip.compress(b"[" + b"0," * (20 * BODY_BYTES) + b"0]"),
              {"Content-Encoding": "gzip"}),
    "/deep": (b"[" * 100_000 + b"]" * 100_000, {}),
    "/backtrack": (b"x" * 5000, {}),
    "/hyphens": (b"a-" * 32_768, {}),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body, headers = ANSWERS[self.path.split("?")[0]]
        self.send_response(200)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client read what it wanted and closed

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def platform() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def one_step(path: str, extraction: str) -> journey.DataJourney:
    text = (f"steps:\n  - {{name: hostile, group: api, url: {path}, tries: 1, "
            f"extract: {{v: {extraction}}}}}\nplay: '/media/{{v}}.mpd'\n")
    document = parse_document(text, "hostile.yaml")
    found = journey.read_journey(document.data, (), None, document)
    document.check()
    return found


def start_in_a_greenlet(host: str, path: str, extraction: str) -> tuple[str, list[dict]]:
    """(the stream URL or the failure reason, the requests made), the trip
    run in a greenlet of its own as a viewer's is; the greenlet must end cleanly."""
    viewer, seen = app(host)  # a viewer's HTTP client, as in the streams tier

    def attempt() -> str:
        trip = journey.start(one_step(path, extraction), viewer.request,
                             journey.Viewer(0, "web", False, None, None), lambda _: None)
        try:
            return trip.playback_url()
        except journey.JourneyFailed as failed:
            return failed.reason
    greenlet = gevent.spawn(attempt)
    greenlet.join(timeout=60)  # a guard against a hang, not a speed target
    assert greenlet.successful(), greenlet.exception
    return greenlet.value, seen


def test_an_ordinary_answer_gives_its_value(platform):
    outcome, seen = start_in_a_greenlet(platform, "/fine", "{json: $.token}")
    assert outcome == "/media/t-1.mpd"
    assert seen[-1]["exception"] is None and seen[-1]["response_length"] == len(ANSWERS["/fine"][0])


@pytest.mark.parametrize("path, extraction, reason", [
    ("/big", "{json: $.token}", "the answer is longer than 1 MiB, the most a journey reads"),
    ("/bomb", "{json: '$[0]'}", "the answer is longer than 1 MiB, the most a journey reads"),
    ("/deep", "{json: '$[0]'}", f"the answer's JSON nests deeper than {JSON_DEPTH} levels"),
    ("/backtrack", "{regex: '(x+x+)+y'}",
     f"/(x+x+)+y/ took longer than {SEARCH_SECONDS:g}s on the answer"),
    ("/hyphens", "{json: $.token}", "extract: Expecting value"),
])
def test_a_hostile_answer_fails_its_step_with_a_reason(platform, path, extraction, reason):
    outcome, seen = start_in_a_greenlet(platform, path, extraction)
    assert outcome.startswith(f"journey step 'hostile': extract: ") and reason in outcome, outcome
    assert "\n" not in outcome
    # the request itself succeeded, and no more than BODY_BYTES of it were read
    assert seen[-1]["exception"] is None and seen[-1]["response_length"] <= BODY_BYTES
