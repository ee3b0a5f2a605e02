"""The reference stack, for real, on each platform (local processes, Docker)."""

from __future__ import annotations

import concurrent.futures
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import requests

from kickoff_stack import tokens
from kickoff_stack.media import LOOP_SEGMENTS, RENDITIONS, SEGMENT_SECONDS
from kickoff_stack.topology import COMPONENTS, LINKS

from harness.platforms.local_commands import postgres_data
from harness.platforms.process_tree import descendants, process_start_time

from tests.reference import probe, port_open, toxiproxy
from tests.stack.helpers import (EDGE, FREE_EVENT, ORIGIN_A, ORIGIN_B, PAID_EVENT, TIMEOUT,
                                 entitlement, login, media_playlist, on_host, playback_path,
                                 timed_get, uncached, variants, wait_for_origin)

SEGMENT_SIZE_TOLERANCE = 0.20  # a segment's bytes vs its rendition's BANDWIDTH * duration
DURATION_TOLERANCE = 0.10  # seconds, ffprobe's duration vs EXTINF (AAC frame padding)


def test_every_component_is_healthy(stack):
    assert {s.component: s.health for s in stack.status()} == {c.name: "healthy" for c in COMPONENTS}
    assert all(s.handle != "-" for s in stack.status())


def test_catalog_lists_a_free_to_air_event(stack):
    live = requests.get(f"{EDGE}/api/live", timeout=TIMEOUT).json()["events"]
    free = [e for e in live if e["free_to_air"]]
    assert [e["id"] for e in free] == [FREE_EVENT]
    assert free[0]["kickoff"] > 0 and free[0]["playback"] == f"/auth/entitlement/{FREE_EVENT}"
    schedule = requests.get(f"{EDGE}/api/epg", timeout=TIMEOUT).json()["events"]
    assert len(schedule) > len(live)
    assert [e["kickoff"] for e in schedule] == sorted(e["kickoff"] for e in schedule)


def test_free_to_air_is_entitled_anonymously(stack):
    response = entitlement(FREE_EVENT)
    assert response.status_code == 200
    body = response.json()
    assert body["entitled_as"] == "anonymous"
    assert body["playback_url"].startswith(f"/live/{FREE_EVENT}/master.m3u8?token=")


def test_subscriber_event_refuses_anonymous_and_accepts_a_seeded_login(stack):
    assert entitlement(PAID_EVENT).status_code == 401
    assert login(password="wrong").status_code == 401
    session = login().json()["session"]
    response = entitlement(PAID_EVENT, session)
    assert response.status_code == 200 and response.json()["entitled_as"] == "subscriber"
    assert entitlement(PAID_EVENT, "not-a-session").status_code == 401


@pytest.mark.parametrize("origin", [ORIGIN_A, ORIGIN_B])
def test_forged_foreign_and_expired_tokens_get_403_at_the_origin(stack, origin):
    valid = playback_path()
    path = valid.split("?")[0]
    secret = tokens.DEV_SECRET
    expired = tokens.sign(secret, FREE_EVENT, int(time.time()) - 60)
    forged = tokens.sign("not-the-secret", FREE_EVENT, int(time.time()) + 3600)
    foreign = tokens.sign(secret, PAID_EVENT, int(time.time()) + 3600)
    assert requests.get(origin + valid, timeout=TIMEOUT).status_code == 200
    for token in (expired, forged, foreign, "garbage", ""):
        response = requests.get(f"{origin}{path}?token={token}", timeout=TIMEOUT)
        assert response.status_code == 403, token
        assert "error" in response.json()
    # Through the edge too: a forged token must not be served from the cache.
    assert requests.get(f"{EDGE}{path}?token={forged}", timeout=TIMEOUT).status_code == 403


def test_master_playlist_has_three_renditions(stack):
    found = variants(EDGE, playback_path())
    assert [v.bandwidth for v in found] == [r.bandwidth for r in RENDITIONS]
    assert all(v.resolution and v.codecs for v in found)
    assert all("token=" in v.uri for v in found)


def test_media_sequence_advances_after_one_target_duration(stack):
    url = variants(EDGE, playback_path())[0].uri
    first = media_playlist(on_host(url, ORIGIN_A))
    time.sleep(first.target_duration + 0.2)
    second = media_playlist(on_host(url, ORIGIN_A))
    assert second.media_sequence > first.media_sequence
    assert len(second.segments) == len(first.segments) >= 3


def test_both_origins_publish_the_same_playlist_at_the_same_moment(stack):
    url = variants(EDGE, playback_path())[1].uri
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for _ in range(5):
            a, b = pool.map(lambda base: requests.get(on_host(url, base), timeout=TIMEOUT),
                            (ORIGIN_A, ORIGIN_B))
            if a.text == b.text:
                break
            # The two requests straddled a segment boundary; ask again.
            time.sleep(0.3)
    assert a.headers["X-Origin"] == "origin-a" and b.headers["X-Origin"] == "origin-b"
    assert a.text == b.text


def _ffprobe(path: Path) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format",
                             "-show_streams", str(path)], capture_output=True, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("rendition", range(len(RENDITIONS)))
def test_segment_through_the_edge_is_h264_and_aac_of_its_bitrate(stack, rendition, tmp_path):
    variant = variants(EDGE, playback_path())[rendition]
    segment = media_playlist(variant.uri).segments[-1]
    response = requests.get(segment.uri, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "video/mp2t"
    (tmp_path / "segment.ts").write_bytes(response.content)
    probe = _ffprobe(tmp_path / "segment.ts")
    codecs = {s["codec_type"]: s["codec_name"] for s in probe["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert abs(float(probe["format"]["duration"]) - segment.duration) <= DURATION_TOLERANCE
    bits_per_second = len(response.content) * 8 / segment.duration
    assert abs(bits_per_second / variant.bandwidth - 1) <= SEGMENT_SIZE_TOLERANCE


def test_a_real_player_decodes_the_live_stream(stack):
    """ffmpeg as the player: follows the master playlist through the edge, decodes 5 s."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-rw_timeout", "5000000", "-i",
         EDGE + playback_path(), "-map", "0", "-t", "5", "-f", "null", "-"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_the_loop_point_plays_on_without_a_timestamp_jump(stack, tmp_path):
    variant = variants(EDGE, playback_path())[0].uri
    playlist = media_playlist(variant)
    loop_point = playlist.last_sequence - playlist.last_sequence % LOOP_SEGMENTS
    before, after = (playlist.segments[0].uri.replace(f"/{playlist.media_sequence}.ts",
                                                      f"/{n}.ts")
                     for n in (loop_point - 1, loop_point))
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(requests.get(u, timeout=TIMEOUT).content for u in (before, after)))
    result = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(joined), "-f", "null",
                             "-"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    duration = float(_ffprobe(joined)["format"]["duration"])
    assert abs(duration - 2 * SEGMENT_SECONDS) < DURATION_TOLERANCE


def test_killed_origin_a_fails_over_to_origin_b_and_comes_back(stack):
    path = playback_path()
    url = variants(EDGE, path)[0].uri
    assert requests.get(uncached(url), timeout=TIMEOUT).headers["X-Origin"] == "origin-a"
    stack.kill("origin-a")
    try:
        deadline = time.monotonic() + 5
        while port_open(9101) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not port_open(9101), "origin-a still listens after SIGKILL"
        for _ in range(5):
            playlist = requests.get(uncached(url), timeout=TIMEOUT)
            assert playlist.status_code == 200 and playlist.headers["X-Origin"] == "origin-b"
        segment = media_playlist(uncached(url)).segments[-1]
        response = requests.get(uncached(segment.uri), timeout=TIMEOUT)
        assert response.status_code == 200 and len(response.content) > 10_000
    finally:
        stack.start("origin-a")
        stack.wait_healthy(timeout=30)
    assert probe("origin-a") == "healthy"
    wait_for_origin(url, "origin-a")


def test_latency_toxic_on_edge_to_origin_a_shows_and_goes(stack):
    links = toxiproxy()
    url = variants(EDGE, playback_path())[0].uri

    def median_latency() -> float:
        return statistics.median(timed_get(uncached(url)) for _ in range(5))

    wait_for_origin(url, "origin-a")
    before = median_latency()
    toxic = links.add_toxic("edge-origin-a", "latency", {"latency": 400, "jitter": 0})
    try:
        during = median_latency()
    finally:
        links.remove_toxic("edge-origin-a", toxic.name)
    after = median_latency()
    assert during >= before + 0.35
    assert after < before + 0.1


def test_cut_auth_to_redis_fails_logins_but_playback_continues(stack):
    links = toxiproxy()
    master = playback_path()
    variant = variants(EDGE, master)[0].uri
    links.set_enabled("auth-redis", False)
    try:
        assert not links.is_enabled("auth-redis")
        failed = login()
        assert failed.status_code == 503 and "redis" in failed.json()["error"]
        assert entitlement(FREE_EVENT).status_code == 503
        for _ in range(3):  # the viewer who already holds a playback URL keeps watching
            segment = media_playlist(uncached(variant)).segments[-1]
            assert requests.get(segment.uri, timeout=TIMEOUT).status_code == 200
    finally:
        links.set_enabled("auth-redis", True)
    deadline = time.monotonic() + 5
    while login().status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert login().status_code == 200


MALFORMED = [
    # (method, url, body, headers): each must get a 4xx with a JSON error body
    ("POST", "/auth/login", b"{not json", {}),
    ("POST", "/auth/login", b"[1, 2]", {}),
    ("POST", "/auth/login", b'{"username": "subscriber-0001"}', {}),
    ("POST", "/auth/login", b'{"username": 7, "password": []}', {}),
    ("POST", "/auth/login", b"\xff\xfe\x00", {}),
    ("GET", "/auth/login", None, {}),
    ("PUT", "/auth/entitlement/fck-tsv1860", None, {}),
    ("GET", "/auth/entitlement/no-such-match", None, {}),
    ("GET", "/auth/entitlement/fck-tsv1860", None, {"Authorization": "Basic abc"}),
    ("GET", "/auth/nowhere", None, {}),
    ("POST", "/api/live", b"{}", {}),
    ("DELETE", "/api/epg", None, {}),
    ("GET", "/api/events/no-such-match", None, {}),
    ("GET", "/api/nowhere", None, {}),
    ("GET", "/live/no-such-match/master.m3u8?token=x", None, {}),
    ("GET", "/live/fck-tsv1860/master.m3u8", None, {}),
    ("GET", "/live/fck-tsv1860/999p/index.m3u8?token=x", None, {}),
    ("GET", "/live/fck-tsv1860/240p/abc.ts?token=x", None, {}),
    ("POST", "/live/fck-tsv1860/master.m3u8?token=x", b"x", {}),
    ("POST", "/accounts/signup", b"{not json", {}),
    ("POST", "/accounts/signup", b'{"username": "a b", "password": "x"}', {}),
    ("POST", "/accounts/signup", b'{"username": "someone", "password": ""}', {}),
    ("GET", "/accounts/signup", None, {}),
    ("POST", "/accounts/bookings", b'{"event": "fck-tsv1860"}', {}),
    ("POST", "/accounts/bookings", b'{"event": "fck-tsv1860"}', {"Authorization": "Bearer nope"}),
    ("POST", "/accounts/bookings", b'{"event": 7}', {"Authorization": "Basic abc"}),
    ("GET", "/nowhere", None, {}),
]


def _service_base(path: str) -> str:
    if path.startswith("/auth/"):
        return "http://127.0.0.1:9201"
    if path.startswith("/api/"):
        return "http://127.0.0.1:9301"
    if path.startswith("/accounts/"):
        return "http://127.0.0.1:9401"
    return ORIGIN_A


@pytest.mark.parametrize("via_edge", [False, True], ids=["direct", "edge"])
def test_malformed_requests_get_4xx_json_and_break_nothing(stack, via_edge):
    for method, path, body, headers in MALFORMED:
        if not via_edge and path == "/nowhere":
            continue
        base = EDGE if via_edge else _service_base(path)
        response = requests.request(method, base + path, data=body, headers=headers,
                                    timeout=TIMEOUT)
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
        assert "error" in response.json(), (method, path)
    assert {s.component: s.health for s in stack.status()} == {c.name: "healthy" for c in COMPONENTS}


def _live_processes_in_groups(groups: set[int]) -> list[int]:
    """Pids (not zombies) whose process group is one of `groups`: nginx workers too."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] not in ("Z", "X") and int(fields[2]) in groups:
            found.append(int(stat.parent.name))
    return found


def test_stack_down_leaves_nothing_behind(stack, caplog):
    handles = stack.handles()
    assert set(handles) == {c.name for c in COMPONENTS}
    groups = {int(h.split()[1]) for h in handles.values()} if stack.name == "local" else set()
    # Descendants that left their group too (PostgreSQL's backends start sessions of their own).
    tree = {pid: started for leader in groups for pid, started in descendants(leader).items()}
    assert stack.name != "local" or any(os.getpgid(pid) not in groups for pid in tree)
    stack.down()
    ports = [c.port for c in COMPONENTS] + [l.listen_port for l in LINKS]
    assert [p for p in ports if port_open(p)] == []
    assert stack.handles() == {} and not stack.is_managed()
    if stack.name == "local":
        assert _live_processes_in_groups(groups) == []
        assert [pid for pid, started in tree.items() if process_start_time(pid) == started] == []
        assert not postgres_data(stack.root).exists()  # the database's data goes with the stack
    else:
        client = stack.client
        assert client.containers.list(all=True, filters={"label": "com.docker.compose.project=kickoff"}) == []
        # An empty network stays only when the engine miscounts its endpoints, and says so.
        kept = [n.name for n in client.networks.list(names=["kickoff_default"])]
        assert kept == [] or ("kickoff_default stays" in caplog.text
                              and not client.networks.get(kept[0]).attrs["Containers"])
        assert client.volumes.list(filters={"label": "com.docker.compose.project=kickoff"}) == []


@pytest.mark.only_on("local")
def test_the_edge_logs_cmcd_requests_and_caches_them_without_their_cmcd(stack):
    """A platform team finds a load test's traffic in the edge's access log (one
    JSON object a line, only requests that carry CMCD), and CMCD arguments do
    not split the cache."""
    segment = media_playlist(variants(EDGE, playback_path())[0].uri).segments[-1]
    log = stack.root / "edge" / "access.log"
    before = len(log.read_text().splitlines()) if log.exists() else 0
    payloads = [quote(f'ot=v,sid="q-{n}"', safe="") for n in range(2)]
    answers = [requests.get(f"{segment.uri}&CMCD={payload}", timeout=TIMEOUT)
               for payload in payloads]
    requests.get(segment.uri, headers={"CMCD-Session": 'sid="h-1"'}, timeout=TIMEOUT)
    requests.get(segment.uri, timeout=TIMEOUT)  # no CMCD: not logged
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].headers["X-Cache-Status"] == "HIT"
    deadline = time.monotonic() + 5  # the log is flushed every second
    while time.monotonic() < deadline and \
            (not log.exists() or len(log.read_text().splitlines()) < before + 3):
        time.sleep(0.2)
    logged = [json.loads(line) for line in log.read_text().splitlines()[before:]]
    assert [unquote(e["query"]).rpartition("CMCD=")[2] for e in logged[:2]] == \
        ['ot=v,sid="q-0"', 'ot=v,sid="q-1"']
    assert logged[2]["cmcd_session"] == 'sid="h-1"' and len(logged) == 3
