"""The stream's pictures and sound: a loop of real H.264/AAC MPEG-TS segments.

ffmpeg renders the loop once per rendition into a cache folder; the origins
then serve it from memory as a never-ending live stream (see hls.py).
Run `python -m kickoff_stack.media DIR` to render ahead of time (image builds).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SEGMENT_SECONDS = 2
LOOP_SEGMENTS = 15
FRAME_RATE = 25
AUDIO_BITRATE = 64_000
CODECS = "avc1.4d401f,mp4a.40.2"  # H.264 Main@3.1 + AAC-LC
MANIFEST_VERSION = 2


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    bandwidth: int  # bits per second, video + audio

    @property
    def video_bitrate(self) -> int:
        # Leave room for audio and the MPEG-TS packet overhead (~5%).
        return int(self.bandwidth * 0.95) - AUDIO_BITRATE


RENDITIONS = (
    Rendition("240p", 416, 234, 400_000),
    Rendition("540p", 960, 540, 1_500_000),
    Rendition("720p", 1280, 720, 4_000_000),
)
RENDITION_NAMES = frozenset(r.name for r in RENDITIONS)


def default_media_dir() -> Path:
    configured = os.environ.get("KICKOFF_MEDIA_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kickoff" / "media"


def _ffmpeg_command(rendition: Rendition, out: Path) -> list[str]:
    seconds = SEGMENT_SECONDS * LOOP_SEGMENTS
    gop = SEGMENT_SECONDS * FRAME_RATE
    rate = str(rendition.video_bitrate)
    return [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={rendition.width}x{rendition.height}:rate={FRAME_RATE}",
        "-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=48000",
        "-t", str(seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-level", "3.1",
        "-pix_fmt", "yuv420p", "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
        # CBR with filler, so a segment's size follows its advertised bitrate.
        "-x264-params", "nal-hrd=cbr", "-g", str(gop), "-keyint_min", str(gop),
        "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", "2",
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_list_size", "0",
        "-hls_segment_filename", str(out / "seg_%03d.ts"), str(out / "render.m3u8"),
    ]


def _segment_durations(playlist: Path) -> list[float]:
    return [float(line[len("#EXTINF:"):].split(",")[0])
            for line in playlist.read_text().splitlines() if line.startswith("#EXTINF:")]


def _span(segment: Path) -> tuple[float, float]:
    """(start, end) in seconds of a segment's media, over all its streams."""
    result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_entries",
                             "format=start_time,duration", str(segment)],
                            capture_output=True, text=True, check=True)
    found = json.loads(result.stdout)["format"]
    return float(found["start_time"]), float(found["start_time"]) + float(found["duration"])


def loop_ticks(rendition_dir: Path) -> int:
    """The loop's length in 90 kHz ticks: how far each loop's timestamps move on.
    Measured, not nominal: AAC frames make the audio run a little past it."""
    start, _ = _span(rendition_dir / "seg_000.ts")
    _, end = _span(rendition_dir / f"seg_{LOOP_SEGMENTS - 1:03d}.ts")
    return math.ceil((end - start) * 90_000)


def _current(manifest: Path) -> bool:
    try:
        return json.loads(manifest.read_text()).get("version") == MANIFEST_VERSION
    except (OSError, ValueError):
        return False


def read_manifest(media_dir: Path) -> dict:
    return json.loads((media_dir / "manifest.json").read_text())


def render(media_dir: Path) -> Path:
    """Render every rendition into media_dir once; later calls reuse it."""
    manifest = media_dir / "manifest.json"
    if _current(manifest):
        return manifest
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    media_dir.mkdir(parents=True, exist_ok=True)
    # Two origins may start together: one renders, the other waits for it.
    with open(media_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _current(manifest):
            return manifest
        work = Path(tempfile.mkdtemp(dir=media_dir, prefix=".render-"))
        entries, ticks = {}, {}
        for rendition in RENDITIONS:
            out = work / rendition.name
            out.mkdir()
            subprocess.run(_ffmpeg_command(rendition, out), check=True)
            durations = _segment_durations(out / "render.m3u8")
            if len(durations) != LOOP_SEGMENTS:
                raise RuntimeError(f"ffmpeg made {len(durations)} segments for "
                                   f"{rendition.name}, expected {LOOP_SEGMENTS}")
            entries[rendition.name] = durations
            ticks[rendition.name] = loop_ticks(out)
            (out / "render.m3u8").unlink()
            target = media_dir / rendition.name
            if target.exists():
                shutil.rmtree(target)
            out.rename(target)
        shutil.rmtree(work)
        manifest.write_text(json.dumps({"version": MANIFEST_VERSION,
                                        "segment_seconds": SEGMENT_SECONDS,
                                        "durations": entries, "loop_ticks": ticks}, indent=1))
    return manifest


def load_segments(media_dir: Path) -> dict[str, list[bytes]]:
    """Every rendition's loop of segments, in memory, rendering first if needed."""
    render(media_dir)
    return {r.name: [(media_dir / r.name / f"seg_{i:03d}.ts").read_bytes()
                     for i in range(LOOP_SEGMENTS)]
            for r in RENDITIONS}


if __name__ == "__main__":
    print(render(Path(sys.argv[1]) if len(sys.argv) > 1 else default_media_dir()))
