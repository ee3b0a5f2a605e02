"""Timestamp shifting on the real rendered media: the loop plays as one timeline."""

import json
import subprocess
from pathlib import Path

import pytest

from kickoff_stack import media
from kickoff_stack.mpegts import WRAP, shift_timestamps


@pytest.fixture(scope="module")
def media_dir() -> Path:
    media.render(media.default_media_dir())  # cached after the first render on a machine
    return media.default_media_dir()


def probe(path: Path, *entries: str) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *entries, str(path)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_shift_moves_every_stream_by_exactly_the_ticks(media_dir, tmp_path):
    original = media_dir / "540p" / "seg_003.ts"
    shifted = tmp_path / "shifted.ts"
    shifted.write_bytes(shift_timestamps(original.read_bytes(), 90_000 * 7))
    entries = ("-show_entries", "stream=start_pts,codec_type")
    before = {s["codec_type"]: s["start_pts"] for s in probe(original, *entries)["streams"]}
    after = {s["codec_type"]: s["start_pts"] for s in probe(shifted, *entries)["streams"]}
    assert set(before) == {"video", "audio"}
    assert all(after[kind] - before[kind] == 90_000 * 7 for kind in before)
    assert len(shifted.read_bytes()) == len(original.read_bytes())


def test_loop_point_is_continuous_for_a_timestamp_following_player(media_dir, tmp_path):
    rendition = media_dir / "240p"
    ticks = media.read_manifest(media_dir)["loop_ticks"]["240p"]
    last = (rendition / f"seg_{media.LOOP_SEGMENTS - 1:03d}.ts").read_bytes()
    first_again = shift_timestamps((rendition / "seg_000.ts").read_bytes(), ticks)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(last + first_again)
    result = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(joined), "-f", "null", "-"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    duration = float(probe(joined, "-show_entries", "format=duration")["format"]["duration"])
    assert duration == pytest.approx(2 * media.SEGMENT_SECONDS, abs=0.1)


def test_timestamps_wrap_at_33_bits(media_dir, tmp_path):
    original = media_dir / "240p" / "seg_000.ts"
    entries = ("-show_entries", "stream=start_pts")
    start = min(s["start_pts"] for s in probe(original, *entries)["streams"])
    wrapped = tmp_path / "wrapped.ts"
    wrapped.write_bytes(shift_timestamps(original.read_bytes(), WRAP - start))
    assert min(s["start_pts"] for s in probe(wrapped, *entries)["streams"]) < 90_000


def test_not_a_transport_stream_is_refused():
    with pytest.raises(ValueError, match="188-byte"):
        shift_timestamps(b"\x47" * 100, 1)
    with pytest.raises(ValueError, match="sync byte"):
        shift_timestamps(b"\x00" * 188, 1)
