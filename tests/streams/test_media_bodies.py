"""Media bodies are read as they arrive, counted and dropped: a viewer never
holds a segment whole, yet the bytes and the time it reports (to Locust and so
to the ABR's throughput estimate) are those of the whole body, the connection
is kept for the next request, and a body cut short is a failed request. Real
nginx serves the segment; a raw socket server on 127.0.0.1 plays the origins
that answer in chunks or close mid-body."""

from __future__ import annotations

import os
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from locust.env import Environment

from harness.load.retry import FetchError
from harness.load.viewer import _App
from tests.streams.servers import nginx

SEGMENT_BYTES = 8 * 1024 * 1024  # twice an 8 s segment at 4 Mbit/s


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


@contextmanager
def one_connection(*answers: bytes | tuple[bytes, float, bytes]) -> Iterator[str]:
    """A raw HTTP origin on 127.0.0.1 that takes a single connection and gives
    `answers` to its requests in turn, then hangs up; yields its base URL. An
    answer (first part, pause in seconds, rest) is sent with that pause."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        connection, _ = server.accept()
        connection.settimeout(10)
        with connection:
            for answer in answers:
                request = b""
                while b"\r\n\r\n" not in request:
                    data = connection.recv(65536)
                    if not data:  # the client hung up
                        return
                    request += data
                first, pause, rest = answer if isinstance(answer, tuple) else (answer, 0, b"")
                connection.sendall(first)
                time.sleep(pause)
                connection.sendall(rest)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        thread.join(timeout=10)
        server.close()


def ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def test_bodies_of_any_shape_are_counted_on_one_kept_connection():
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"10000\r\n" + b"c" * 0x10000 + b"\r\n5\r\nccccc\r\n0\r\n\r\n")
    sizes = (3_000_000, 10, 0x10005, 70_000)  # large, in the headers' packet, chunked, large again
    with one_connection(ok(b"a" * sizes[0]), ok(b"b" * sizes[1]), chunked,
                        ok(b"d" * sizes[3])) as base:
        viewer, seen = app(base)
        # A second connection would never be answered: each count() needs the kept one.
        assert [viewer.count(f"{base}/{n}.ts", "segment", 5.0) for n in range(4)] == list(sizes)
    assert [request["response_length"] for request in seen] == list(sizes)


def test_a_request_lasts_until_its_last_byte():
    body = b"s" * 200_000
    slow = (ok(body)[:-150_000], 0.5, body[-150_000:])  # headers and a quarter, then a pause
    with one_connection(slow) as base:
        viewer, seen = app(base)
        started = time.perf_counter()
        assert viewer.count(f"{base}/seg.ts", "segment", 5.0) == len(body)
        took = time.perf_counter() - started
    assert 0.5 <= seen[-1]["response_time"] / 1000 <= took


def test_a_body_cut_short_is_a_failed_request():
    # announces 1 MB, sends 100 kB, hangs up
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 100_000
    with one_connection(cut) as base:
        viewer, seen = app(base)
        with pytest.raises(FetchError, match="HTTPParseError"):
            viewer.count(f"{base}/seg.ts", "segment", 10.0)
    assert len(seen) == 1 and seen[0]["exception"] is not None
    assert seen[0]["response_length"] == 0
