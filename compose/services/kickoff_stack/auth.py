"""Auth: subscriber login, sessions and per-event entitlement with playback tokens.

A paid event admits subscribers (seeded accounts) and viewers with a pass for
it (booked at accounts, which writes the pass here in Redis); a free-to-air
event admits everyone.
"""

from __future__ import annotations

import secrets

from aiohttp import web
from redis.asyncio import Redis

from . import store, tokens
from .catalog import EVENT_KEY
from .common import arg_parser, make_app, read_json_object, serve
from .seed import SUBSCRIBER_COUNT, SUBSCRIBER_PASSWORD, password_hash, subscriber_name

ACCOUNT_KEY = "account:{}"
SESSION_KEY = "session:{}"
PASSES_KEY = "passes:{}"  # the events a viewer holds a pass for (a set)
SESSION_SECONDS = 4 * 3600


async def _seed(app: web.Application) -> None:
    async with app["redis"].pipeline(transaction=False) as pipe:
        for number in range(1, SUBSCRIBER_COUNT + 1):
            name = subscriber_name(number)
            pipe.hset(ACCOUNT_KEY.format(name),
                      mapping={"password": password_hash(name, SUBSCRIBER_PASSWORD),
                               "plan": "subscriber"})
        await pipe.execute()


async def login(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    username, password = body.get("username"), body.get("password")
    for field, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            raise web.HTTPBadRequest(reason=f"field {field!r} must be a non-empty string")
    db = request.app["redis"]
    stored = await store.call(db.hget(ACCOUNT_KEY.format(username), "password"))
    if stored is None or not secrets.compare_digest(stored, password_hash(username, password)):
        raise web.HTTPUnauthorized(reason="unknown user or wrong password")
    session = secrets.token_urlsafe(24)
    await store.call(db.set(SESSION_KEY.format(session), username, ex=SESSION_SECONDS))
    return web.json_response({"session": session, "expires_in": SESSION_SECONDS})


async def session_user(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, session = header.partition(" ")
    if scheme.lower() != "bearer" or not session:
        raise web.HTTPBadRequest(reason="Authorization must be 'Bearer <session>'")
    user = await store.call(request.app["redis"].get(SESSION_KEY.format(session)))
    if user is None:
        raise web.HTTPUnauthorized(reason="session unknown or expired")
    return user


async def entitlement(request: web.Request) -> web.Response:
    event_id = request.match_info["event"]
    db = request.app["redis"]
    free_to_air = await store.call(db.hget(EVENT_KEY.format(event_id), "free_to_air"))
    if free_to_air is None:
        raise web.HTTPNotFound(reason=f"unknown event {event_id!r}")
    user = await session_user(request)
    if free_to_air != "1" and user is None:
        raise web.HTTPUnauthorized(reason="paid event: log in or sign up first")
    entitled_as = await _entitled_as(db, user, event_id) if user else "anonymous"
    if free_to_air != "1" and entitled_as == "account":
        raise web.HTTPForbidden(reason="no pass for this event: book one at /accounts/bookings")
    token, expires = tokens.issue(request.app["secret"], event_id)
    return web.json_response({
        "event": event_id,
        "playback_url": f"/live/{event_id}/master.m3u8?token={token}",
        "expires_at": expires,
        "entitled_as": entitled_as,
    })


async def _entitled_as(db: Redis, user: str, event_id: str) -> str:
    """"subscriber", "pass" (booked for this event) or "account" (neither)."""
    async with db.pipeline(transaction=False) as pipe:
        pipe.hget(ACCOUNT_KEY.format(user), "plan")
        pipe.sismember(PASSES_KEY.format(user), event_id)
        plan, has_pass = await store.call(pipe.execute())
    if plan == "subscriber":
        return "subscriber"
    return "pass" if has_pass else "account"


def create_app(secret: str, name: str = "auth") -> web.Application:
    app = make_app(name)
    app["secret"] = secret
    store.attach(app, _seed)
    app.router.add_post("/auth/login", login)
    app.router.add_get("/auth/entitlement/{event}", entitlement)
    return app


def main() -> None:
    args = arg_parser("kickoff auth: login and entitlement").parse_args()
    serve(create_app(tokens.secret_from_env()), args)


if __name__ == "__main__":
    main()
