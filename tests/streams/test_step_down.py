"""A bandwidth toxic below the middle rendition makes viewers step down, on DASH
as on HLS: one ABR for both protocols. The test runs its own Toxiproxy between
the players and nginx, and the fault through a targets file's `toxiproxy:`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.load.protocol import hls, mpd
from tests.cli import harness
from tests.streams.servers import (live_encoder, nginx, own_state, toxiproxy,
                                   wait_for_window)

WINDOW = 6  # segments of each rendition the stream announces before viewers come
STREAM_SECONDS = 50  # the encoder then stops by itself, whatever happens to the test
FAULT_AT, END = -10, 60  # match seconds; the run starts at -60s, five times faster than real time
RUN = """\
name: step-down
platform: external
targets: targets.yaml
time_scale: 5
# The narrow link is a steady state, not a moment: compressed with the rest (and the
# encoder stops after STREAM_SECONDS).
fault_time_scale: 5
timeline: {{start: -60s, end: {end}s}}
audience:
  stream: {stream}
  clients: {{app: 1}}
  viewers:
    - {{at: -60s, viewers: 3}}
    - {{at: {end}s, viewers: 3}}
faults:
  - {{name: narrow, kind: bandwidth, target: {link}, at: {at}s, params: {{rate: {rate}}}}}
"""


def ladder(folder: Path, manifest: str) -> list[int]:
    """The renditions' bitrates (bits/s, lowest first) as the stream announces them."""
    text = (folder / manifest).read_text()
    if manifest.endswith(".mpd"):
        parsed = mpd.parse_mpd(text, "http://x/live.mpd")
        audio = max((r.bandwidth for r in parsed.representations if r.kind == "audio"), default=0)
        return sorted(r.bandwidth + audio for r in parsed.representations if r.kind == "video")
    return [v.bandwidth for v in hls.parse_master(text, "http://x/master.m3u8")
            if not v.audio_only]


def bitrate(seconds: list[dict], first: float, last: float) -> float:
    """kbps played between match seconds first and last, weighted by time played."""
    windows = [s["window"] for s in seconds if first <= s["match_s"] < last]
    return sum(w["bitrate_kbps_s"] for w in windows) / sum(w["played_s"] for w in windows)


@pytest.mark.parametrize("shape", ["hls-fmp4", "dash-number"])
def test_a_bandwidth_toxic_below_the_middle_rendition_steps_viewers_down(tmp_path, shape):
    www = tmp_path / "www"
    with nginx(www, tmp_path / "nginx") as (base, _), \
            live_encoder(shape, www, STREAM_SECONDS) as manifest, \
            toxiproxy(base.removeprefix("http://")) as (api, proxy, link):
        wait_for_window(www, shape, WINDOW)
        lowest, middle = ladder(www, manifest)[:2]
        rate = round((lowest + middle) / 2 / 8 / 1000)  # KB/s between the two lowest
        (tmp_path / "targets.yaml").write_text(f"edge: {proxy}\ntoxiproxy: {api}\n"
                                               f"links: [{link}]\n")
        scenario = tmp_path / "run.yaml"
        scenario.write_text(RUN.format(end=END, stream=f"{proxy}/{manifest}", link=link,
                                       at=FAULT_AT, rate=rate))
        result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"),
                         timeout=90, env=own_state(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    (run_dir,) = (tmp_path / "results").iterdir()
    # downloads the viewers gave up to step down are no request errors (no server failed)
    errors = json.loads((run_dir / "summary.json").read_text())["overall"]["errors"]
    assert not any(reason.endswith("TooSlow") for reason in errors), errors
    seconds = [json.loads(line) for line in (run_dir / "windows.jsonl").read_text().splitlines()]
    before = bitrate(seconds, -45, FAULT_AT)
    late_in_fault = bitrate(seconds, (FAULT_AT + END) / 2, END)
    # rounded: a run all at the middle rendition sums to it give or take a float's last bit
    assert round(before, 6) >= middle / 1000 > late_in_fault, (before, middle, late_in_fault)
