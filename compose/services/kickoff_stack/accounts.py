"""Accounts: sign-up and match-pass booking, for viewers without a subscription.

Accounts and bookings live in PostgreSQL; sessions in Redis, where auth finds
them, as it finds the passes it admits a viewer to a paid event with.
- `POST /accounts/signup {"username", "password"}` → 201 `{"session", "expires_in"}`.
- `POST /accounts/bookings {"event"}` with `Authorization: Bearer <session>` → 201
  `{"booking", "event", "pass"}` ("free" for a free-to-air event, else "paid":
  charged with the payment provider first, then the charge and the booking are
  written in ONE transaction). Booking an event again answers the booking made (200).
Errors: 400 bad body, 401 no session, 402 declined, 404 unknown event, 409 name
taken, 503 database, Redis or payment down, 504 payment slower than its timeout.
"""

from __future__ import annotations

import re
import secrets

import asyncpg
from aiohttp import web

from . import database, payment_client, store
from .auth import ACCOUNT_KEY, PASSES_KEY, SESSION_KEY, SESSION_SECONDS, session_user
from .catalog import EVENT_KEY
from .common import arg_parser, make_app, read_json_object, serve
from .seed import password_hash

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _credentials(body: dict) -> tuple[str, str]:
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise web.HTTPBadRequest(reason="field 'username' must be 1 to 64 of A-Z a-z 0-9 . _ -")
    if not isinstance(password, str) or not 0 < len(password) <= 256:
        raise web.HTTPBadRequest(reason="field 'password' must be a string of 1 to 256")
    return username, password


async def signup(request: web.Request) -> web.Response:
    username, password = _credentials(await read_json_object(request))
    redis = request.app["redis"]
    if await store.call(redis.exists(ACCOUNT_KEY.format(username))):  # a seeded subscriber
        raise web.HTTPConflict(reason=f"username {username!r} is taken")
    session = secrets.token_urlsafe(24)

    async def create(db: asyncpg.Connection) -> None:
        async with db.transaction():
            made = await db.fetchval(
                "INSERT INTO accounts (username, password_hash) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING RETURNING username",
                username, password_hash(username, password))
            if made is None:
                raise web.HTTPConflict(reason=f"username {username!r} is taken")
            # Inside the transaction: no account is left without the session it was made with.
            await store.call(redis.set(SESSION_KEY.format(session), username, ex=SESSION_SECONDS))

    await database.run(request.app, create)
    return web.json_response({"session": session, "expires_in": SESSION_SECONDS}, status=201)


async def _event(request: web.Request, body: dict) -> tuple[str, int]:
    """The event asked for and its pass price (0: free-to-air)."""
    event = body.get("event")
    if not isinstance(event, str) or not event:
        raise web.HTTPBadRequest(reason="field 'event' must be a non-empty string")
    record = await store.call(request.app["redis"].hmget(
        EVENT_KEY.format(event), "free_to_air", "pass_price_cents"))
    if record[0] is None:
        raise web.HTTPNotFound(reason=f"unknown event {event!r}")
    return event, 0 if record[0] == "1" else int(record[1])


async def _existing(db: asyncpg.Connection, username: str, event: str) -> asyncpg.Record | None:
    return await db.fetchrow("SELECT id, pass FROM bookings WHERE username = $1 AND event = $2",
                             username, event)


async def _write(db: asyncpg.Connection, username: str, event: str, price: int,
                 charge: str | None) -> asyncpg.Record | None:
    """The charge and the booking, in one transaction; None if booked meanwhile."""
    async with db.transaction():
        if charge is not None:
            await db.execute("INSERT INTO charges (id, username, event, amount_cents) "
                             "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                             charge, username, event, price)
        return await db.fetchrow(
            "INSERT INTO bookings (username, event, pass, charge) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (username, event) DO NOTHING RETURNING id, pass",
            username, event, "paid" if charge else "free", charge)


async def book(request: web.Request) -> web.Response:
    username = await session_user(request)
    if username is None:
        raise web.HTTPUnauthorized(reason="sign up or log in first")
    event, price = await _event(request, await read_json_object(request))
    booking = await database.run(request.app, lambda db: _existing(db, username, event))
    status = 200 if booking else 201
    if booking is None:
        # No connection held while the provider answers: a slow provider must
        # not take the database's connections from free passes and sign-ups.
        charge = await payment_client.charge(request.app, username, event, price) \
            if price else None

        async def write(db: asyncpg.Connection) -> asyncpg.Record:
            return await _write(db, username, event, price, charge) \
                or await _existing(db, username, event)

        booking = await database.run(request.app, write)
    # After the commit: auth admits the pass from Redis (a retry writes it again).
    await store.call(request.app["redis"].sadd(PASSES_KEY.format(username), event))
    return web.json_response({"booking": booking["id"], "event": event, "pass": booking["pass"]},
                             status=status)


async def health(request: web.Request) -> web.Response:
    await database.healthy(request.app)
    await store.call(request.app["redis"].ping())
    return web.json_response({"status": "ok", "service": request.app["service"]})


def create_app(name: str = "accounts") -> web.Application:
    app = make_app(name)

    async def redis(app: web.Application):
        app["redis"] = store.connect()
        yield
        await app["redis"].close()

    app.cleanup_ctx.append(redis)
    database.attach(app)
    payment_client.attach(app)
    app.router.add_post("/accounts/signup", signup)
    app.router.add_post("/accounts/bookings", book)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    args = arg_parser("kickoff accounts: sign-up and match-pass booking").parse_args()
    serve(create_app(), args)


if __name__ == "__main__":
    main()
