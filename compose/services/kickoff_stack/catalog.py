"""Catalog: what is live now and the schedule, the first call every app makes."""

from __future__ import annotations

import time

from aiohttp import web

from . import store
from .common import arg_parser, make_app, serve
from .seed import EVENTS, event_record

EVENT_KEY = "event:{}"
SCHEDULE_KEY = "catalog:schedule"
SEEDED_AT_KEY = "catalog:seeded_at"


def _public(record: dict[str, str]) -> dict:
    return {
        "id": record["id"],
        "title": record["title"],
        "competition": record["competition"],
        "kickoff": int(record["kickoff"]),
        "starts": int(record["starts"]),
        "ends": int(record["ends"]),
        "free_to_air": record["free_to_air"] == "1",
        "pass_price_cents": int(record["pass_price_cents"]),
        "playback": record["playback"],
    }


async def _seed(app: web.Application) -> None:
    db = app["redis"]
    # The first catalog to seed fixes the schedule; restarts keep it.
    await db.set(SEEDED_AT_KEY, int(time.time()), nx=True)
    seeded_at = int(await db.get(SEEDED_AT_KEY))
    async with db.pipeline(transaction=True) as pipe:
        for event in EVENTS:
            record = event_record(event, seeded_at)
            pipe.hset(EVENT_KEY.format(event.id), mapping=record)
            pipe.zadd(SCHEDULE_KEY, {event.id: int(record["kickoff"])})
        await pipe.execute()


async def _schedule(app: web.Application) -> list[dict]:
    db = app["redis"]
    ids = await store.call(db.zrange(SCHEDULE_KEY, 0, -1))
    async with db.pipeline(transaction=False) as pipe:
        for event_id in ids:
            pipe.hgetall(EVENT_KEY.format(event_id))
        records = await store.call(pipe.execute())
    return [_public(record) for record in records if record]


async def live(request: web.Request) -> web.Response:
    now = time.time()
    events = [e for e in await _schedule(request.app) if e["starts"] <= now <= e["ends"]]
    return web.json_response({"now": int(now), "events": events})


async def epg(request: web.Request) -> web.Response:
    return web.json_response({"now": int(time.time()), "events": await _schedule(request.app)})


async def event(request: web.Request) -> web.Response:
    event_id = request.match_info["event"]
    record = await store.call(request.app["redis"].hgetall(EVENT_KEY.format(event_id)))
    if not record:
        raise web.HTTPNotFound(reason=f"unknown event {event_id!r}")
    return web.json_response(_public(record))


def create_app(name: str = "catalog") -> web.Application:
    app = make_app(name)
    store.attach(app, _seed)
    app.router.add_get("/api/live", live)
    app.router.add_get("/api/epg", epg)
    app.router.add_get("/api/events/{event}", event)
    return app


def main() -> None:
    args = arg_parser("kickoff catalog: live events and EPG").parse_args()
    serve(create_app(), args)


if __name__ == "__main__":
    main()
