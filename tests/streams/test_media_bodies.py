"""Media bodies are read as they arrive, counted and dropped: a viewer never
holds a segment whole, yet the bytes and the time it reports (to Locust and so
to the ABR's throughput estimate) are those of the whole body, and a body cut
short is a failed request. Real nginx serves the segment; a raw socket server
on 127.0.0.1 plays the origin that closes mid-body."""

from __future__ import annotations

import os
import socket
import threading
import tracemalloc

import pytest
from locust.env import Environment

from harness.load.retry import FetchError
from harness.load.viewer import _App
from tests.streams.servers import nginx

SEGMENT_BYTES = 8 * 1024 * 1024  # twice a 4 Mbit/s ladder's top 8 s segment


def app(host: str) -> tuple[_App, list[dict]]:
    """A viewer's HTTP side in a Locust environment of its own, and the requests Locust saw."""
    user_class = type("Probe", (_App,), {"abstract": False, "host": host})
    environment = Environment(user_classes=[user_class])
    seen: list[dict] = []
    environment.events.request.add_listener(lambda **request: seen.append(request))
    return user_class(environment), seen


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> tuple[str, int]:
    """nginx serving one random segment of SEGMENT_BYTES; its base URL and size."""
    folder = tmp_path_factory.mktemp("media")
    (folder / "www").mkdir()
    (folder / "www" / "seg.ts").write_bytes(os.urandom(SEGMENT_BYTES))
    with nginx(folder / "www", folder / "nginx") as (base, _):
        yield base, SEGMENT_BYTES


def test_a_segment_is_counted_whole_without_being_held(origin):
    base, size = origin
    viewer, seen = app(base)
    viewer.count(f"{base}/seg.ts", "segment", 20.0)  # a warm connection: measure the body only
    tracemalloc.start()
    try:
        received = viewer.count(f"{base}/seg.ts", "segment", 20.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    assert peak < size / 16, f"{peak} bytes held at once reading a {size}-byte body"
    last = seen[-1]
    assert (last["name"], last["response_length"], last["exception"]) == ("segment", size, None)
    assert last["response_time"] > 0


def test_a_byte_range_counts_the_range(origin):
    base, _ = origin
    viewer, seen = app(base)
    received = viewer.count(f"{base}/seg.ts", "segment", 20.0, headers={"Range": "bytes=100-4195"})
    assert received == seen[-1]["response_length"] == 4096


def test_a_missing_segment_is_a_failed_request(origin):
    base, _ = origin
    viewer, seen = app(base)
    with pytest.raises(FetchError, match="404"):
        viewer.count(f"{base}/gone.ts", "segment", 20.0)
    assert seen[-1]["exception"] is not None and seen[-1]["response"].status_code == 404


def test_a_body_cut_short_is_a_failed_request():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer_half() -> None:  # announces 1 MB, sends 100 kB, hangs up
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"
                               + b"x" * 100_000)

    thread = threading.Thread(target=answer_half, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.getsockname()[1]}"
    viewer, seen = app(base)
    try:
        with pytest.raises(FetchError, match="HTTPParseError"):
            viewer.count(f"{base}/seg.ts", "segment", 10.0)
    finally:
        thread.join(timeout=10)
        server.close()
    assert len(seen) == 1 and seen[0]["exception"] is not None
    assert seen[0]["response_length"] == 0
