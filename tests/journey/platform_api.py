"""A small platform API nobody here designed, for journey tests: shaped
unlike the reference stack, on purpose.

    POST /oauth/token      form grant_type=password&username=..&password=..
                           -> {"access_token": ..., "token_type": "bearer"}
    POST /v1/session       Authorization: Bearer <token> -> Set-Cookie: sid=...
    POST /v1/signup        json {"username", "password"} -> 201 {"access_token": ...};
                           409 name taken; 400 a name not of [a-z0-9-]
    POST /v1/bookings      Authorization: Bearer <a signed-up token>, json {"event": <id>}
                           -> 201 {"booking": ...}, as the booking switch allows
    GET  /v1/playback-info?channel=<id>   needs the sid cookie and the bearer (a
                           signed-up token: with a booking of the channel)
                           -> {"sources": [{"type": "hls", "url": <none>},
                                           {"type": "dash", "url": <stream>}]}
    GET  /v1/broken        always 500
    GET  /media/...        the stream's files (a folder ffmpeg writes)

The booking switch, for tests: PUT /test/booking {"fail_every": N, "status":
S, "delay": SECONDS} makes every Nth booking answer S (0: none), each after
the delay, and clears the ledger; GET /test/ledger tells what happened since:
{"signups": [[username, password], ...], "booked": N, "refused": N}.

The stream is the dash source (an MPD); the hls source names no file, so a
journey plays only if it picks the source by its type.

Run as `python platform_api.py ACCOUNTS_CSV MEDIA_DIR STREAM_PATH [PORT]`; it
binds 127.0.0.1 on PORT (default: a free one) and prints the port on its
first line.
"""

from __future__ import annotations

import asyncio
import csv
import re
import secrets
import sys
from pathlib import Path

from aiohttp import web

CHANNEL = "ch-1"


def make_app(accounts: dict[str, str], media: Path, stream_path: str) -> web.Application:
    tokens: set[str] = set()
    sessions: set[str] = set()
    newcomers: dict[str, str] = {}  # token -> username, of those who signed up
    booked: set[str] = set()  # tokens with a booking of CHANNEL

    def bearer(request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        return token if header.startswith("Bearer ") and token in tokens else None

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        username = form.get("username")
        if form.get("grant_type") != "password" or username not in accounts or \
                accounts[username] != form.get("password"):
            return web.json_response({"error": "invalid_grant"}, status=401)
        value = secrets.token_hex(8)
        tokens.add(value)
        return web.json_response({"access_token": value, "token_type": "bearer"})

    async def session(request: web.Request) -> web.Response:
        if bearer(request) is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        sid = secrets.token_hex(8)
        sessions.add(sid)
        response = web.json_response({"ok": True}, status=201)
        response.set_cookie("sid", sid, path="/", httponly=True)
        return response

    async def playback_info(request: web.Request) -> web.Response:
        token = bearer(request)
        if token is None or request.cookies.get("sid") not in sessions:
            return web.json_response({"error": "no session"}, status=403)
        if token in newcomers and token not in booked:
            return web.json_response({"error": "book the match first"}, status=403)
        if request.query.get("channel") != CHANNEL:
            return web.json_response({"error": "no such channel"}, status=404)
        return web.json_response({"sources": [{"type": "hls", "url": "/media/none.m3u8"},
                                              {"type": "dash", "url": stream_path}]})

    async def broken(request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    app = web.Application()
    add_booking(app, tokens, newcomers, booked)
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/v1/session", session)
    app.router.add_get("/v1/playback-info", playback_info)
    app.router.add_get("/v1/broken", broken)
    app.router.add_static("/media", media)
    return app


def add_booking(app: web.Application, tokens: set[str], newcomers: dict[str, str],
                booked: set[str]) -> None:
    """Sign-up, booking, the booking switch and the ledger."""
    switch = {"fail_every": 0, "status": 503, "delay": 0.0}
    ledger = {"signups": [], "booked": 0, "refused": 0}
    passwords: dict[str, str] = {}

    async def signup(request: web.Request) -> web.Response:
        body = await request.json()
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not re.fullmatch(r"[a-z0-9-]{3,64}", username) \
                or not isinstance(password, str) or not password:
            return web.json_response({"error": "bad body"}, status=400)
        if username in passwords:
            return web.json_response({"error": "name taken"}, status=409)
        passwords[username] = password
        ledger["signups"].append([username, password])
        value = secrets.token_hex(8)
        tokens.add(value)
        newcomers[value] = username
        return web.json_response({"access_token": value}, status=201)

    async def book(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in newcomers:
            return web.json_response({"error": "sign up first"}, status=401)
        if (await request.json()).get("event") != CHANNEL:
            return web.json_response({"error": "no such event"}, status=404)
        await asyncio.sleep(switch["delay"])
        number = ledger["booked"] + ledger["refused"] + 1
        if switch["fail_every"] and number % switch["fail_every"] == 0:
            ledger["refused"] += 1
            return web.json_response({"error": "booking down"}, status=switch["status"])
        ledger["booked"] += 1
        booked.add(token)
        return web.json_response({"booking": number}, status=201)

    async def set_switch(request: web.Request) -> web.Response:
        switch.update(await request.json())
        ledger.update(signups=[], booked=0, refused=0)
        return web.Response(status=204)

    async def read_ledger(request: web.Request) -> web.Response:
        return web.json_response(ledger)

    app.router.add_post("/v1/signup", signup)
    app.router.add_post("/v1/bookings", book)
    app.router.add_put("/test/booking", set_switch)
    app.router.add_get("/test/ledger", read_ledger)


async def serve(app: web.Application, port: int = 0) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)


def main() -> None:
    accounts_csv, media, stream_path = sys.argv[1:4]
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    with open(accounts_csv, newline="") as file:
        accounts = {row["username"]: row["password"] for row in csv.DictReader(file)}
    loop = asyncio.new_event_loop()
    loop.run_until_complete(serve(make_app(accounts, Path(media), stream_path), port))
    loop.run_forever()


if __name__ == "__main__":
    main()
