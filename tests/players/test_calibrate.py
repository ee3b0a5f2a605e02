"""`harness calibrate URL` as a user runs it: on a live stream ffmpeg writes
it prints kickoff's viewer beside hls.js with the bounds and exits 0; without
Chromium or without the player files it says how to get them (exit 3); a bad
URL, a host traffic may not go to, or a live MPD whose segments cannot be
reckoned is invalid input (exit 2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli import assert_one_line_error, harness
from tests.players.conftest import HERE
from tests.streams.servers import live_encoder, nginx, own_state, wait_for_window

SHAPE = "hls-ts"
SECONDS = 20


@pytest.fixture(scope="module")
def stream(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("calibrate")
    www = folder / "www"
    with nginx(www, folder / "nginx") as (base, _), \
            live_encoder(SHAPE, www, SECONDS + 60) as manifest:
        wait_for_window(www, SHAPE, 6)
        yield f"{base}/{manifest}"


def test_calibrate_prints_both_players_side_by_side_and_the_bounds(yardstick, stream, tmp_path):
    result = harness("calibrate", stream, "--seconds", f"{SECONDS}s", "--players", str(HERE),
                     env=own_state(tmp_path), timeout=SECONDS + 90)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any("kickoff web" in line or "startup" in line for line in lines)
    assert any("hls.js 1.7.4" in line and line.count(" ok (") == 4 for line in lines), \
        result.stdout
    assert "every bound held" in result.stdout


def test_without_chromium_it_says_how_to_get_it(stream, tmp_path):
    result = harness("calibrate", stream, "--chromium", str(tmp_path / "no-chromium"),
                     "--players", str(HERE), env=own_state(tmp_path))
    assert_one_line_error(result, 3, "Chromium", "apt-get install chromium")


def test_chromium_not_on_path_is_missing_too(stream, tmp_path):
    env = {**own_state(tmp_path), "PATH": str(tmp_path)}  # a folder without chromium
    result = harness("calibrate", stream, "--players", str(HERE), env=env)
    assert_one_line_error(result, 3, "Chromium is not on PATH", "apt-get install chromium")


def test_without_the_player_files_it_gives_the_npm_command(yardstick, stream, tmp_path):
    empty = tmp_path / "players"
    result = harness("calibrate", stream, "--players", str(empty), env=own_state(tmp_path))
    assert_one_line_error(result, 3, f"npm install --prefix {empty} hls.js@1.7.4 dashjs@5.2.1")


@pytest.mark.parametrize("url, words", [
    ("not-a-url", ("URL", "not an http/https URL")),
    ("http://streams.example.net/live/master.m3u8", ("URL", "streams.example.net",
                                                     "allow_hosts")),
])
def test_a_bad_url_is_invalid_input(url, words, tmp_path):
    assert_one_line_error(harness("calibrate", url, env=own_state(tmp_path)), 2, *words)


def test_a_live_mpd_whose_segments_cannot_be_reckoned_is_invalid_input(tmp_path):
    # play is pressed at one phase of a live MPD's segments: one without its start time says so
    www = tmp_path / "www"
    www.mkdir()
    (www / "live.mpd").write_text('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic">'
                                  '<Period/></MPD>')
    with nginx(www, tmp_path / "nginx") as (base, _):
        result = harness("calibrate", f"{base}/live.mpd", env=own_state(tmp_path))
    assert_one_line_error(result, 2, "URL", "not a usable MPD", "availabilityStartTime")
