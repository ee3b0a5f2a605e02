"""Real parts for stream tests: nginx serving a folder, ffmpeg writing a live
stream into it, Toxiproxy in front; each on a free port on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.generator.spawn import free_port  # noqa: F401 (the tests take it from here)
from kickoff_stack.edge import CMCD_LOG_FORMAT

WAIT = 20.0  # seconds a server or a stream may take to be there
NGINX_TOP = """\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
{user}
events {{ worker_connections {connections}; }}
"""
TEMP_PATHS = """\
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
"""
NGINX_CONF = """\
http {{
    {log_format}
    access_log {work}/access.log cmcd;
    types {{
        application/vnd.apple.mpegurl m3u8;
        application/dash+xml mpd;
        video/mp2t ts;
        video/iso.segment m4s;
        video/mp4 mp4;
    }}
    default_type application/octet-stream;
{temp_paths}    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /time {{
            default_type text/plain;
            return 200 '$time_iso8601';
        }}
        location ~ \\.(m3u8|mpd)$ {{
            add_header Cache-Control no-cache;
        }}
    }}
}}
"""

# Three video renditions (constant bitrate, so segments weigh what the
# manifest announces) and one audio track, small enough for two shared cores.
VIDEO = ((160, 90, 150), (320, 180, 500), (480, 270, 1200))  # width, height, kbps
AUDIO_KBPS = 64
FPS = 15


def own_state(folder: Path) -> dict[str, str]:
    """The environment of a harness with its own state (fault journal): a test's
    faults never show in the user's journal."""
    return {**os.environ, "KICKOFF_STATE_DIR": str(folder / "state")}


def wait_for(check, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not there after {timeout:g}s")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def nginx_config(work: Path, connections: int, http: str, **values: object) -> str:
    """An nginx.conf for a test server in `work`: its top (one worker, pid and
    error log in `work`, root's user when root) and `http`, a template given
    `values`, `work` and {temp_paths} (every temp folder in work/tmp)."""
    user = "user root root;" if os.geteuid() == 0 else ""
    return (NGINX_TOP.format(work=work, user=user, connections=connections)
            + http.format(work=work, temp_paths=TEMP_PATHS.format(work=work), **values))


@contextmanager
def nginx(root: Path, work: Path) -> Iterator[tuple[str, Path]]:
    """nginx serving `root`; yields its base URL and its access log (JSON lines)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    port = free_port()
    (work / "nginx.conf").write_text(nginx_config(work, 256, NGINX_CONF, port=port, root=root,
                                                  log_format=CMCD_LOG_FORMAT))
    process = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-e", "stderr",
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/time"), "nginx")
        yield base, work / "access.log"
    finally:
        _stop(process)


def access_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _encoder_args(shape: str, seconds: float) -> list[str]:
    """ffmpeg writing a live stream of `shape` for `seconds` into the current folder."""
    if shape == "hls-bare":
        return _bare_args(seconds)
    split = f"[0:v]split={len(VIDEO)}" + "".join(f"[s{i}]" for i in range(len(VIDEO)))
    scales = ";".join(f"[s{i}]scale={w}:{h}[v{i}]" for i, (w, h, _) in enumerate(VIDEO))
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc=size=480x270:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", f"{seconds:g}",
            "-filter_complex", f"{split};{scales}"]
    for i in range(len(VIDEO)):
        args += ["-map", f"[v{i}]"]
    args += ["-map", "1:a"] * (len(VIDEO) if shape == "hls-ts" else 1)
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", str(FPS), "-keyint_min", str(FPS),
             "-sc_threshold", "0", "-x264-params", "nal-hrd=cbr", "-c:a", "aac",
             "-b:a", f"{AUDIO_KBPS}k"]
    for i, (_, _, kbps) in enumerate(VIDEO):
        args += [f"-b:v:{i}", f"{kbps}k", f"-minrate:v:{i}", f"{kbps}k", f"-maxrate:v:{i}",
                 f"{kbps}k", f"-bufsize:v:{i}", f"{kbps}k"]
    return args + _muxer_args(shape)


def _bare_args(seconds: float) -> list[str]:
    """One rendition (the middle one) with its audio in MPEG-TS, as a media playlist
    alone: no master playlist, so nothing announces a bitrate."""
    width, height, kbps = VIDEO[1]
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", f"{seconds:g}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", str(FPS), "-keyint_min", str(FPS),
            "-sc_threshold", "0", "-x264-params", "nal-hrd=cbr", "-b:v", f"{kbps}k",
            "-minrate", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k",
            "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k",
            "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
            "-hls_flags", "delete_segments+independent_segments", "stream.m3u8"]


def _muxer_args(shape: str) -> list[str]:
    n = len(VIDEO)
    if shape == "hls-ts":
        return ["-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_flags",
                "delete_segments+independent_segments", "-master_pl_name", "master.m3u8",
                "-var_stream_map", " ".join(f"v:{i},a:{i}" for i in range(n)), "stream_%v.m3u8"]
    if shape == "hls-fmp4":
        return ["-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_segment_type", "fmp4",
                "-hls_flags", "delete_segments+independent_segments",
                "-master_pl_name", "master.m3u8",
                "-var_stream_map", " ".join([f"v:{i},agroup:aud" for i in range(n)]
                                            + ["a:0,agroup:aud"]),
                "-hls_fmp4_init_filename", "init_%v.mp4", "stream_%v.m3u8"]
    timeline = "1" if shape == "dash-time" else "0"
    media = "chunk-$RepresentationID$-$Time$.m4s" if shape == "dash-time" else \
        "chunk-$RepresentationID$-$Number%05d$.m4s"
    return ["-f", "dash", "-seg_duration", "1", "-use_template", "1", "-use_timeline", timeline,
            "-window_size", "6", "-extra_window_size", "4", "-media_seg_name", media,
            "-adaptation_sets", "id=0,streams=v id=1,streams=a", "live.mpd"]


MANIFEST = {"hls-ts": "master.m3u8", "hls-fmp4": "master.m3u8", "hls-bare": "stream.m3u8",
            "dash-number": "live.mpd", "dash-time": "live.mpd"}


@contextmanager
def live_encoder(shape: str, folder: Path, seconds: float) -> Iterator[str]:
    """ffmpeg writing a live stream of `shape` into `folder` for `seconds` (then it
    ends); yields the manifest's name at once (the caller waits for a window).
    ffmpeg's complaints go to ffmpeg.log next to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("ffmpeg") is None:
        raise AssertionError("ffmpeg is not installed")
    with open(folder.parent / "ffmpeg.log", "w") as log:
        process = subprocess.Popen(_encoder_args(shape, seconds), cwd=folder,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    try:
        yield MANIFEST[shape]
    finally:
        _stop(process)


def wait_for_window(folder: Path, shape: str, segments: int, timeout: float = 3 * WAIT) -> None:
    """Until the live stream ffmpeg writes into `folder` announces `segments` segments of
    every rendition: HLS, each media playlist the master names lists that many; DASH,
    the MPD is there and each of its representations has that many segment files."""
    manifest = folder / MANIFEST[shape]
    check = _dash_window if shape.startswith("dash") else _hls_window
    wait_for(lambda: manifest.exists() and check(folder, manifest.read_text(), segments),
             f"a window of {segments} segments of {manifest}", timeout)


def _hls_window(folder: Path, master: str, segments: int) -> bool:
    if "#EXT-X-STREAM-INF" not in master:  # a media playlist alone
        return master.count("#EXTINF") >= segments
    names = re.findall(r"^([^#\s]\S*)$", master, re.M) + re.findall(r'URI="([^"]+)"', master)
    playlists = [folder / name for name in names]
    return bool(names) and all(p.exists() and p.read_text().count("#EXTINF") >= segments
                               for p in playlists)


def _dash_window(folder: Path, mpd: str, segments: int) -> bool:
    ids = re.findall(r'<Representation id="([^"]+)"', mpd)
    return bool(ids) and all(len(list(folder.glob(f"chunk-{i}-*.m4s"))) >= segments for i in ids)


@contextmanager
def toxiproxy(upstream: str) -> Iterator[tuple[str, str, str]]:
    """toxiproxy-server on a free API port with one proxy ("stream") to `upstream`
    (host:port); yields the API URL, the proxy's base URL and the proxy's name."""
    with toxiproxies(upstream, ("stream",)) as (api, proxies):
        yield api, proxies["stream"], "stream"


@contextmanager
def toxiproxies(upstream: str, names: tuple[str, ...]) -> Iterator[tuple[str, dict[str, str]]]:
    """toxiproxy-server on a free API port with a proxy of each name to `upstream`
    (host:port); yields the API URL and each proxy's base URL by name."""
    api_port = free_port()
    process = subprocess.Popen(["toxiproxy-server", "-host", "127.0.0.1", "-port", str(api_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{api_port}"
    try:
        wait_for(lambda: _answers(f"{api}/version"), "toxiproxy-server")
        proxies = {}
        for name in names:
            listen_port = free_port()
            body = json.dumps({"name": name, "listen": f"127.0.0.1:{listen_port}",
                               "upstream": upstream, "enabled": True}).encode()
            request = urllib.request.Request(f"{api}/proxies", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=5).close()
            proxies[name] = f"http://127.0.0.1:{listen_port}"
        yield api, proxies
    finally:
        _stop(process)


PROMETHEUS_SECONDS = 300  # Prometheus stops by itself after this, whatever happens to the tests
PROMETHEUS_CONF = """\
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: self
    static_configs: [{targets: ['127.0.0.1:%d']}]
"""


@contextmanager
def prometheus(work: Path) -> Iterator[str]:
    """A real Prometheus scraping itself each second, its data in `work`; yields
    its base URL once its own figures are there to ask."""
    if shutil.which("prometheus") is None:
        raise AssertionError("prometheus is not installed (Debian: apt-get install prometheus)")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (work / "prometheus.yml").write_text(PROMETHEUS_CONF % port)
    process = subprocess.Popen(
        ["timeout", str(PROMETHEUS_SECONDS), "prometheus",
         f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(work / "prometheus.log").open("w"),
        stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _has_sample(base), "Prometheus with its own figures", timeout=2 * WAIT)
        yield base
    finally:
        _stop(process)


def _has_sample(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/query?query=up", timeout=2) as response:
            return bool(json.loads(response.read())["data"]["result"])
    except (OSError, ValueError, KeyError):
        return False
