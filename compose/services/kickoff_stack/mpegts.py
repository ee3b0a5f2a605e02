"""Shift the timestamps of an MPEG-TS segment, so a looped recording plays as
one continuous live timeline.

Segment n of the live stream is loop file n % L; without a shift its
timestamps would jump back at every loop point and players that follow
timestamps (ffmpeg, ffplay) would stall there. The origin adds whole loops of
90 kHz ticks to every PTS, DTS and PCR (33-bit, wrapping as the standard says).
"""

from __future__ import annotations

PACKET = 188
SYNC = 0x47
WRAP = 1 << 33  # PTS, DTS and the PCR base are 33-bit counters of a 90 kHz clock


def _read_timestamp(data: bytearray, at: int) -> int:
    return (((data[at] >> 1) & 0x07) << 30 | data[at + 1] << 22 | (data[at + 2] >> 1) << 15
            | data[at + 3] << 7 | data[at + 4] >> 1)


def _write_timestamp(data: bytearray, at: int, value: int) -> None:
    # Keep the 4-bit prefix ('0010', '0011' or '0001') and the marker bits.
    data[at] = (data[at] & 0xF0) | ((value >> 29) & 0x0E) | 0x01
    data[at + 1] = (value >> 22) & 0xFF
    data[at + 2] = ((value >> 14) & 0xFE) | 0x01
    data[at + 3] = (value >> 7) & 0xFF
    data[at + 4] = ((value << 1) & 0xFE) | 0x01


def _shift_pcr(data: bytearray, at: int, ticks: int) -> None:
    base = data[at] << 25 | data[at + 1] << 17 | data[at + 2] << 9 | data[at + 3] << 1 | data[at + 4] >> 7
    base = (base + ticks) % WRAP
    data[at] = base >> 25 & 0xFF
    data[at + 1] = base >> 17 & 0xFF
    data[at + 2] = base >> 9 & 0xFF
    data[at + 3] = base >> 1 & 0xFF
    data[at + 4] = (base & 1) << 7 | (data[at + 4] & 0x7F)


def shift_timestamps(segment: bytes, ticks: int) -> bytes:
    """A copy of `segment` with every PTS, DTS and PCR moved `ticks` (90 kHz) later."""
    if len(segment) % PACKET:
        raise ValueError(f"segment of {len(segment)} bytes is not whole 188-byte packets")
    data = bytearray(segment)
    for start in range(0, len(data), PACKET):
        if data[start] != SYNC:
            raise ValueError(f"no sync byte at offset {start}")
        control = (data[start + 3] >> 4) & 0x3
        payload = start + 4
        if control & 0x2:  # adaptation field
            length = data[start + 4]
            if length and data[start + 5] & 0x10:  # PCR present
                _shift_pcr(data, start + 6, ticks)
            payload = start + 5 + length
        unit_start = data[start + 1] & 0x40
        if not (control & 0x1 and unit_start) or payload + 14 > start + PACKET:
            continue
        # A PES header (not a PAT/PMT section): start code and an A/V stream id.
        if data[payload:payload + 3] != b"\x00\x00\x01" or data[payload + 3] < 0xBC:
            continue
        flags = data[payload + 7] >> 6
        if flags & 0x2:
            at = payload + 9
            _write_timestamp(data, at, (_read_timestamp(data, at) + ticks) % WRAP)
        if flags == 0x3 and payload + 19 <= start + PACKET:
            at = payload + 14
            _write_timestamp(data, at, (_read_timestamp(data, at) + ticks) % WRAP)
    return bytes(data)
