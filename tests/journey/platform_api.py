"""A small platform API nobody here designed, for journey tests: shaped
unlike the reference stack, on purpose.

    POST /oauth/token      form grant_type=password&username=..&password=..
                           -> {"access_token": ..., "token_type": "bearer"}
    POST /v1/session       Authorization: Bearer <token> -> Set-Cookie: sid=...
    GET  /v1/playback-info?channel=<id>   needs the sid cookie and the bearer
                           -> {"sources": [{"type": "hls", "url": <none>},
                                           {"type": "dash", "url": <stream>}]}
    GET  /v1/broken        always 500
    GET  /media/...        the stream's files (a folder ffmpeg writes)

The stream is the dash source (an MPD); the hls source names no file, so a
journey plays only if it picks the source by its type.

Run as `python platform_api.py ACCOUNTS_CSV MEDIA_DIR STREAM_PATH`; it binds
127.0.0.1 on a free port and prints the port on its first line.
"""

from __future__ import annotations

import csv
import secrets
import sys
from pathlib import Path

from aiohttp import web

CHANNEL = "ch-1"


def make_app(accounts: dict[str, str], media: Path, stream_path: str) -> web.Application:
    tokens: set[str] = set()
    sessions: set[str] = set()

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
        if bearer(request) is None or request.cookies.get("sid") not in sessions:
            return web.json_response({"error": "no session"}, status=403)
        if request.query.get("channel") != CHANNEL:
            return web.json_response({"error": "no such channel"}, status=404)
        return web.json_response({"sources": [{"type": "hls", "url": "/media/none.m3u8"},
                                              {"type": "dash", "url": stream_path}]})

    async def broken(request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/v1/session", session)
    app.router.add_get("/v1/playback-info", playback_info)
    app.router.add_get("/v1/broken", broken)
    app.router.add_static("/media", media)
    return app


async def serve(app: web.Application) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)


def main() -> None:
    import asyncio

    accounts_csv, media, stream_path = sys.argv[1:4]
    with open(accounts_csv, newline="") as file:
        accounts = {row["username"]: row["password"] for row in csv.DictReader(file)}
    loop = asyncio.new_event_loop()
    loop.run_until_complete(serve(make_app(accounts, Path(media), stream_path)))
    loop.run_forever()


if __name__ == "__main__":
    main()
