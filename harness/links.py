"""The stack's links, through Toxiproxy: the one adapter over toxiproxy-python.

toxiproxy-python 0.1.1 keeps one server per process in class attributes and
sets no timeouts; this module points it at our server on every call, passes a
timeout to every request, and turns its errors into HarnessErrors.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from harness.errors import HarnessError, InfrastructureMissing, InvalidInput

TIMEOUT = 5.0
# Removing a toxic waits until every connection's toxic lets go of its chunk
# (a slow bandwidth toxic holds one for seconds), so changes get longer.
CHANGE_TIMEOUT = 30.0
STREAMS = ("upstream", "downstream")


@dataclass(frozen=True)
class Toxic:
    link: str
    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict


class Links:
    """Toxics and cuts on a stack's links, by link name (a Toxiproxy proxy's)."""

    def __init__(self, api: str) -> None:
        """`api`: Toxiproxy's API URL, as a stack descriptor gives it."""
        parts = urlsplit(api)  # toxiproxy-python builds http://host:port itself
        self.host = parts.hostname
        self.port = parts.port or 80

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        APIConsumer.host, APIConsumer.port = self.host, self.port
        try:
            timeout = TIMEOUT if method == "get" else CHANGE_TIMEOUT
            response = getattr(APIConsumer, method)(path, timeout=timeout, **kwargs)
        except requests.RequestException as error:
            raise InfrastructureMissing(
                f"Toxiproxy API at {self.host}:{self.port} does not answer "
                f"({error.__class__.__name__}); is the stack up?") from None
        except NotFound:
            raise HarnessError(f"Toxiproxy has no {path}") from None
        except (InvalidToxic, ProxyExists) as error:
            raise InvalidInput(f"Toxiproxy refused {path}: {error}") from None
        if response.status_code >= 400:
            raise HarnessError(f"Toxiproxy answered {response.status_code} to {path}: "
                               f"{response.text.strip()}")
        return response

    def version(self) -> str:
        return self._call("get", "/version").text.strip()

    def proxies(self) -> dict[str, dict]:
        return self._call("get", "/proxies").json()

    def toxics(self, link: str) -> list[Toxic]:
        found = self._call("get", f"/proxies/{link}/toxics").json()
        return [Toxic(link, t["name"], t["type"], t["stream"], t["toxicity"], t["attributes"])
                for t in found]

    def add_toxic(self, link: str, type: str, attributes: dict, stream: str = "downstream",
                  toxicity: float = 1.0, name: str | None = None) -> Toxic:
        if stream not in STREAMS:
            raise InvalidInput(f"toxic stream must be one of {STREAMS}, not {stream!r}")
        toxic = Toxic(link, name or f"{type}_{stream}", type, stream, toxicity, attributes)
        self._call("post", f"/proxies/{link}/toxics",
                   json={"name": toxic.name, "type": type, "stream": stream,
                         "toxicity": toxicity, "attributes": attributes})
        return toxic

    def remove_toxic(self, link: str, name: str) -> None:
        self._call("delete", f"/proxies/{link}/toxics/{name}")

    def set_enabled(self, link: str, enabled: bool) -> None:
        """Cut (False) or restore (True) a link; a cut proxy refuses connections."""
        self._call("post", f"/proxies/{link}", json={"enabled": enabled})

    def is_enabled(self, link: str) -> bool:
        proxy = self.proxies().get(link)
        if proxy is None:
            raise HarnessError(f"Toxiproxy has no proxy {link!r}")
        return bool(proxy["enabled"])

    def reset(self) -> None:
        """Remove every toxic and enable every proxy."""
        self._call("post", "/reset")
