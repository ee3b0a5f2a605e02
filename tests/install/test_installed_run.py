"""kickoff installed from the wheel, outside the checkout: the starter files validate, and
a run plays a bare stream (audience.stream) that ffmpeg writes and nginx serves, on platform
external with --targets, reading no file of the checkout."""

import json

from tests.streams.servers import live_encoder, nginx, wait_for_window

WINDOW = 6  # segments of each rendition the stream announces before viewers come
STREAM_SECONDS = 40  # the encoder then stops by itself, whatever happens to the test
BARE = """\
name: installed-bare-stream
time_scale: 10
timeline: {{start: -60s, end: 60s}}
audience:
  stream: {stream}
  viewers:
    - {{at: -60s, viewers: 2}}
    - {{at: 60s, viewers: 2}}
slos:
  - {{metric: video_start_failure_ratio, max: 0%}}
"""


def test_the_starter_files_validate_once_their_edge_is_filled_in(installed, tmp_path):
    before = installed.read_from_checkout()
    assert installed.run("harness", "init", "project", cwd=tmp_path).returncode == 0
    result = installed.run("harness", "validate", "project/scenario.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "edge: has no value" in result.stderr, result.stderr
    targets = tmp_path / "project" / "targets.yaml"
    targets.write_text(targets.read_text().replace("\nedge:\n", "\nedge: http://127.0.0.1:1\n"))
    result = installed.run("harness", "validate", "project/scenario.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert installed.read_from_checkout() == before


def test_installed_kickoff_plays_a_bare_stream_on_an_external_platform(installed, tmp_path):
    before = installed.read_from_checkout()
    www = tmp_path / "www"
    with nginx(www, tmp_path / "nginx") as (base, _), \
            live_encoder("hls-ts", www, STREAM_SECONDS) as manifest:
        wait_for_window(www, "hls-ts", WINDOW)
        (tmp_path / "staging.yaml").write_text(f"edge: {base}\n")
        (tmp_path / "bare.yaml").write_text(BARE.format(stream=f"{base}/{manifest}"))
        result = installed.run("harness", "run", "bare.yaml", "--platform", "external",
                               "--targets", "staging.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (run_dir,) = (tmp_path / "results").iterdir()  # results/ in the current directory
    overall = json.loads((run_dir / "summary.json").read_text())["overall"]
    assert overall["attempts"] > 0 and overall["metrics"]["video_start_failure_ratio"] == 0
    assert installed.read_from_checkout() == before
