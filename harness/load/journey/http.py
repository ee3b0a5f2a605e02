"""What a journey step gets back from a request, and how it asks for one.

`Fetch` is the viewer's request function: it records the request under its
group (as every request of a run is recorded) and raises FetchError when the
answer's status is not accepted (default: any 2xx). The cookie jar is the
viewer's own, kept by its HTTP client.
"""

from __future__ import annotations

import json as json_module
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, Protocol


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # names lowercase; repeated headers joined by ", "
    body: bytes = b""
    cookies: Mapping[str, str] = field(default_factory=dict)  # set by this answer

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON."""
        return json_module.loads(self.body)


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
    def __call__(self, method: str, url: str, *, group: str,
                 headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
                 json: Any = None, data: Mapping[str, str] | None = None,
                 accept: Collection[int] | None = None) -> Response:
        """One request, recorded under `group`; FetchError unless its status is accepted."""
