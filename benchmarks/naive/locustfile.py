"""The plain Locust viewer benchmarks/peers.py measures the harness against:
a FastHttpUser that follows one media playlist (PLAYLIST, from the
environment), reloads it every target duration and fetches each segment it
has not fetched yet, reading the body whole as plain Locust does. It starts
at the newest segment. No player model, no QoE: the cheapest honest viewer."""

from __future__ import annotations

import os
from urllib.parse import urljoin

from locust import FastHttpUser, constant_pacing, task

PLAYLIST = os.environ["PLAYLIST"]
TARGET_DURATION = float(os.environ.get("TARGET_DURATION", "2"))


def segments(text: str) -> list[tuple[int, str]]:
    """(media sequence number, URI) of each segment in a media playlist."""
    sequence, found = 0, []
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        elif line and not line.startswith("#"):
            found.append((sequence, line))
            sequence += 1
    return found


class NaiveViewer(FastHttpUser):
    host = PLAYLIST
    wait_time = constant_pacing(TARGET_DURATION)
    last = None  # sequence number of the newest segment fetched

    @task
    def reload(self) -> None:
        listed = segments(self.client.get(PLAYLIST, name="playlist").text or "")
        for sequence, uri in listed[-1:] if self.last is None else listed:
            if self.last is None or sequence > self.last:
                self.client.get(urljoin(PLAYLIST, uri), name="segment")
                self.last = sequence
