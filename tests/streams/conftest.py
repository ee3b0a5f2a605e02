"""Stream tests need no lock: each starts its own nginx, ffmpeg and Toxiproxy
on free ports on 127.0.0.1."""
