"""What every Python service of the stack shares: JSON errors, health,
admission (its size's limit on requests in progress), serving."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable

from aiohttp import web

from .sizes import limits, size_from_env

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
        raise web.HTTPBadRequest(reason="body is not valid JSON")
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body must be a JSON object")
    return body


def admission(in_flight: int, queue: int) -> Callable:
    """A middleware that handles `in_flight` requests at once, lets `queue`
    more wait, and answers 503 beyond that, as a service with a bounded worker
    pool does. Health checks pass by: they say whether the service is alive."""
    slots = asyncio.Semaphore(in_flight)
    waiting = 0

    @web.middleware
    async def admit(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal waiting
        if request.path == "/healthz":
            return await handler(request)
        if slots.locked() and waiting >= queue:
            return json_error(503, f"overloaded: {in_flight} requests in progress and "
                                   f"{waiting} waiting")
        waiting += 1
        try:
            await slots.acquire()
        finally:
            waiting -= 1
        try:
            return await handler(request)
        finally:
            slots.release()

    return admit


def make_app(name: str) -> web.Application:
    """A service's app, with the admission limit of its size (KICKOFF_STACK_SIZE)."""
    allowed = limits(size_from_env(), name)
    middlewares = [json_errors]
    if allowed.in_flight is not None:
        middlewares.append(admission(allowed.in_flight, allowed.queue))
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024)
    app["service"] = name
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
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None,
                backlog=4096, shutdown_timeout=2)
