"""Origin: a live HLS packager. Serves master and media playlists and segments.

Every playlist and segment URL carries a playback token (see tokens.py);
a missing, forged, foreign or expired token gets 403, as at a CDN origin.
"""

from __future__ import annotations

import functools
from pathlib import Path

from aiohttp import web

from . import hls, mpegts, tokens
from .common import arg_parser, make_app, serve
from .media import RENDITION_NAMES, default_media_dir, load_segments, read_manifest
from .seed import EVENT_IDS

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


def _authorise(request: web.Request) -> str:
    """The event of the request, once its token has been checked."""
    event = request.match_info["event"]
    if event not in EVENT_IDS:
        raise web.HTTPNotFound(reason=f"unknown event {event!r}")
    token = request.query.get("token")
    if not token:
        raise web.HTTPForbidden(reason="missing playback token")
    problem = tokens.verify(request.app["secret"], token, event)
    if problem:
        raise web.HTTPForbidden(reason=problem)
    return token


def _rendition(request: web.Request) -> str:
    name = request.match_info["rendition"]
    if name not in RENDITION_NAMES:
        raise web.HTTPNotFound(reason=f"unknown rendition {name!r}")
    return name


def _headers(request: web.Request, max_age: int) -> dict[str, str]:
    return {"X-Origin": request.app["service"], "Cache-Control": f"public, max-age={max_age}"}


async def master(request: web.Request) -> web.Response:
    token = _authorise(request)
    return web.Response(text=hls.master_playlist(token), content_type=PLAYLIST_TYPE,
                        headers=_headers(request, 60))


async def media(request: web.Request) -> web.Response:
    token = _authorise(request)
    durations = request.app["durations"][_rendition(request)]
    return web.Response(text=hls.media_playlist(token, durations), content_type=PLAYLIST_TYPE,
                        headers=_headers(request, 1))


async def segment(request: web.Request) -> web.Response:
    _authorise(request)
    name = _rendition(request)
    sequence_text = request.match_info["sequence"]
    if not sequence_text.isdigit() or not hls.is_available(int(sequence_text)):
        raise web.HTTPNotFound(reason=f"segment {sequence_text} is not in the live window")
    body = request.app["timeline"](name, int(sequence_text))
    return web.Response(body=body, content_type="video/mp2t", headers=_headers(request, 86400))


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": request.app["service"],
                              "renditions": sorted(request.app["segments"])})


def continuous_timeline(segments: dict[str, list[bytes]], loop_ticks: dict[str, int]):
    """segment(rendition, sequence) -> bytes of live segment `sequence`: its
    loop file with timestamps moved on by the loops played before it."""

    @functools.lru_cache(maxsize=64)
    def segment(rendition: str, sequence: int) -> bytes:
        loop = segments[rendition]
        loops_before, index = divmod(sequence, len(loop))
        return mpegts.shift_timestamps(loop[index], loops_before * loop_ticks[rendition])

    return segment


def create_app(name: str, media_dir: Path, secret: str) -> web.Application:
    app = make_app(name)
    app["secret"] = secret
    app["segments"] = load_segments(media_dir)
    manifest = read_manifest(media_dir)
    app["durations"] = manifest["durations"]
    app["timeline"] = continuous_timeline(app["segments"], manifest["loop_ticks"])
    app.router.add_get("/healthz", health)
    app.router.add_get("/live/{event}/master.m3u8", master)
    app.router.add_get("/live/{event}/{rendition}/index.m3u8", media)
    app.router.add_get("/live/{event}/{rendition}/{sequence}.ts", segment)
    return app


def main() -> None:
    parser = arg_parser("kickoff origin: live HLS packager")
    parser.add_argument("--name", default="origin")
    parser.add_argument("--media-dir", type=Path, default=default_media_dir())
    args = parser.parse_args()
    serve(create_app(args.name, args.media_dir, tokens.secret_from_env()), args)


if __name__ == "__main__":
    main()
