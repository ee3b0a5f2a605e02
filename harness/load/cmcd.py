"""Common Media Client Data (CTA-5004): what a player tells the CDN about each
request, so a platform team can find a test's traffic in its logs.

Opt-in per scenario (`cmcd: query` or `cmcd: headers`). Keys are sorted and
encoded as CTA-5004 section 3 says: integers bare, strings in double quotes,
tokens (ot, sf, st) bare, a true boolean as its key alone, false ones left
out. As a query, one `CMCD=` argument, URL-encoded; as headers, the keys
split into CMCD-Object, -Request, -Session and -Status, empty ones left out.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

MODES = ("query", "headers")
MANIFEST, VIDEO, AUDIO, MUXED, INIT, KEY, OTHER = "m", "v", "a", "av", "i", "k", "o"
STREAMING_FORMAT = {"hls": "h", "dash": "d"}
_TOKENS = ("ot", "sf", "st")
_HEADERS = {
    "CMCD-Object": ("br", "d", "ot", "tb"),
    "CMCD-Request": ("bl", "dl", "mtp", "nor", "nrr", "su"),
    "CMCD-Session": ("cid", "pr", "sf", "sid", "st", "v"),
    "CMCD-Status": ("bs", "rtp"),
}
MAX_CID = 64  # characters CTA-5004 allows a content id


def content_id(url: str) -> str:
    """The stream URL's path, or a hash of it when longer than CMCD allows."""
    path = urlsplit(url).path or "/"
    return path if len(path) <= MAX_CID else hashlib.sha256(path.encode()).hexdigest()[:MAX_CID]


def encode(keys: dict[str, object]) -> str:
    """`key=value` pairs, sorted, comma-separated (CTA-5004 3.2)."""
    parts = []
    for key in sorted(keys):
        value = keys[key]
        if value is False or value is None:
            continue
        if value is True:
            parts.append(key)
        elif isinstance(value, str) and key not in _TOKENS:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{key}="{escaped}"')
        else:
            parts.append(f"{key}={value}")
    return ",".join(parts)


def decode(text: str) -> dict[str, object]:
    """The keys of an encoded CMCD payload (for reading logs back)."""
    keys: dict[str, object] = {}
    for part in _split(text):
        key, equals, value = part.partition("=")
        if not equals:
            keys[key] = True
        elif value.startswith('"'):
            keys[key] = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        else:
            keys[key] = int(value) if value.lstrip("-").isdigit() else value
    return keys


def _split(text: str) -> list[str]:
    """Split at commas outside quoted strings."""
    parts, current, quoted, escaped = [], "", False, False
    for char in text:
        if char == "," and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
    return [p for p in [*parts, current] if p]


@dataclass
class Session:
    """One viewer attempt's CMCD: its session id and content id, and how they travel."""

    mode: str  # "query" or "headers"
    cid: str
    sid: str = field(default_factory=lambda: str(uuid.uuid4()))

    def apply(self, url: str, keys: dict[str, object]) -> tuple[str, dict[str, str]]:
        """The request's URL and headers carrying `keys` plus cid and sid."""
        keys = {**keys, "cid": self.cid, "sid": self.sid}
        if self.mode == "query":
            separator = "&" if urlsplit(url).query else "?"
            return f"{url}{separator}CMCD={quote(encode(keys), safe='')}", {}
        headers = {}
        for name, names in _HEADERS.items():
            value = encode({k: v for k, v in keys.items() if k in names})
            if value:
                headers[name] = value
        return url, headers


def kbps(bps: float) -> int | None:
    """Kilobits per second; None (the key left out) when the bitrate was not announced."""
    return round(bps / 1000) or None


def rounded_ms(seconds: float, step: int = 100) -> int:
    """Milliseconds rounded to `step` (bl: 100 ms; mtp is kbps rounded to 100)."""
    return int(round(seconds * 1000 / step) * step)
