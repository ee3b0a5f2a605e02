"""The reference edge's nginx, as rendered, in front of an upstream whose
kept-alive connection is gone by the time the edge reuses it: what an edge
meets when auth or catalog closed its side just as a request went out (an
upstream restarting, or its link cut). nginx retries such a request on a
fresh connection only when proxy_next_upstream lists `error` (and, for a POST,
`non_idempotent`); the viewer must get the answer, never a 502.

Own nginx and upstream on free ports: no reference stack involved."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from kickoff_stack import edge
from kickoff_stack.topology import EDGE_STATUS_PORT, link

from tests.streams.servers import _answers, _stop, free_port, wait_for

ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
          b"Connection: keep-alive\r\n\r\n{}")


class OneAnswerUpstream:
    """Answers the first request on each connection and keeps it open; on a
    second request it closes the connection unanswered, as an upstream that
    went away while the edge held the connection."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    @staticmethod
    def _serve(connection: socket.socket) -> None:
        data, answered = b"", False
        with connection:
            for _ in range(100):  # a few requests' worth of reads at most
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
                head, found, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                if not found or len(body) < (int(length.group(1)) if length else 0):
                    continue  # the request is not complete yet
                if answered:
                    return  # closed without an answer
                connection.sendall(ANSWER)
                answered, data = True, b""

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def edge_before(tmp_path: Path) -> Iterator[tuple[str, OneAnswerUpstream]]:
    """The edge's nginx with auth and catalog both at one OneAnswerUpstream."""
    upstream, port = OneAnswerUpstream(), free_port()
    config = edge.render_config(tmp_path, f"127.0.0.1:{port}", "127.0.0.1", False,
                                str(tmp_path / "error.log"))
    for target in ("auth", "catalog"):
        config = config.replace(f"server 127.0.0.1:{link('edge', target).listen_port};",
                                f"server 127.0.0.1:{upstream.port};")
    # its stub_status server on a free port too: a stack that runs beside holds the fixed one
    config = config.replace(f"127.0.0.1:{EDGE_STATUS_PORT}", f"127.0.0.1:{free_port()}")
    path = edge.prepare(tmp_path, config)
    process = subprocess.Popen(["nginx", "-c", str(path), "-e", str(tmp_path / "error.log"),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), "the edge's nginx")
        yield base, upstream
    finally:
        _stop(process)
        upstream.close()


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/live"),
    ("GET", "/auth/entitlement/some-event"),
    ("POST", "/auth/login"),
])
def test_a_request_on_a_closed_kept_alive_connection_is_retried_not_failed(
        edge_before, method, path):
    base, upstream = edge_before
    with requests.Session() as viewer:  # one client connection: one nginx worker, one cache
        statuses = [viewer.request(method, base + path, json={} if method == "POST" else None,
                                   timeout=5).status_code for _ in range(2)]
    assert statuses == [200, 200]
    assert upstream.connections == 2  # the second went out on the kept one, then a fresh one
