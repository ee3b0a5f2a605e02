"""What a journey step gets back from a request, and how it asks for one.

`Fetch` is the viewer's request function: it records the request under its
group (as every request of a run is recorded) and raises FetchError when the
answer's status is not accepted (default: any 2xx). The cookie jar is the
viewer's own, kept by its HTTP client.

A hostile platform must not stall a viewer: a journey reads at most
BODY_BYTES of an answer (decompressed), and parses JSON only up to
JSON_DEPTH levels of nesting; a longer or deeper answer fails the extraction
that needs its body, as that step's error.
"""

from __future__ import annotations

import json as json_module
import re
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from itertools import accumulate
from typing import Any, Protocol

BODY_BYTES = 1 << 20  # 1 MiB: far above an API answer, far below a viewer's memory
JSON_DEPTH = 64  # levels of [ and { an answer may nest
_CHUNK = 64 * 1024
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}  # zlib's wbits
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte but brackets
_STRING = re.compile(rb'"[^"]*+"')  # once escapes are gone: each quote looked at once
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # names lowercase; repeated headers joined by ", "
    body: bytes = b""
    cookies: Mapping[str, str] = field(default_factory=dict)  # set by this answer
    whole: bool = True  # False: the body is the first BODY_BYTES of a longer one

    @property
    def text(self) -> str:
        self._check_whole()
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON, or nests deeper than JSON_DEPTH."""
        self._check_whole()
        if nesting(self.body) > JSON_DEPTH:
            raise ValueError(f"the answer's JSON nests deeper than {JSON_DEPTH} levels")
        return json_module.loads(self.body)

    def _check_whole(self) -> None:
        if not self.whole:
            raise ValueError(
                f"the answer is longer than {BODY_BYTES >> 20} MiB, the most a journey reads"
            )


def nesting(body: bytes) -> int:
    """How deep the JSON text's brackets nest (strings skipped), in linear time."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")  # (JSON escapes only in strings)
    brackets = _STRING.sub(b"", unescaped).translate(None, _BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def read_body(read: Callable[[int], bytes], encoding: str) -> tuple[bytes, bool]:
    """(at most BODY_BYTES of a body, whether that is all of it), read a chunk at a
    time with `read` and decoded by its Content-Encoding (gzip and deflate; any
    other is taken as it comes); the rest is never read. zlib.error: not gzip."""
    wbits = _DECODERS.get(encoding.strip().lower())
    decoder = zlib.decompressobj(wbits) if wbits is not None else None
    body = bytearray()
    while len(body) <= BODY_BYTES and (chunk := read(_CHUNK)):
        if decoder is not None:
            chunk = decoder.decompress(chunk, BODY_BYTES + 1 - len(body))
        body += chunk
    return bytes(body[:BODY_BYTES]), len(body) <= BODY_BYTES


def cookies_set(set_cookie_lines: list[str]) -> dict[str, str]:
    """Cookie names and values from an answer's Set-Cookie headers."""
    cookies: dict[str, str] = {}
    for line in set_cookie_lines:
        jar = SimpleCookie()
        try:
            jar.load(line)
        except CookieError:
            continue  # a cookie a browser would drop too
        cookies.update((name, morsel.value) for name, morsel in jar.items())
    return cookies


class Fetch(Protocol):
    def __call__(
        self,
        method: str,
        url: str,
        *,
        group: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        accept: Collection[int] | None = None,
    ) -> Response:
        """One request, recorded under `group`; FetchError unless its status is accepted."""
