"""Redis access for auth and catalog: one client, failures as 503s."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from .common import ServiceUnavailable, json_error

Seed = Callable[[web.Application], Awaitable[None]]

T = TypeVar("T")
log = logging.getLogger(__name__)


def connect() -> aioredis.Redis:
    url = os.environ.get("KICKOFF_REDIS_URL", "redis://127.0.0.1:9379/0")
    # Short timeouts: a cut link must turn into a quick 503, not a hung viewer.
    # One retry on a fresh connection: after Redis or its link comes back, the
    # pooled connections are dead, and the first request on one must not fail.
    return aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0,
                                   decode_responses=True, retry=Retry(NoBackoff(), 1),
                                   retry_on_error=[RedisConnectionError])


async def call(operation: Awaitable[T]) -> T:
    try:
        return await operation
    except (RedisError, OSError, asyncio.TimeoutError) as error:
        raise ServiceUnavailable(f"redis unavailable: {error.__class__.__name__}") from None


async def _seed_until_done(app: web.Application, seed: Seed) -> None:
    """Run `seed` until it succeeds; Redis may come up after the service."""
    while True:
        try:
            await seed(app)
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            log.warning("seeding failed (%s), retrying", error.__class__.__name__)
            await asyncio.sleep(0.5)
        else:
            app["seeded"].set()
            return


async def _health(request: web.Request) -> web.Response:
    if not request.app["seeded"].is_set():
        return json_error(503, "seed data not written to redis yet")
    await call(request.app["redis"].ping())
    return web.json_response({"status": "ok", "service": request.app["service"]})


def attach(app: web.Application, seed: Seed) -> None:
    """Give `app` a Redis client, seed it in the background, and a /healthz
    that is green only once seeded and while Redis answers."""

    async def lifecycle(app: web.Application):
        app["redis"] = connect()
        app["seeded"] = asyncio.Event()
        seeding = asyncio.create_task(_seed_until_done(app, seed))
        yield
        seeding.cancel()
        await app["redis"].close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/healthz", _health)
