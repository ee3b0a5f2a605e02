"""Client types of the audience and how their players behave.

Numbers follow what common players do: browsers (hls.js) start early with a
small buffer and a low rendition; mobile apps (AVPlayer, ExoPlayer) want a
little more buffer and start mid; TV apps buffer most before the first frame
and their users wait longest. Patience is how long a viewer stares at the
spinner before giving up (an exit before video start).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientProfile:
    name: str
    startup_buffer: float  # seconds of media before the first frame
    resume_buffer: float  # seconds of media before playing on after a stall
    patience: float  # seconds without a first frame before the viewer gives up
    start_rendition: str  # "lowest" or "middle"
    up_switch_buffer: float  # switch up only with at least this much buffered
    throughput_safety: float  # share of the measured throughput a rendition may use


CLIENTS: dict[str, ClientProfile] = {
    "web": ClientProfile("web", startup_buffer=4, resume_buffer=2, patience=12,
                         start_rendition="lowest", up_switch_buffer=4, throughput_safety=0.7),
    "app": ClientProfile("app", startup_buffer=4, resume_buffer=4, patience=15,
                         start_rendition="middle", up_switch_buffer=6, throughput_safety=0.8),
    "tv": ClientProfile("tv", startup_buffer=6, resume_buffer=6, patience=20,
                        start_rendition="middle", up_switch_buffer=8, throughput_safety=0.8),
}
