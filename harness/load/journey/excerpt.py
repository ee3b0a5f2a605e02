"""What a failure reason may show of an answer: when an extraction finds
nothing, the reason carries the start of the body (EXCERPT_BYTES), so the
user sees what the platform said instead, with its secrets left out.

Redacted before the body is cut short (a cut must never leave part of a
secret): the values of JSON fields and form or query pairs whose names say
they are secret (token, access_token, password, secret, session, cookie,
api_key ...), Bearer and Basic credentials, Cookie and Set-Cookie values,
and every value the viewer's journey holds that a template filled in or an
extraction took (its account, its tokens). The excerpt is one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EXCERPT_BYTES = 200
HIDDEN = "***"
_READ_BYTES = 65_536  # the most of a body searched for secrets (the excerpt is its start)
# A name that says its value is a secret: access_token, refreshToken, X-Api-Key, sid ...
_SECRET_WORD = re.compile(
    r"token|passw(?:or)?d|pwd|secret|session|cookie|auth|api[_-]?key|"
    r"credential|signature",
    re.IGNORECASE,
)
# Names are whole runs of [\w-] (never part of one) taken possessively, and every
# repeat below has one way to match: each search is linear in the body, whatever
# a hostile platform answers (`a-a-a-...` took seconds a few KiB in when a name
# was a backtracking [\w-]*(token|...)[\w-]*).
_NAME = r"(?<![\w-])[\w-]++"
_JSON_FIELD = re.compile(rf'"({_NAME})"(\s*+:\s*+)"(?:[^"\\]++|\\.)*+"')
_PAIR = re.compile(rf"({_NAME})=[^&\s\"';,]++")
_CREDENTIAL = re.compile(r"\b(Bearer|Basic)\s++[\w.~+/=-]++", re.IGNORECASE)
_COOKIE = re.compile(r"\b((?:set-)?cookie\s*+:\s*+)[^\r\n\"]++", re.IGNORECASE)
_SHORTEST = 4  # journey values shorter than this are not hidden (numbers, "web", "true")


def _secret(name: str) -> bool:
    return bool(_SECRET_WORD.search(name)) or "sid" in name.lower().split("-")


def redacted(text: str, known: Iterable[str] = ()) -> str:
    """`text` with the secrets the module's docstring names replaced by ***."""
    for value in sorted({v for v in known if len(v) >= _SHORTEST}, key=len, reverse=True):
        text = text.replace(value, HIDDEN)
    text = _JSON_FIELD.sub(lambda m: f'"{m[1]}"{m[2]}"{HIDDEN}"' if _secret(m[1]) else m[0], text)
    text = _PAIR.sub(lambda m: f"{m[1]}={HIDDEN}" if _secret(m[1]) else m[0], text)
    text = _CREDENTIAL.sub(rf"\1 {HIDDEN}", text)
    return _COOKIE.sub(rf"\1{HIDDEN}", text)


def excerpt(body: bytes, known: Iterable[str] = ()) -> str:
    """The first EXCERPT_BYTES of `body` as one line, redacted; "(empty)" for none."""
    text = redacted(body[:_READ_BYTES].decode("utf-8", "replace"), known)
    line = " ".join(text.split())
    cut = line.encode()[:EXCERPT_BYTES].decode("utf-8", "ignore")
    return (cut + "..." if len(cut) < len(line) else cut) or "(empty)"
