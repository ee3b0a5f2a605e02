"""The manifest tier against live streams ffmpeg writes at test time and nginx
serves (HLS with TS segments, DASH with $Number$): the server sees only
first-bytes Range requests from manifest viewers and never sends them a whole
segment; their buffer fills by the media the stream announces at its
announced bitrate and drains in real time; and in a run beside full viewers
they are counted apart (attempts, gauges, requests), QoE from full viewers."""

from __future__ import annotations

import collections
import csv
import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.load.clients import CLIENTS
from harness.load.fidelity import FIRST_BYTES, ManifestPlayer
from harness.load.playback import PLAYING, Playback
from harness.measure.metrics import RANGE_GROUP
from tests.cli import harness
from tests.streams import announced as stream
from tests.streams.servers import access_log, live_encoder, nginx, own_state, wait_for_window

WINDOW = 4  # segments of each rendition the stream announces before viewers come
STREAM_SECONDS = 60  # the encoder then stops by itself, whatever happens to the tests
WATCH = 8.0  # wall seconds the lone manifest player watches
FIRST = f"bytes=0-{FIRST_BYTES - 1}"
RUN = """\
name: tiers
platform: external
targets: targets.yaml
time_scale: 10
cmcd: query
timeline: {{start: -60s, end: 60s}}
audience:
  stream: {stream}
  clients: {{web: 0.5, tv: 0.5}}
  fidelity: {{tv: manifest}}
  viewers:
    - {{at: -60s, viewers: 4}}
    - {{at: 60s, viewers: 4}}
slos:
  - {{metric: video_start_failure_ratio, max: 0%}}
  - {{metric: error_ratio.{group}, max: 0%}}
"""


@dataclass(frozen=True)
class Live:
    shape: str
    url: str  # the manifest's URL
    log: Path  # nginx's access log, one JSON object a line


@pytest.fixture(scope="module", params=["hls-ts", "dash-number"])
def live(request, tmp_path_factory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp(request.param)
    www = folder / "www"
    with nginx(www, folder / "nginx") as (base, log), \
            live_encoder(request.param, www, STREAM_SECONDS) as manifest:
        wait_for_window(www, request.param, WINDOW)
        yield Live(request.param, f"{base}/{manifest}", log)


def get(url: str, group: str, limit: float | None, headers=None,
        abandon: bool = False) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                timeout=limit or 10) as response:
        return response.read()


def test_a_manifest_player_asks_for_first_bytes_and_buffers_at_the_announced_rate(live):
    since = time.time()
    playback = Playback(time.monotonic(), 0.0, 0.0)  # the player sets its model's buffers
    # an app's player (kickoff's own model): it plays a few segments behind the live edge,
    # where nothing but the first bytes can make it stall
    player = ManifestPlayer(get, time.monotonic, time.sleep, playback, CLIENTS["app"])
    player.open(live.url)
    for _ in range(1000):
        if time.monotonic() - playback.joined_at >= WATCH:
            break
        player.step()
    playback.advance(time.monotonic())
    served = [entry for entry in access_log(live.log) if entry["msec"] >= since
              and not entry["query"] and stream.MEDIA.search(entry["uri"])]
    assert served, "no segment was asked for"
    assert {entry["range"] for entry in served} == {FIRST}
    assert all(entry["status"] == 206 and entry["bytes"] <= FIRST_BYTES for entry in served)
    # the buffer fills with what the stream announces, played at its announced bitrate in
    # real time: no stall on first bytes alone, and the startup rendition all along
    assert playback.state == PLAYING and playback.totals.stalls == 0
    assert playback.totals.played_s == pytest.approx(playback.clock - playback.started_at)
    announced_kbps = player.stream.renditions[player.current].bandwidth / 1000
    assert playback.totals.bitrate_kbps_s == pytest.approx(
        announced_kbps * playback.totals.played_s)
    assert player.current == 1 and playback.totals.switches == 0  # an app starts in the middle
    # every segment asked for put its announced duration into the buffer
    track = player.stream.renditions[player.current].video
    video = served if live.shape == "hls-ts" else \
        [e for e in served if e["uri"].startswith(f"/chunk-{track.id}-")]  # servers.py's names
    credited = len(video) * _segment_seconds(player)
    buffered = playback.totals.played_s + playback.level
    if live.shape == "hls-ts":  # audio and video in one segment
        assert buffered == pytest.approx(credited)
    else:  # separate audio: playable is what both tracks hold, never a segment apart
        assert credited - 2 * _segment_seconds(player) <= buffered <= credited + 1e-6


def _segment_seconds(player: ManifestPlayer) -> float:
    """The duration of the video segments the player's rendition announces now (ffmpeg
    cuts them at every keyframe, all alike)."""
    window = player.stream.window(player.stream.renditions[player.current].video)
    durations = {round(segment.duration, 3) for segment in window.segments}
    assert len(durations) == 1, durations
    return durations.pop()


def test_manifest_viewers_are_counted_apart_from_full_viewers_in_a_run(live, tmp_path):
    since = time.time()
    (tmp_path / "targets.yaml").write_text(f"edge: {live.url.rsplit('/', 1)[0]}\n")
    scenario = tmp_path / "run.yaml"
    scenario.write_text(RUN.format(stream=live.url, group=RANGE_GROUP))
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                     timeout=60, env=own_state(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    sessions = collections.defaultdict(list)
    for entry, request in zip(*_logged_since(live.log, since)):
        sessions[request.keys["sid"]].append(entry)
    ranged = {sid: entries for sid, entries in sessions.items()
              if any(entry["range"] for entry in entries)}
    full = {sid: entries for sid, entries in sessions.items() if sid not in ranged}
    assert ranged and full
    for entries in ranged.values():  # first bytes of every segment, never a whole one
        media = [entry for entry in entries if stream.MEDIA.search(entry["uri"])]
        assert media and all(entry["range"] == FIRST and entry["status"] == 206
                             and entry["bytes"] <= FIRST_BYTES for entry in media)
    for entries in full.values():
        assert not any(entry["range"] for entry in entries)
        assert max(entry["bytes"] for entry in entries) > FIRST_BYTES  # whole segments
    (run_dir,) = (tmp_path / "results").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    overall = summary["overall"]
    assert overall["attempts"] == len(full)  # QoE from full viewers only
    assert overall["manifest_tier"]["attempts"] == len(ranged)
    assert RANGE_GROUP in summary["request_groups"]
    logged_ranges = sum(entry["range"] == FIRST for entries in ranged.values()
                        for entry in entries)
    windows = [json.loads(line)["window"] for line in
               (run_dir / "windows.jsonl").read_text().splitlines()]
    counted = sum(w["requests"].get(RANGE_GROUP, {}).get("count", 0) for w in windows)
    # a request still in flight when the run stops is in the server's log only
    assert logged_ranges - len(ranged) <= counted <= logged_ranges
    by_tier = sum(w["manifest_requests"] for w in windows)
    assert sum(map(len, ranged.values())) - len(ranged) <= by_tier <= sum(map(len, ranged.values()))
    with open(run_dir / "timeseries.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert max(int(r["joining"]) + int(r["playing"]) + int(r["stalled"]) for r in rows) == len(full)
    assert max(int(r["manifest_viewers"]) for r in rows) == len(ranged)


def _logged_since(log: Path, since: float) -> tuple[list[dict], list[stream.Request]]:
    """The access log's entries since `since` that carry CMCD (the run's), with their keys."""
    entries = [entry for entry in access_log(log) if entry["msec"] >= since]
    requests = stream.requests(entries)
    kept = [(entry, request) for entry, request in zip(entries, requests) if request.keys]
    return [entry for entry, _ in kept], [request for _, request in kept]
