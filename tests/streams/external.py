"""A platform kickoff did not start, for runs beside other runs: a live HLS
stream ffmpeg writes and nginx serves, behind a Toxiproxy server of its own,
all on free ports of 127.0.0.1 (no stack lock); and short external scenarios
that play it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.streams.servers import live_encoder, nginx, toxiproxy, wait_for_window

SHAPE = "hls-ts"


@dataclass(frozen=True)
class Platform:
    stream: str  # the master playlist's URL, through the proxy
    api: str  # the Toxiproxy API
    link: str  # the proxy's name, a link of the run's targets file


@contextmanager
def external_platform(folder: Path, seconds: float) -> Iterator[Platform]:
    """The platform for `seconds` (then ffmpeg stops by itself); its targets
    file (edge, toxiproxy, the link) is written to folder/targets.yaml."""
    www = folder / "www"
    with nginx(www, folder / "nginx") as (base, _), \
            live_encoder(SHAPE, www, seconds) as manifest, \
            toxiproxy(base.removeprefix("http://")) as (api, proxy, link):
        wait_for_window(www, SHAPE, 3)
        (folder / "targets.yaml").write_text(f"edge: {proxy}\ntoxiproxy: {api}\nlinks: [{link}]\n")
        yield Platform(f"{proxy}/{manifest}", api, link)


def external_scenario(folder: Path, name: str, stream: str, end: str, rest: str = "") -> Path:
    """A real-time external run of 3 viewers playing `stream` from 0 s to `end`."""
    path = folder / f"{name}.yaml"
    path.write_text(f"""\
name: {name}
platform: external
targets: targets.yaml
timeline: {{start: 0s, end: {end}}}
audience:
  stream: {stream}
  clients: {{web: 0.5, app: 0.5}}
  viewers:
    - {{at: 0s, viewers: 3}}
{rest}""")
    return path
