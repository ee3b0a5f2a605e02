"""The stack's links, through Toxiproxy's HTTP API: the one adapter over it.

It talks to the documented API with requests itself (toxiproxy-python 0.1.1
builds `http://host:port` and would drop https, a path prefix and TLS
verification): the API URL is used exactly as given, scheme, host, port and
path prefix, every request has a bounded timeout, an https API's certificate
is verified against a CA bundle or this machine's trust store, and every
failure becomes a one-line HarnessError with the CLI's exit code.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from urllib.parse import quote

import requests

from harness.spec.errors import HarnessError, InfrastructureMissing, InvalidInput

TIMEOUT = 5.0
# Removing a toxic waits until every connection's toxic lets go of its chunk
# (a slow bandwidth toxic holds one for seconds), so changes get longer.
CHANGE_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
STREAMS = ("upstream", "downstream")
_VERSION = re.compile(r"^v?\d+\.\d+")  # older servers answer /version as plain text


@dataclass(frozen=True)
class Toxic:
    link: str
    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict


def trust(ca: str | None) -> str | bool:
    """What an https API's certificate is verified against: the CA bundle at
    `ca`, else this machine's trust store (where OpenSSL looks by default)."""
    if ca:
        return ca
    paths = ssl.get_default_verify_paths()
    return paths.cafile or paths.capath or True


class Links:
    """Toxics and cuts on a stack's links, by link name (a Toxiproxy proxy's)."""

    def __init__(self, api: str, ca: str | None = None) -> None:
        """`api`: Toxiproxy's API URL as a stack descriptor gives it (a path
        prefix included); `ca`: a PEM CA bundle for an https API (None: this
        machine's trust store)."""
        self.api = api.rstrip("/")
        self.verify = trust(ca)

    def _call(self, method: str, path: str, json: dict | None = None) -> requests.Response:
        timeout = (CONNECT_TIMEOUT, TIMEOUT if method == "GET" else CHANGE_TIMEOUT)
        try:
            response = requests.request(
                method,
                self.api + path,
                json=json,
                timeout=timeout,
                verify=self.verify,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as error:
            raise InvalidInput(
                f"Toxiproxy API at {self.api}: TLS failed ({_reason(error)}); "
                f"check the URL's scheme and toxiproxy_ca in the targets file"
            ) from None
        except requests.RequestException as error:
            raise InfrastructureMissing(
                f"Toxiproxy API at {self.api} does not answer ({_reason(error)}); is the stack up?"
            ) from None
        if response.status_code >= 300:  # Toxiproxy never redirects
            raise _refusal(response, path)
        return response

    def _json(self, path: str) -> object:
        response = self._call("GET", path)
        try:
            return response.json()
        except ValueError:
            raise _not_toxiproxy(response) from None

    def version(self) -> str:
        """The server's version; InvalidInput when what answers is not Toxiproxy's API
        (a wrong scheme, port or path prefix in its URL)."""
        response = self._call("GET", "/version")
        try:
            body = response.json()
        except ValueError:
            body = {"version": response.text.strip()}
        found = body.get("version") if isinstance(body, dict) else None
        if isinstance(found, str) and _VERSION.match(found):
            return found
        raise _not_toxiproxy(response)

    def proxies(self) -> dict[str, dict]:
        found = self._json("/proxies")
        return found if isinstance(found, dict) else {}

    def toxics(self, link: str) -> list[Toxic]:
        found = self._json(f"/proxies/{_name(link)}/toxics")
        if not isinstance(found, list):
            return []
        return [
            Toxic(link, t["name"], t["type"], t["stream"], t["toxicity"], t["attributes"])
            for t in found
        ]

    def add_toxic(
        self,
        link: str,
        type: str,
        attributes: dict,
        stream: str = "downstream",
        toxicity: float = 1.0,
        name: str | None = None,
    ) -> Toxic:
        if stream not in STREAMS:
            raise InvalidInput(f"toxic stream must be one of {STREAMS}, not {stream!r}")
        toxic = Toxic(link, name or f"{type}_{stream}", type, stream, toxicity, attributes)
        self._call(
            "POST",
            f"/proxies/{_name(link)}/toxics",
            json={
                "name": toxic.name,
                "type": type,
                "stream": stream,
                "toxicity": toxicity,
                "attributes": attributes,
            },
        )
        return toxic

    def remove_toxic(self, link: str, name: str) -> None:
        self._call("DELETE", f"/proxies/{_name(link)}/toxics/{_name(name)}")

    def set_enabled(self, link: str, enabled: bool) -> None:
        """Cut (False) or restore (True) a link; a cut proxy refuses connections."""
        self._call("POST", f"/proxies/{_name(link)}", json={"enabled": enabled})

    def is_enabled(self, link: str) -> bool:
        proxy = self.proxies().get(link)
        if proxy is None:
            raise HarnessError(f"Toxiproxy has no proxy {link!r}")
        return bool(proxy["enabled"])

    def reset(self) -> None:
        """Remove every toxic and enable every proxy."""
        self._call("POST", "/reset")


def _name(name: str) -> str:
    """A proxy's or toxic's name as one path segment (a name may hold any character)."""
    return quote(name, safe="")


def _refusal(response: requests.Response, path: str) -> HarnessError:
    """The error for an HTTP error answer: Toxiproxy's own say what it refused
    ({"error": ..., "status": ...}); anything else is not Toxiproxy speaking."""
    try:
        said = response.json().get("error")
    except (ValueError, AttributeError):
        said = None
    if not isinstance(said, str):
        return _not_toxiproxy(response)
    if response.status_code == 404:
        return HarnessError(f"Toxiproxy has no {path} ({said})")
    if response.status_code in (400, 409):
        return InvalidInput(f"Toxiproxy refused {path}: {said}")
    return HarnessError(f"Toxiproxy answered {response.status_code} to {path}: {said}")


def _not_toxiproxy(response: requests.Response) -> InvalidInput:
    return InvalidInput(
        f"{response.url} answered HTTP {response.status_code}, not as "
        f"Toxiproxy's API does; check the scheme, port and path prefix of "
        f"toxiproxy: in the targets file"
    )


def _reason(error: requests.RequestException) -> str:
    """The innermost cause of a requests error, shortly (its class and message)."""
    cause: BaseException = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    text = str(cause).splitlines()[0][:200] if str(cause) else ""
    return f"{cause.__class__.__name__}: {text}" if text else cause.__class__.__name__
