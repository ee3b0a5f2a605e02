"""The player's loop on hand-made streams and clocks: video and separate audio
both buffered before playback, init segments and keys once, byte ranges as
Range requests, an ended stream played to its end, HLS and DASH alike."""

from __future__ import annotations

import pytest

from harness.load.clients import CLIENTS
from harness.load.playback import JOINING, PLAYING, Playback
from harness.load.player import Player, StreamEnded

MASTER = """\
#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",DEFAULT=YES,URI="audio.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2"
audio.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"
video.m3u8
"""
VIDEO = """\
#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MAP:URI="init-v.mp4"
#EXT-X-KEY:METHOD=SAMPLE-AES,URI="key.bin"
#EXTINF:2,
#EXT-X-BYTERANGE:1000@0
v.mp4
#EXTINF:2,
#EXT-X-BYTERANGE:1000
v.mp4
#EXTINF:2,
#EXT-X-BYTERANGE:1000
v.mp4
#EXT-X-ENDLIST
"""
AUDIO = """\
#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MAP:URI="init-a.mp4"
#EXTINF:2,
a1.mp4
#EXTINF:2,
a2.mp4
#EXTINF:2,
a3.mp4
#EXT-X-ENDLIST
"""
MPD = """\
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT6S">
  <Period>
    <AdaptationSet contentType="video">
      <SegmentTemplate media="v$Number$.m4s" initialization="init-v.mp4" duration="2"/>
      <Representation id="v" bandwidth="236000"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio">
      <SegmentTemplate media="a$Number$.m4s" initialization="init-a.mp4" duration="2"/>
      <Representation id="a" bandwidth="64000"/>
    </AdaptationSet>
  </Period>
</MPD>
"""


class Origin:
    """Bodies by URL; each request takes 0.1 s of the hand-made clock."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = {f"http://h/{name}": body for name, body in files.items()}
        self.now = 0.0
        self.asked: list[tuple[str, str | None]] = []

    def get(self, url: str, group: str, limit: float | None, headers=None,
            abandon: bool = False) -> bytes:
        self.now += 0.1
        self.asked.append((url.removeprefix("http://h/"), (headers or {}).get("Range")))
        return self.files.get(url, "x" * 1000).encode()

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("files, manifest, protocol", [
    ({"master.m3u8": MASTER, "video.m3u8": VIDEO, "audio.m3u8": AUDIO}, "master.m3u8", "hls"),
    ({"live.mpd": MPD}, "live.mpd", "dash"),
])
def test_an_ended_stream_with_separate_audio_plays_through(files, manifest, protocol):
    origin = Origin(files)
    playback = Playback(0.0, startup_buffer=4, resume_buffer=2)
    player = Player(origin.get, lambda: origin.now, origin.sleep, playback, CLIENTS["web"])
    player.open(f"http://h/{manifest}")
    assert player.protocol == protocol == playback.protocol
    assert [r.bandwidth for r in player.stream.renditions] == [300000]  # not the audio-only one
    states = []
    with pytest.raises(StreamEnded):
        for _ in range(50):
            player.step()
            states.append(playback.state)
    media = [url for url, _ in origin.asked if not url.endswith((".m3u8", ".mpd"))]
    assert media.count("init-v.mp4") == media.count("init-a.mp4") == 1
    assert len([u for u in media if u.startswith(("v", "a"))]) == 6  # three of each
    # a web player plays once media is at its start point on both tracks: a video
    # segment alone is not enough, the audio one with it is
    assert states[:2] == [JOINING, PLAYING]
    if protocol == "hls":
        assert media.count("key.bin") == 1
        assert [r for u, r in origin.asked if u == "v.mp4"] == \
            ["bytes=0-999", "bytes=1000-1999", "bytes=2000-2999"]
