"""Short runs against live streams ffmpeg writes at test time and nginx serves:
HLS with TS segments, HLS with fMP4 segments and a separate audio group, live
DASH with $Number$, and with $Time$ and a SegmentTimeline. Each plays with no
start failure; what the players fetched is what the stream announced (init
segments once per rendition and attempt, audio too when it is separate; a
DASH segment may be asked for the moment it is due, before ffmpeg wrote it);
the CMCD keys in the access log are parseable and fit what was fetched."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from tests.cli import harness
from tests.streams import announced as stream
from tests.streams.servers import (access_log, live_encoder, nginx, own_state,
                                   wait_for_window)

WINDOW = 6  # segments of each rendition the stream announces before viewers come
STREAM_SECONDS = 50  # the encoder then stops by itself, whatever happens to the test
RUN = """\
name: {name}
platform: external
targets: targets.yaml
time_scale: 10
cmcd: {cmcd}
timeline: {{start: -50s, end: 50s}}
audience:
  stream: {stream}
  clients: {{web: 0.5, app: 0.5}}
  viewers:
    - {{at: -50s, viewers: 3}}
    - {{at: 50s, viewers: 3}}
slos:
  - {{metric: video_start_failure_ratio, max: 0%}}
"""
SHAPES = {  # shape: protocol, CMCD mode, separate audio
    "hls-ts": ("hls", "query", False),
    "hls-fmp4": ("hls", "headers", True),
    "dash-number": ("dash", "query", True),
    "dash-time": ("dash", "headers", True),
}


def run_against(tmp_path: Path, shape: str, targets: str = "edge: {base}\n"
                ) -> tuple[dict, list[stream.Request], stream.Announced]:
    protocol, mode, _ = SHAPES[shape]
    www = tmp_path / "www"
    with nginx(www, tmp_path / "nginx") as (base, log), \
            live_encoder(shape, www, STREAM_SECONDS) as manifest:
        wait_for_window(www, shape, WINDOW)
        (tmp_path / "targets.yaml").write_text(targets.format(base=base))
        scenario = tmp_path / "run.yaml"
        scenario.write_text(RUN.format(name=shape, cmcd=mode, stream=f"{base}/{manifest}"))
        with stream.Watcher(www, protocol) as announced:
            result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                             timeout=90, env=own_state(tmp_path))
        fetched = [r for r in stream.requests(access_log(log)) if r.uri != "/time"]
    assert result.returncode == 0, result.stdout + result.stderr
    (run_dir,) = (tmp_path / "results").iterdir()
    return json.loads((run_dir / "summary.json").read_text()), fetched, announced


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_live_stream_plays_and_fetches_what_it_announced(tmp_path, shape):
    protocol, _, separate_audio = SHAPES[shape]
    summary, fetched, announced = run_against(tmp_path, shape)
    overall = summary["overall"]
    assert overall["attempts"] > 0 and overall["metrics"]["video_start_failure_ratio"] == 0
    assert overall["protocols"] == {protocol: overall["attempts"]}
    media = [r for r in fetched if stream.MEDIA.search(r.uri)]
    refused = [r for r in media if r.status not in (200, 206)]
    # a web viewer plays DASH as dash.js: it asks for a segment the moment the MPD's clock
    # says it is out, and ffmpeg may be a moment late writing it (404, asked again later)
    early = [r for r in refused if protocol == "dash" and r.status == 404
             and announced.owns(r.uri, r.msec)]
    assert media and refused == early, [(r.uri, r.status) for r in refused if r not in early]
    strays = [r.uri for r in media if announced.owns(r.uri, r.msec) is False]
    assert not strays, f"fetched but never announced: {strays}"
    by_attempt = collections.defaultdict(list)
    for request in fetched:
        by_attempt[request.keys["sid"]].append(request)
    assert len(by_attempt) == overall["attempts"]  # one CMCD session id per attempt
    for requests in by_attempt.values():
        inits = collections.Counter(r.uri for r in requests if r.uri in announced.inits)
        assert all(count == 1 for count in inits.values()), inits
        segments = [r for r in requests if stream.MEDIA.search(r.uri) and r.uri not in inits]
        audio = [r for r in segments if announced.is_audio(r.uri)]
        if len(segments) >= 4:
            assert bool(audio) == separate_audio
            assert (len(inits) >= 1 + separate_audio) == (shape != "hls-ts")
        check_cmcd(requests, announced, shape)


def check_cmcd(requests: list[stream.Request], announced: stream.Announced, shape: str) -> None:
    """Every request's keys fit what it fetched."""
    assert requests[0].keys.get("su") is True  # joining
    for request in requests:
        keys = request.keys
        assert keys["cid"] == ("/live.mpd" if shape.startswith("dash") else "/master.m3u8")
        if request is not requests[0]:  # the first manifest tells the player the format
            assert keys["sf"] == ("d" if shape.startswith("dash") else "h"), request
        if not stream.MEDIA.search(request.uri):
            assert keys["ot"] == "m", request
            continue
        kbps = announced.owns(request.uri, request.msec)
        assert keys.get("br") == kbps, request
        if request.uri in announced.inits:
            assert keys["ot"] == "i", request
            continue
        expected = "a" if announced.is_audio(request.uri) else ("av" if shape == "hls-ts" else "v")
        assert keys["ot"] == expected, request
        assert keys["bl"] % 100 == 0 and keys["d"] > 0 and keys["tb"] >= (kbps or 0), request


def test_a_bare_stream_plays_from_a_targets_file_without_an_edge(tmp_path):
    """The edge is for journeys: a bare stream's own origin is the viewers' base."""
    summary, fetched, _ = run_against(tmp_path, "hls-ts", targets="allow_hosts: []\n")
    assert summary["overall"]["attempts"] > 0 and summary["verdict"]["result"] == "pass"
    assert any(stream.MEDIA.search(r.uri) for r in fetched)
