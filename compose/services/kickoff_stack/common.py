"""What every Python service of the stack shares: JSON errors, health,
admission (its size's limit on requests in progress), Prometheus metrics
(GET /metrics), serving."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from .sizes import limits, size_from_env

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The platform asking about the service, not viewers using it: never queued
# (an overloaded service can still be checked and scraped) and never counted.
PROBES = frozenset({"/healthz", "/metrics"})
UNMATCHED = "unmatched"  # the route label of a request no route matched (404, 405)

# One service per process, so these are the process's own, created once
# (prometheus-client's default registry refuses a name twice).
REQUESTS = Counter(
    "kickoff_service_requests_total",
    "Requests answered, by route, method and status",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "kickoff_service_request_seconds",
    "Seconds from a request's arrival to its answer (admission's wait included), by route",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
IN_FLIGHT = Gauge("kickoff_service_requests_in_flight", "Requests being handled now (admitted)")
WAITING = Gauge("kickoff_service_requests_waiting", "Requests waiting for admission now")
IN_FLIGHT_LIMIT = Gauge(
    "kickoff_service_in_flight_limit",
    "Requests admission handles at once (+Inf: no limit at this size)",
)
REJECTED = Counter("kickoff_service_rejected_total", "Requests admission answered 503 overloaded")


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


class ServiceUnavailable(Exception):
    """A dependency (Redis) is down; the request gets a 503, not a 500."""


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as a JSON body; nothing escapes as an HTML 500."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return json_error(error.status, error.reason)
    except ServiceUnavailable as error:
        return json_error(503, str(error))


async def read_json_object(request: web.Request) -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong."""
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="body is not valid JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body must be a JSON object")
    return body


def admission(in_flight: int | None, queue: int) -> Callable:
    """A middleware that handles `in_flight` requests at once (any number if
    None), lets `queue` more wait, and answers 503 beyond that, as a service
    with a bounded worker pool does. Probes pass by: they say whether the
    service is alive and what it is doing, not wait until it is less busy."""
    slots = asyncio.Semaphore(in_flight) if in_flight is not None else None
    waiting = 0
    IN_FLIGHT_LIMIT.set(math.inf if in_flight is None else in_flight)

    @web.middleware
    async def admit(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal waiting
        if request.path in PROBES:
            return await handler(request)
        if slots is not None:
            if slots.locked() and waiting >= queue:
                REJECTED.inc()
                return json_error(
                    503, f"overloaded: {in_flight} requests in progress and {waiting} waiting"
                )
            waiting += 1
            WAITING.inc()
            try:
                await slots.acquire()
            finally:
                waiting -= 1
                WAITING.dec()
        IN_FLIGHT.inc()
        try:
            return await handler(request)
        finally:
            IN_FLIGHT.dec()
            if slots is not None:
                slots.release()

    return admit


@web.middleware
async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request but probes by route, method and final status, and
    time it. Outside json_errors, so a status is the one the client got."""
    if request.path in PROBES:
        return await handler(request)
    resource = request.match_info.route.resource
    # The route's pattern, not the path: a label value per route, not per event or segment.
    route = resource.canonical if resource is not None else UNMATCHED
    method = request.method if request.method in hdrs.METH_ALL else "other"
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as error:  # a redirect: json_errors lets those through
        _count(route, method, error.status, started)
        raise
    except Exception:  # aiohttp answers it 500
        _count(route, method, 500, started)
        raise
    _count(route, method, response.status, started)
    return response


def _count(route: str, method: str, status: int, started: float) -> None:
    REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
    REQUESTS.labels(route, method, str(status)).inc()


async def metrics(request: web.Request) -> web.Response:
    """The process's metrics in Prometheus' text format, for a scraper."""
    return web.Response(
        body=generate_latest(REGISTRY), headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST}
    )


def make_app(name: str) -> web.Application:
    """A service's app, with the admission limit of its size (KICKOFF_STACK_SIZE)
    and GET /metrics."""
    allowed = limits(size_from_env(), name)
    # aiohttp runs the first middleware outermost.
    middlewares = [measure, json_errors, admission(allowed.in_flight, allowed.queue)]
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024)
    app["service"] = name
    app.router.add_get("/metrics", metrics)
    return app


def arg_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=os.environ.get("KICKOFF_BIND", "127.0.0.1"))
    parser.add_argument("--port", type=int, required=True)
    return parser


def serve(app: web.Application, args: argparse.Namespace) -> None:
    """Serve `app` on args.host:args.port until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.WARNING, format=f"{app['service']}: %(message)s")
    # No access log: at kickoff rates it would cost more than the requests.
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        access_log=None,
        print=None,
        backlog=4096,
        shutdown_timeout=2,
    )
