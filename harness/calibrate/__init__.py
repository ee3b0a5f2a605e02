"""Calibration: kickoff's viewer beside a real player on the same stream.

The yardstick (yardstick.py) plays a live stream in headless Chromium with
hls.js (HLS) or dash.js (DASH); kickoff's side (viewer_side.py) plays it with
the viewer a run uses. Both report the same figures (figures.py), which
agreement.py holds against the bounds a viewer model must keep. `harness
calibrate` and the test tier tests/players are built on these.
"""
