"""The HTTP server of a run's live figures: a WSGI server on a thread, as
prometheus-client's own start_http_server, but serving only the paths it is
given (/metrics, the live page, its JSON) and 404 for any other; it stays
until the process ends."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from harness.generator.address import Address

App = Callable[[dict, Callable[..., Any]], Iterable[bytes]]  # a WSGI application
NOT_FOUND = b"not found: this address serves /metrics, / (the live page) and /live.json\n"


class _Quiet(WSGIRequestHandler):
    """No line on stderr per request: the run's console is the status line's."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _routed(routes: Mapping[str, App]) -> App:
    def app(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        found = routes.get(environ.get("PATH_INFO", ""))
        if found is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [NOT_FOUND]
        return found(environ, start_response)

    return app


def start(bind: Address, routes: Mapping[str, App]) -> tuple[str, int]:
    """Listen at `bind` (port 0: any free one) on a daemon thread: (host, port).
    OSError (socket.gaierror for a host that does not resolve) when it cannot."""
    family = socket.getaddrinfo(bind.host, bind.port, type=socket.SOCK_STREAM)[0][0]
    server_class = type("_Server", (_Server,), {"address_family": family})
    server: WSGIServer = make_server(bind.host, bind.port, _routed(routes), server_class, _Quiet)
    threading.Thread(target=server.serve_forever, name="live-metrics", daemon=True).start()
    return str(server.server_address[0]), int(server.server_address[1])
