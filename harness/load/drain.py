"""Reading a media body to its end without keeping it: the bytes are counted
as the kernel hands them over, and nothing is copied or parsed on our side.

Players only need a segment's length and when its last byte came (the ABR's
throughput), so a load generator has no use for the bytes themselves. With
a Content-Length, the rest of the body is taken straight from the socket with
MSG_TRUNC, which on Linux discards TCP data in the kernel instead of copying
it out (elsewhere it lands in one shared scratch buffer); the connection then
goes back to the pool for the next request, as after a normal read. Without
a length (chunked) the body goes through geventhttpclient's parser, a chunk
at a time. Either way a body cut short raises HTTPParseError.

This reaches into geventhttpclient's response (its socket, its buffered body
and its message state); tests/streams/test_media_bodies.py holds it to that.
"""

from __future__ import annotations

import socket

from geventhttpclient.response import HTTPParseError
from locust.contrib.fasthttp import FastResponse

CHUNK = 256 * 1024  # bytes asked of the socket (or the parser) at a time
_DISCARD = getattr(socket, "MSG_TRUNC", 0)
_SCRATCH = bytearray(CHUNK)  # written to only where MSG_TRUNC does not discard


def drain(response: FastResponse) -> int:
    """Read the body of `response` to its end, dropping it; its length in bytes."""
    raw = response._response
    assert raw is not None  # a response that came back has its HTTP message
    length = raw.content_length
    if length is None or raw.message_complete:
        return _through_parser(response)
    received = len(raw._body_buffer)  # what came with the headers
    raw._body_buffer.clear()
    try:
        sock = raw._sock
        assert sock is not None  # an unfinished message is on its connection
        while received < length:
            got = sock.recv_into(_SCRATCH, min(length - received, CHUNK), _DISCARD)
            if not got:
                raise HTTPParseError(f"Incomplete response: {received} of {length} bytes")
            received += got
    except BaseException:
        raw.release()  # an unfinished message: the connection is closed, not reused
        raise
    raw.message_complete = True
    raw.release()  # back to the pool
    return received


def _through_parser(response: FastResponse) -> int:
    received = 0
    while chunk := response.read(CHUNK):
        received += len(chunk)
    return received
