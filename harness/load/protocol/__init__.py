"""How a player reads a stream: one module per protocol (hls; dash, with its
MPD reader mpd.py), each turning its manifest into the common model
(model.py) the player follows.

A protocol module offers `sniff(text) -> bool` (is this manifest mine?),
`parse(text, url)` (ManifestError when unusable) and `open_stream(parsed,
url, load, clock, live) -> Stream`; PROTOCOLS lists them.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.load.protocol import dash, hls
from harness.load.protocol.model import LiveStart, Load, ManifestError, Stream

PROTOCOLS = (hls, dash)


def open_stream(
    url: str,
    load: Load,
    clock: Callable[[], float],
    live: Callable[[str], LiveStart] = lambda protocol: LiveStart(),
) -> Stream:
    """The stream whose manifest (HLS master or media playlist, DASH MPD) is at
    `url`, followed with the live rules `live(protocol)` gives."""

    def read(text: str, _: str) -> tuple:
        for module in PROTOCOLS:
            if module.sniff(text):
                return module, module.parse(text, url)
        raise ManifestError("neither an HLS playlist (#EXTM3U) nor a DASH MPD (<MPD>)")

    module, parsed = load(url, read, "m")
    return module.open_stream(parsed, url, load, clock, live(module.PROTOCOL))
