"""What a live stream announced while a test ran, read from the manifests on
disk (independently of the player's parsers), and what the edge's access log
says the players fetched."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from harness.load import cmcd

POLL = 0.25  # seconds between looks at the manifests: far less than a segment's life in them
MEDIA = re.compile(r"\.(ts|m4s|mp4)$")


@dataclass
class Announced:
    """Every media path a stream announced, with the bitrate (kbps) of its rendition
    (None for HLS audio, which announces none) and whether it is an init segment."""

    paths: dict[str, int | None] = field(default_factory=dict)
    inits: set[str] = field(default_factory=set)
    audio: set[str] = field(default_factory=set)
    # $Number$ templates: (pattern, kbps, availabilityStartTime, segment seconds,
    # startNumber, audio?): a number is announced once its segment has ended
    templates: list[tuple[re.Pattern, int, float, float, int, bool]] = field(default_factory=list)

    def is_audio(self, path: str) -> bool:
        return path in self.audio or any(t[5] and t[0].fullmatch(path) for t in self.templates)

    def owns(self, path: str, msec: float) -> int | None | bool:
        """The path's rendition kbps if it was announced (False if not)."""
        if path in self.paths:
            return self.paths[path]
        for pattern, kbps, start, seconds, first, _ in self.templates:
            match = pattern.fullmatch(path)
            if match and start + (int(match.group(1)) - first + 1) * seconds <= msec + 0.001:
                return kbps
        return False


def _hls(folder: Path, announced: Announced) -> None:
    master = (folder / "master.m3u8").read_text()
    variants = re.findall(r"BANDWIDTH=(\d+)[^\n]*\n(\S+)", master)
    kbps = {uri: round(int(bandwidth) / 1000) for bandwidth, uri in variants}
    audio = set(re.findall(r'TYPE=AUDIO[^\n]*URI="([^"]+)"', master))
    for playlist in folder.glob("*.m3u8"):
        if playlist.name == "master.m3u8":
            continue
        text = playlist.read_text()
        rate = kbps.get(playlist.name)
        for uri in re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text):
            announced.paths[f"/{uri}"] = rate
            announced.inits.add(f"/{uri}")
        for line in text.splitlines():
            if line and not line.startswith("#"):
                announced.paths[f"/{line}"] = rate
                if playlist.name in audio:
                    announced.audio.add(f"/{line}")


def _dash(folder: Path, announced: Announced) -> None:
    root = ElementTree.fromstring((folder / "live.mpd").read_text())
    start = datetime.fromisoformat(root.get("availabilityStartTime", "1970-01-01T00:00:00Z")
                                   .replace("Z", "+00:00")).timestamp()
    for adaptation in root.iter("{urn:mpeg:dash:schema:mpd:2011}AdaptationSet"):
        for rep in adaptation.iter("{urn:mpeg:dash:schema:mpd:2011}Representation"):
            _representation(adaptation.get("contentType"), rep, start, announced)


def _representation(kind: str, rep: ElementTree.Element, start: float,
                    announced: Announced) -> None:
    template = rep.find("{urn:mpeg:dash:schema:mpd:2011}SegmentTemplate")
    rid, kbps = rep.get("id"), round(int(rep.get("bandwidth")) / 1000)
    init = "/" + template.get("initialization").replace("$RepresentationID$", rid)
    announced.paths[init] = kbps
    announced.inits.add(init)
    media = "/" + template.get("media").replace("$RepresentationID$", rid)
    entries = template.findall(".//{urn:mpeg:dash:schema:mpd:2011}S")
    if not entries:  # $Number$: every number whose segment has ended by then
        pattern = re.compile(re.escape(media).replace(r"\$Number%05d\$", r"(\d{5})"))
        seconds = int(template.get("duration")) / int(template.get("timescale"))
        announced.templates.append((pattern, kbps, start, seconds,
                                    int(template.get("startNumber", "1")), kind == "audio"))
        return
    t = 0
    for s in entries:
        t = int(s.get("t", t))
        for _ in range(int(s.get("r", "0")) + 1):
            path = media.replace("$Time$", str(t))
            announced.paths[path] = kbps
            if kind == "audio":
                announced.audio.add(path)
            t += int(s.get("d"))


class Watcher:
    """Reads the stream's manifests every POLL seconds while a run goes on."""

    def __init__(self, folder: Path, protocol: str) -> None:
        self.folder, self.protocol = folder, protocol
        self.announced = Announced()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Announced:
        self._thread.start()
        return self.announced

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stop.wait(POLL):
            try:
                (_hls if self.protocol == "hls" else _dash)(self.folder, self.announced)
            except (OSError, ElementTree.ParseError, TypeError, AttributeError):
                pass  # caught mid-write by the encoder: the next look reads it whole


@dataclass(frozen=True)
class Request:
    uri: str
    status: int
    msec: float
    keys: dict[str, object]  # its CMCD keys, from the query or the headers


def requests(log: list[dict]) -> list[Request]:
    found = []
    for entry in log:
        payload = next((unquote(arg.partition("=")[2]) for arg in entry["query"].split("&")
                        if arg.startswith("CMCD=")), None)
        keys = cmcd.decode(payload) if payload else {}
        for header in ("cmcd_object", "cmcd_request", "cmcd_session", "cmcd_status"):
            keys.update(cmcd.decode(entry[header]) if entry[header] else {})
        found.append(Request(entry["uri"], entry["status"], entry["msec"], keys))
    return found
