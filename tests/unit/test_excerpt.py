"""What a failure reason shows of an answer whose extraction found nothing:
its first 200 bytes on one line, tokens, passwords, credentials, cookies and
the journey's own values hidden, never a part of one cut off."""

from __future__ import annotations

import json

import pytest

from harness.load.journey.excerpt import EXCERPT_BYTES, excerpt


@pytest.mark.parametrize("body, shown", [
    (json.dumps({"access_token": "eyJhbGciOi.x", "expires_in": 3600}),
     '{"access_token": "***", "expires_in": 3600}'),
    (json.dumps({"user": {"password": "hunter2", "refreshToken": "r-1", "apiKey": "k-9"}}),
     '{"user": {"password": "***", "refreshToken": "***", "apiKey": "***"}}'),
    (json.dumps({"client_secret": 's"q', "sid": "4f2a"}),
     '{"client_secret": "***", "sid": "***"}'),
    ("grant_type=password&password=hunter2&access_token=abc&region=eu",
     "grant_type=password&password=***&access_token=***&region=eu"),
    ("echo: Authorization: Bearer eyJhbGciOi.payload.sig\nnext",
     "echo: Authorization: Bearer *** next"),
    ("Basic dXNlcjpwYXNz", "Basic ***"),
    ("Set-Cookie: sid=4f2a9c; Path=/; HttpOnly\nCookie: consent=yes", "Set-Cookie: *** Cookie: ***"),
    ('{"sources": [{"type": "hls", "url": "/live/a.m3u8"}]}',
     '{"sources": [{"type": "hls", "url": "/live/a.m3u8"}]}'),
    ("", "(empty)"),
])
def test_secrets_are_hidden_and_the_rest_is_shown(body, shown):
    assert excerpt(body.encode()) == shown


def test_the_journeys_own_values_are_hidden_wherever_they_are():
    body = b'{"greeting": "welcome viewer-a", "plan": "gold", "n": "web"}'
    assert excerpt(body, ["viewer-a", "web", "4f2a9c11"]) == \
        '{"greeting": "welcome ***", "plan": "gold", "n": "web"}'  # short values are not secrets


def test_at_most_200_bytes_on_one_line_and_a_secret_across_the_cut_is_hidden_whole():
    # cut first, the first 5 T's would show; hidden first, the excerpt fits whole
    body = json.dumps({"a": "x" * (EXCERPT_BYTES - 25), "token": "T" * 50}).encode()
    assert len(body) > EXCERPT_BYTES and excerpt(body).endswith('", "token": "***"}')
    shown = excerpt(json.dumps({"a": "x" * EXCERPT_BYTES, "b": 1}).encode())
    assert shown == '{"a": "' + "x" * (EXCERPT_BYTES - 7) + "..."
    assert excerpt(b"line one\r\nline two\n\tthree") == "line one line two three"
    # a multibyte character is never cut in half
    assert excerpt(("\u00e9" * 150).encode()) == "\u00e9" * 100 + "..."
