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
_SECRET = r"(?:[\w-]*(?:token|passw(?:or)?d|pwd|secret|session|cookie|auth|api[_-]?key|" \
          r"credential|signature)[\w-]*|sid)"
_JSON_FIELD = re.compile(rf'("{_SECRET}"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
_PAIR = re.compile(rf"(\b{_SECRET}=)[^&\s\"';,]+", re.IGNORECASE)
_CREDENTIAL = re.compile(r"\b(Bearer|Basic)\s+[\w.~+/=-]+", re.IGNORECASE)
_COOKIE = re.compile(r"\b((?:set-)?cookie\s*:\s*)[^\r\n\"]+", re.IGNORECASE)
_SHORTEST = 4  # journey values shorter than this are not hidden (numbers, "web", "true")


def redacted(text: str, known: Iterable[str] = ()) -> str:
    """`text` with the secrets the module's docstring names replaced by ***."""
    for value in sorted({v for v in known if len(v) >= _SHORTEST}, key=len, reverse=True):
        text = text.replace(value, HIDDEN)
    text = _JSON_FIELD.sub(rf'\1"{HIDDEN}"', text)
    text = _PAIR.sub(rf"\1{HIDDEN}", text)
    text = _CREDENTIAL.sub(rf"\1 {HIDDEN}", text)
    return _COOKIE.sub(rf"\1{HIDDEN}", text)


def excerpt(body: bytes, known: Iterable[str] = ()) -> str:
    """The first EXCERPT_BYTES of `body` as one line, redacted; "(empty)" for none."""
    text = redacted(body[:_READ_BYTES].decode("utf-8", "replace"), known)
    line = " ".join(text.split())
    cut = line.encode()[:EXCERPT_BYTES].decode("utf-8", "ignore")
    return (cut + "..." if len(cut) < len(line) else cut) or "(empty)"
