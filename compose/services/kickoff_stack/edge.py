"""Edge: nginx as the CDN edge cache in front of the origins, auth, catalog and accounts.

`python -m kickoff_stack.edge` renders nginx.conf and replaces itself with
nginx, so the platform's handle (pid or container) is nginx itself.
Segments are cached for long, playlists for about a second; the origins are
a primary (origin-a) and a backup (origin-b) so that losing one fails over.
Serving stale content on origin error is the KICKOFF_EDGE_STALE switch.
Its workers and connections are those of the stack's size (sizes.py).
"""

from __future__ import annotations

import argparse
import os
import resource
from pathlib import Path

from .sizes import limits, size_from_env
from .topology import EDGE_PORT, EDGE_STATUS_PORT, link

STALE_ON_ERROR = "error timeout invalid_header updating http_500 http_502 http_503 http_504"

# One JSON object a line: what a platform team greps its CDN logs for to find
# a load test's traffic (CMCD, CTA-5004, as a query argument or as headers).
CMCD_LOG_FORMAT = (
    "log_format cmcd escape=json '{\"time\":\"$time_iso8601\",\"method\":\"$request_method\","
    "\"uri\":\"$uri\",\"query\":\"$args\",\"status\":$status,\"bytes\":$body_bytes_sent,"
    "\"range\":\"$http_range\",\"msec\":$msec,\"cmcd_object\":\"$http_cmcd_object\","
    "\"cmcd_request\":\"$http_cmcd_request\",\"cmcd_session\":\"$http_cmcd_session\","
    "\"cmcd_status\":\"$http_cmcd_status\"}';")

TEMPLATE = """\
# Rendered by kickoff_stack.edge; edit the template there, not this file.
worker_processes {workers};
worker_rlimit_nofile {nofile};
pid {work}/nginx.pid;
error_log {error_log} warn;
{user}
events {{
    worker_connections {connections};
    multi_accept on;
}}

http {{
    # Only requests carrying CMCD are logged: a load test's own traffic, at no
    # cost to runs without it.
    {cmcd_log_format}
    map "$arg_cmcd$http_cmcd_object$http_cmcd_request$http_cmcd_session$http_cmcd_status"
        $cmcd_present {{
        "" 0;
        default 1;
    }}
    access_log {work}/access.log cmcd buffer=64k flush=1s if=$cmcd_present;
    # A player's CMCD query argument is not part of what it asks for: cache
    # without it, as CDNs do.
    map $args $cache_args {{
        "~^(?<before>.*?)&?CMCD=[^&]*(?<after>.*)$" "$before$after";
        default $args;
    }}
    sendfile on;
    # No tcp_nopush: with keep-alive, corked tails of mid-sized segments wait
    # for a delayed ACK (~40 ms each); measured 2.2k vs 38k req/s for 240p.
    tcp_nodelay on;
    keepalive_timeout 30s;
    keepalive_requests 100000;
    server_tokens off;
    default_type application/octet-stream;
    types {{
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
        application/json json;
    }}
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy_temp;
    fastcgi_temp_path {work}/fastcgi_temp;
    uwsgi_temp_path {work}/uwsgi_temp;
    scgi_temp_path {work}/scgi_temp;
    proxy_cache_path {work}/cache levels=1:2 keys_zone=edge:32m max_size=2g inactive=30m
                     use_temp_path=off;
    proxy_cache_key $scheme$proxy_host$uri?$cache_args;

    upstream origins {{
        server {origin_a} max_fails=1 fail_timeout=5s;
        # The last resort is never taken out of rotation (max_fails=0): with the
        # default it stayed out for 10 s after both links broke, so losing the
        # primary just after that answered 502 with a healthy backup.
        server {origin_b} backup max_fails=0;
        keepalive 64;
    }}
    upstream auth {{
        server {auth};
        keepalive 32;
    }}
    upstream catalog {{
        server {catalog};
        keepalive 32;
    }}
    upstream accounts {{
        server {accounts};
        keepalive 32;
    }}

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_connect_timeout 1s;
    proxy_send_timeout 3s;
    proxy_read_timeout 3s;
    # Only a connection error goes to another try, never a timeout or an answer.
    # With one server that is nginx's retry of a kept-alive connection the
    # upstream closed as the request went out (auth or catalog restarting, a
    # link cut): on a fresh connection, instead of a 502.
    proxy_next_upstream error;

    server {{
        listen {listen} backlog=4096;

        location = /healthz {{
            default_type application/json;
            return 200 '{{"status":"ok","service":"edge","stale_on_error":"{stale}"}}';
        }}
        location /api/ {{
            proxy_pass http://catalog;
        }}
        location /auth/ {{
            proxy_pass http://auth;
            # A login (POST) too: an upstream that closed the connection did not
            # log anyone in; at worst a retried login makes a second session.
            proxy_next_upstream error non_idempotent;
        }}
        location /accounts/ {{
            proxy_pass http://accounts;
            # Sign-ups and bookings too: a booking is idempotent (one per viewer
            # and event, charged under one key); a sign-up that did go through
            # answers 409 on the retry, as to a viewer pressing twice.
            proxy_next_upstream error non_idempotent;
        }}
        location ~ ^/live/.*\\.m3u8$ {{
            proxy_pass http://origins;
            proxy_cache edge;
            proxy_cache_valid 200 1s;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 2s;
            proxy_cache_use_stale {stale_directive};
            proxy_next_upstream error timeout http_500 http_502 http_503 http_504;
            proxy_next_upstream_tries 2;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
        location /live/ {{
            proxy_pass http://origins;
            proxy_cache edge;
            proxy_cache_valid 200 10m;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 5s;
            proxy_cache_use_stale {stale_directive};
            proxy_next_upstream error timeout http_500 http_502 http_503 http_504;
            proxy_next_upstream_tries 2;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
        location / {{
            default_type application/json;
            return 404 '{{"error":"not found","status":404}}';
        }}
        error_page 502 = @bad_gateway;
        error_page 504 = @gateway_timeout;
        location @bad_gateway {{
            default_type application/json;
            return 502 '{{"error":"no upstream answered","status":502}}';
        }}
        location @gateway_timeout {{
            default_type application/json;
            return 504 '{{"error":"upstream timed out","status":504}}';
        }}
    }}
    # Its connection and request counts, for its Prometheus exporter
    # (kickoff_stack.observers): a port of its own, never the viewers'.
    server {{
        listen {status_listen};
        access_log off;
        location = /stub_status {{
            stub_status;
        }}
        location / {{
            return 404;
        }}
    }}
}}
"""


def stale_from_env() -> bool:
    return os.environ.get("KICKOFF_EDGE_STALE", "off").lower() in ("1", "on", "true", "yes")


def render_config(work: Path, listen: str, upstream_host: str | None, stale: bool,
                  error_log: str, size: str = "normal") -> str:
    """nginx.conf for the edge at stack size `size`. upstream_host None means
    Toxiproxy's own name (Docker); locally every proxy is on 127.0.0.1."""
    proxy_host = upstream_host or "toxiproxy"
    allowed = limits(size, "edge")

    def via(target: str) -> str:
        return f"{proxy_host}:{link('edge', target).listen_port}"

    # As root nginx would drop its workers to `nobody`, who cannot reach a
    # work dir under root's home; this is a test stack, so they stay root.
    user = "user root root;" if os.geteuid() == 0 else ""
    # Raising the limit past the hard one fails, so ask for what is allowed.
    nofile = min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    return TEMPLATE.format(
        work=work, nofile=nofile, workers=allowed.workers, connections=allowed.connections,
        listen=listen, user=user, error_log=error_log,
        status_listen=f"{listen.rpartition(':')[0]}:{EDGE_STATUS_PORT}",
        cmcd_log_format=CMCD_LOG_FORMAT,
        origin_a=via("origin-a"), origin_b=via("origin-b"), auth=via("auth"),
        catalog=via("catalog"), accounts=via("accounts"), stale="on" if stale else "off",
        stale_directive=STALE_ON_ERROR if stale else "off",
    )


def prepare(work: Path, config: str) -> Path:
    """Write the config and the folders nginx needs; return the config path."""
    for folder in ("cache", "client_body", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    path = work / "nginx.conf"
    path.write_text(config)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="kickoff edge: nginx CDN cache")
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--listen", default=f"127.0.0.1:{EDGE_PORT}")
    parser.add_argument("--upstream-host", default=None,
                        help="where the Toxiproxy proxies listen (default: host 'toxiproxy')")
    parser.add_argument("--error-log", default="stderr")
    args = parser.parse_args()
    work = args.work_dir.resolve()
    config = render_config(work, args.listen, args.upstream_host, stale_from_env(),
                           args.error_log, size_from_env())
    path = prepare(work, config)
    os.execvp("nginx", ["nginx", "-c", str(path), "-e", args.error_log, "-g", "daemon off;"])


if __name__ == "__main__":
    main()
