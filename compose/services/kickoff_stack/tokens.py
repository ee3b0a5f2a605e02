"""Signed playback tokens, as a CDN token would be.

A token names the event it opens and when it expires, signed with HMAC-SHA256
over a secret that auth (which issues) and the origins (which verify) share.
Expiry is bucketed so that every viewer entitled in the same window gets the
same token: the edge caches per URL including the token, and per-viewer tokens
would defeat the cache at kickoff.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time

DEV_SECRET = "kickoff-dev-secret-change-me"
BUCKET_SECONDS = 300
VALIDITY_SECONDS = 4 * 3600


def secret_from_env() -> str:
    return os.environ.get("KICKOFF_TOKEN_SECRET", DEV_SECRET)


def _signature(secret: str, event: str, expires: int) -> str:
    message = f"{event}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def sign(secret: str, event: str, expires: int) -> str:
    return f"{event}.{expires}.{_signature(secret, event, expires)}"


def issue(secret: str, event: str, now: float | None = None) -> tuple[str, int]:
    """A token for `event`, valid at least VALIDITY_SECONDS; returns (token, expires)."""
    now = time.time() if now is None else now
    bucket_end = (int(now) // BUCKET_SECONDS + 1) * BUCKET_SECONDS
    expires = bucket_end + VALIDITY_SECONDS
    return sign(secret, event, expires), expires


def verify(secret: str, token: str, event: str, now: float | None = None) -> str | None:
    """None when the token opens `event` now, else the reason it does not."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return "malformed token"
    token_event, expires_text, signature = parts
    expires = int(expires_text)
    if not hmac.compare_digest(signature, _signature(secret, token_event, expires)):
        return "bad signature"
    if token_event != event:
        return "token is for another event"
    if expires < (time.time() if now is None else now):
        return "token expired"
    return None
