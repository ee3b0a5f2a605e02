"""PostgreSQL access for accounts: a pool, the schema, failures as 503s.

The schema is made at start (again until PostgreSQL answers, as Redis is
seeded). A charge row exists only with the booking it paid for: both are
written in one transaction, and a booking's `charge` references it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from aiohttp import web

from . import postgres
from .common import ServiceUnavailable

log = logging.getLogger(__name__)
# Short, as Redis's: a dead or paused database must turn into a quick 503,
# inside the edge's 3 s.
CONNECT_SECONDS = 1.0
COMMAND_SECONDS = 2.0
REQUEST_SECONDS = 2.0  # all of one request's database work
T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username text PRIMARY KEY,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS charges (
    id text PRIMARY KEY,
    username text NOT NULL REFERENCES accounts,
    event text NOT NULL,
    amount_cents integer NOT NULL CHECK (amount_cents > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bookings (
    id bigserial PRIMARY KEY,
    username text NOT NULL REFERENCES accounts,
    event text NOT NULL,
    pass text NOT NULL CHECK (pass IN ('free', 'paid')),
    charge text UNIQUE REFERENCES charges,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (username, event),
    CHECK ((pass = 'paid') = (charge IS NOT NULL))
);
"""

# What a dead, restarting, paused or unreachable database raises (a connection
# lost in the middle of a query can leave asyncpg's protocol in an internal error).
UNAVAILABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
               asyncpg.InternalClientError)


def url_from_env() -> str:
    """The database's URL, without its password (KICKOFF_DB_PASSWORD, as the server's)."""
    return os.environ.get("KICKOFF_DATABASE_URL", "postgresql://kickoff@127.0.0.1:9432/postgres")


async def run(app: web.Application, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """work(db) on a pooled connection, within REQUEST_SECONDS; any failure of
    the database leaves as a 503. Past the time the connection is closed at
    once rather than cancelled: a cancelled query makes asyncpg ask a frozen
    server to cancel and roll back, and wait for each in turn."""
    held: list[asyncpg.Connection] = []

    async def attempt() -> T:
        async with app["db"].acquire(timeout=CONNECT_SECONDS) as db:
            held.append(db)
            return await work(db)

    task = asyncio.ensure_future(attempt())
    task.add_done_callback(_consume)
    done, _ = await asyncio.wait({task}, timeout=REQUEST_SECONDS)
    if not done:
        for db in held:
            db.terminate()
        task.cancel()
        raise ServiceUnavailable(f"database unavailable: no answer within {REQUEST_SECONDS:g} s")
    try:
        return task.result()
    except UNAVAILABLE as error:
        raise ServiceUnavailable(f"database unavailable: {error.__class__.__name__}") from None


def _consume(task: asyncio.Future) -> None:
    """A request that gave up on its task has its outcome read here (no warning)."""
    if not task.cancelled():
        task.exception()


async def _ensure_schema(app: web.Application) -> None:
    while True:
        try:
            async with app["db"].acquire(timeout=CONNECT_SECONDS + COMMAND_SECONDS) as db:
                await db.execute(SCHEMA)
        except UNAVAILABLE as error:
            log.warning("schema not written (%s), retrying", error.__class__.__name__)
            await asyncio.sleep(0.5)
        else:
            app["schema"].set()
            return


async def healthy(app: web.Application) -> None:
    """Raise ServiceUnavailable unless the schema is there and the database answers."""
    if not app["schema"].is_set():
        raise ServiceUnavailable("database schema not written yet")
    await run(app, lambda db: db.fetchval("SELECT 1"))


def attach(app: web.Application) -> None:
    """Give `app` a pool of the database (made lazily: it may start after us)."""

    async def lifecycle(app: web.Application):
        app["db"] = asyncpg.create_pool(url_from_env(), password=postgres.password_from_env(),
                                        min_size=0, max_size=10,
                                        timeout=CONNECT_SECONDS, command_timeout=COMMAND_SECONDS)
        await app["db"]  # with min_size 0 this opens no connection yet
        app["schema"] = asyncio.Event()
        schema = asyncio.create_task(_ensure_schema(app))
        yield
        schema.cancel()
        await app["db"].close()

    app.cleanup_ctx.append(lifecycle)
