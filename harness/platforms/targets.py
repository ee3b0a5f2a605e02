"""Targets files: how to reach a stack kickoff did not start (platform external).

Traffic goes only to this machine unless the file's allow_hosts names the
host (harness/platforms/hosts.py). harness/platforms/external.py turns a
targets file into the run's stack descriptor.
"""

from __future__ import annotations

import os
import ssl
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness.platforms.commands import CommandTargets
from harness.platforms.hosts import host_problem
from harness.platforms.reference import EDGE, TOXIPROXY_API  # the examples in hints
from harness.platforms.server_metrics import QueriesField
from harness.spec.document import Document, Where, read_document
from harness.spec.errors import InvalidInput
from harness.spec.fields import Items, Record, Text, did_you_mean
from harness.spec.shown import shown

_HOSTED_KEYS = ("edge", "toxiproxy", "docker_host", "prometheus")  # every address traffic may go to


@dataclass(frozen=True)
class Targets:
    edge: str | None  # the base URL viewers' journeys use; None: a bare stream needs none
    toxiproxy: str | None  # Toxiproxy's API
    docker_host: str | None
    compose_project: str | None
    components: tuple[str, ...]  # names faults may target
    links: tuple[str, ...]  # Toxiproxy proxy names faults may target
    allow_hosts: tuple[str, ...]  # hosts besides loopback that traffic may go to
    source: Path
    toxiproxy_ca: str | None = None  # the CA bundle for an https API (absolute); None: the system's
    # by target (harness/platforms/commands.py)
    commands: dict[str, dict] = field(default_factory=dict)
    prometheus: str | None = None  # the Prometheus server whose HTTP API server_metrics ask
    server_metrics: dict[str, str] = field(default_factory=dict)  # name -> PromQL query


class _Url(Text):
    """A URL of one of `schemes`; `blank` says what to write when the key is
    there with no value (a starter file's key left to fill in)."""

    def __init__(
        self,
        description: str,
        schemes: tuple[str, ...],
        example: str,
        *,
        host: bool = True,
        blank: str | None = None,
    ) -> None:
        super().__init__(description)
        self.schemes, self.example, self.host = schemes, example, host
        self.if_blank = blank or f"write e.g. {example}"

    def read(self, value: object, where: Where, document: Document) -> str | None:
        if value is None or isinstance(value, str) and not value.strip():
            document.problem(where, f"has no value ({self.if_blank})")
            return None
        text = super().read(value, where, document)
        if text is None:
            return None
        try:
            parts = urlsplit(text)
            _ = parts.port  # raises ValueError when the port is not a number in 0..65535
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in self.schemes or (self.host and not parts.hostname):
            kind = "/".join(self.schemes) + " URL" + (" with a host" if self.host else "")
            document.problem(where, f"{shown(text)} is not a {kind} (write e.g. {self.example})")
            return None
        return text

    def schema(self) -> dict:
        return {**super().schema(), "format": "uri"}


class _CaBundle(Text):
    """A PEM file of CA certificates, relative to the targets file's folder;
    read as the value: its absolute path. Never quoted: it is only loaded."""

    LARGEST = 1_000_000  # bytes; a system's whole bundle is about 200 KB

    def read(self, value: object, where: Where, document: Document) -> str | None:
        text = super().read(value, where, document)
        if text is None:
            return None
        path = (Path(document.name).parent / text).absolute()
        try:
            status = os.stat(path)
            if not stat.S_ISREG(status.st_mode) or status.st_size > self.LARGEST:
                document.problem(
                    where,
                    f"{shown(text)} is not a regular file of at "
                    f"most 1 MB (give a PEM file of CA certificates)",
                )
                return None
            ssl.create_default_context(cafile=str(path))
        except FileNotFoundError:
            document.problem(
                where,
                f"no file {shown(text)} (a relative path is read from the targets file's folder)",
            )
            return None
        except (OSError, ssl.SSLError, ValueError):
            document.problem(
                where,
                f"{shown(text)} holds no PEM CA certificate (give "
                f"the CA that signed Toxiproxy's certificate, PEM)",
            )
            return None
        return str(path)


_FORMAT = Record(
    "how to reach a stack kickoff did not start",
    {
        "edge": _Url(
            "the base URL viewers' journeys use (default none: viewers play a bare stream)",
            ("http", "https"),
            EDGE,
            blank=(
                "write the base URL your app's calls start from, its API or CDN host: e.g. "
                "https://staging.example.com, its host also in allow_hosts, or the "
                "address and port of a platform on this machine; or delete edge: when "
                "viewers play a bare stream (audience.stream)"
            ),
        ),
        "toxiproxy": _Url(
            "Toxiproxy's API, used as given: scheme, host, port and path prefix",
            ("http", "https"),
            TOXIPROXY_API,
        ),
        "toxiproxy_ca": _CaBundle(
            "the PEM CA bundle an https toxiproxy's certificate is checked "
            "against (default: this machine's trust store)"
        ),
        "docker_host": _Url(
            "the Docker engine running the stack",
            ("unix", "npipe", "tcp", "ssh", "http", "https"),
            "unix:///var/run/docker.sock",
            host=False,
        ),
        "compose_project": Text("the stack's compose project"),
        "components": Items("component names faults may target", Text("a component")),
        "links": Items("Toxiproxy proxy names faults may target", Text("a link")),
        "allow_hosts": Items("hosts besides this machine that traffic may go to", Text("a host")),
        "prometheus": _Url(
            "the Prometheus server server_metrics are read from (its HTTP API's base URL)",
            ("http", "https"),
            "https://prometheus.staging.example.com",
        ),
        "server_metrics": QueriesField(
            "the platform's own figures read each second of a run: name -> PromQL "
            "query (one series); shown as server.<name> and judged by SLOs"
        ),
        "commands": CommandTargets(
            "the operator's commands that break and mend each target, for "
            "faults of kind command (see docs/faults.md)"
        ),
    },
)


def load_targets(path: Path | str) -> Targets:
    """The targets file at `path`; InvalidInput lists every problem in it.

    It may be any file the user can read (/etc/shadow when run as root): a
    message quotes a value from it only once it is a mapping of targets keys."""
    document = read_document(path, quote=False)
    _check_is_targets(document)
    raw = _FORMAT.read(document.data, (), document) or {}
    _check_hosts(raw, document)
    _check_toxiproxy(raw, document)
    if raw.get("server_metrics") and not raw.get("prometheus"):
        document.problem(
            ("server_metrics",),
            "needs prometheus: the server they are read from "
            "(e.g. https://prometheus.staging.example.com)",
        )
    document.check()
    return Targets(
        edge=raw.get("edge"),
        toxiproxy=raw.get("toxiproxy"),
        docker_host=raw.get("docker_host"),
        compose_project=raw.get("compose_project"),
        components=tuple(raw.get("components", ())),
        links=tuple(raw.get("links", ())),
        allow_hosts=tuple(raw.get("allow_hosts", ())),
        source=Path(path),
        toxiproxy_ca=raw.get("toxiproxy_ca"),
        commands=raw.get("commands") or {},
        prometheus=raw.get("prometheus"),
        server_metrics=raw.get("server_metrics") or {},
    )


def _check_is_targets(document: Document) -> None:
    """Refuse, without a word of its content, a file that is not a mapping of
    targets keys (or of near misses of them, which get a did-you-mean)."""
    data = document.data
    strangers = (
        [
            key
            for key in data
            if key not in _FORMAT.fields
            and not (isinstance(key, str) and did_you_mean(key, list(_FORMAT.fields)))
        ]
        if isinstance(data, dict)
        else [data]
    )
    if not strangers:
        return
    line = f":{document.line((strangers[0],))}" if isinstance(data, dict) else ""
    what = "an unknown key" if isinstance(data, dict) else "not a mapping"
    raise InvalidInput(
        f"{document.name}{line}: not a targets file: {what} (its keys are "
        f"{', '.join(_FORMAT.fields)}; see docs/scenarios.md)"
    )


def _check_hosts(raw: dict, document: Document) -> None:
    for key in _HOSTED_KEYS:
        problem = host_problem(raw[key], raw.get("allow_hosts") or ()) if raw.get(key) else None
        if problem:
            document.problem((key,), problem)


def _check_toxiproxy(raw: dict, document: Document) -> None:
    url = raw.get("toxiproxy")
    parts = urlsplit(url) if url else None
    if parts and (parts.query or parts.fragment or parts.username or parts.password):
        document.problem(
            ("toxiproxy",),
            "takes no user, ?query or #fragment: Toxiproxy's API "
            "is the URL's scheme, host, port and path prefix",
        )
    if raw.get("toxiproxy_ca") and not (parts and parts.scheme == "https"):
        document.problem(
            ("toxiproxy_ca",),
            "is only used with an https toxiproxy: URL (remove it, or make toxiproxy https)",
        )
