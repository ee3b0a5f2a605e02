"""`harness run` on a platform nobody here designed (platform_api.py: an OAuth
token, a cookie session, a playback-info call, a live stream ffmpeg writes),
through a data journey and through a code journey; and journeys that break,
whose failed starts are named by step or class while a fault is still reverted."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli import harness
from tests.journey.conftest import LINK
from tests.run.helpers import run_dir, summary, write_scenario

DATA = Path(__file__).parent / "data"
PLATFORM_GROUPS = {"token", "session", "playback-info", "heartbeat", "api-token"}


def scenario_for(folder: Path, edge: str, journey: str, accounts: Path, *, extra: str = "",
                 targets: str = "", api_users: str = "") -> Path:
    """A short external run against `edge`, with the journey files next to it."""
    for name in ("myplatform.yaml", "myplatform.py", "broken.yaml"):
        shutil.copy(DATA / name, folder / name)
    shutil.copy(accounts, folder / "accounts.csv")
    (folder / "targets.yaml").write_text(f"edge: {edge}\n{targets}")
    return write_scenario(folder, "journey-run", f"""\
platform: external
targets: targets.yaml
journey: {journey}
timeline: {{start: 0s, end: 9s}}
audience:
  event: ch-1
  viewers:
    - {{at: 0s, viewers: 4}}
  clients: {{web: 0.5, app: 0.5}}
{api_users}{extra}""")


def run(scenario: Path, results: Path, *, state: Path) -> tuple[dict, Path]:
    result = harness("run", str(scenario), "--results-dir", str(results),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(state)})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr  # a verdict, not an error
    folder = run_dir(results)
    return summary(folder), folder


def groups_requested(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in (folder / "windows.jsonl").read_text().splitlines():
        for group, tally in json.loads(line)["window"]["requests"].items():
            counts[group] = counts.get(group, 0) + tally["count"]
    return {group: count for group, count in counts.items() if count}


@pytest.mark.parametrize("journey", ["myplatform.yaml",
                                     "{python: myplatform.py:MyPlatform, accounts: accounts.csv}"])
def test_a_journey_plays_a_platform_nobody_here_designed(platform_api, accounts_csv, tmp_path,
                                                          journey):
    scenario = scenario_for(tmp_path, platform_api, journey, accounts_csv, api_users="""\
  api_users:
    - {kind: tokens, users: 1, interval: 1s}
""", extra="""\
slos:
  - {metric: video_start_failure_ratio, max: 0%}
  - {metric: error_ratio.token, max: 0%}
""")
    s, folder = run(scenario, tmp_path / "results", state=tmp_path / "state")

    overall = s["overall"]
    assert overall["attempts"] >= 4 and overall["start_failure_reasons"] == {}
    assert overall["metrics"]["video_start_failure_ratio"] == 0
    assert overall["metrics"]["startup_time_p50"] > 0
    # none failed but (web viewers, as dash.js, ask for a segment the moment the MPD's clock
    # says it is out, and ffmpeg may write it a moment later) a few segments at the live edge
    assert set(overall["errors"]) <= {"segment 404"}
    assert overall["protocols"] == {"dash": overall["attempts"]}  # the MPD playback-info named
    # per-group stats follow the journey's names, besides the player's own
    groups = PLATFORM_GROUPS | {"playlist", "segment"}
    assert set(groups_requested(folder)) == groups
    assert set(s["request_groups"]) == groups
    for group in groups:
        assert overall["metrics"][f"requests_per_second.{group}"] > 0, group
        # segments: only those 404s (a few in a short run, so up to one in six)
        assert overall["metrics"][f"error_ratio.{group}"] <= (0.15 if group == "segment" else 0), \
            group
    # an SLO on one of the journey's groups is judged like any other
    (token,) = [row for row in s["verdict"]["slos"] if row["metric"] == "error_ratio.token"]
    assert token["observed"] == 0 and token["result"] == "pass", token
    assert s["verdict"]["result"] == "pass", s["verdict"]["headline"]
    # the accounts' passwords are in no file of the run
    for path in folder.iterdir():
        assert "secret" not in path.read_text(errors="replace"), path.name


def test_broken_journeys_fail_their_starts_by_step_and_the_fault_is_reverted(
        platform_api, accounts_csv, toxiproxy, stream_path, tmp_path):
    proxy, edge = toxiproxy
    scenario = scenario_for(tmp_path, edge, "broken.yaml", accounts_csv, targets=(
        f"toxiproxy: {proxy.api}\nlinks: [{LINK}]\n"), extra=f"""\
faults:
  - {{name: slow-api, kind: latency, target: {LINK}, at: 2s, for: 3s, params: {{latency: 200ms}}}}
""")
    s, folder = run(scenario, tmp_path / "results", state=tmp_path / "state")

    reasons = s["overall"]["start_failure_reasons"]
    # an extraction that found nothing shows what the answer held
    assert set(reasons) == {"journey step 'entitle': HTTP 500",
                            "journey step 'playback-info': extract: $.sources[?(@.type == "
                            "'mpd')].url found nothing; the answer (HTTP 200): "
                            '{"sources": [{"type": "hls", "url": "/media/none.m3u8"}, '
                            f'{{"type": "dash", "url": "{stream_path}"}}]}}'}, reasons
    assert sum(reasons.values()) == s["overall"]["attempts"] - _unfinished(folder)
    assert s["overall"]["metrics"]["video_start_failure_ratio"] == 1
    assert s["overall"]["errors"].get("entitle 500", 0) >= 2  # two tries per web attempt
    (fault,) = s["faults"]
    assert fault["name"] == "slow-api" and fault["status"] == "reverted", fault
    assert proxy.call("GET", f"/proxies/{LINK}/toxics") == []


def test_a_journey_class_that_raises_is_a_start_failure_with_its_message(
        platform_api, accounts_csv, tmp_path):
    scenario = scenario_for(tmp_path, platform_api, "{python: myplatform.py:Crashing}",
                            accounts_csv)
    s, folder = run(scenario, tmp_path / "results", state=tmp_path / "state")

    reasons = s["overall"]["start_failure_reasons"]
    assert list(reasons) == ["journey Crashing.playback_url: RuntimeError: the app crashed"]
    assert reasons[list(reasons)[0]] == s["overall"]["attempts"] - _unfinished(folder)
    assert set(groups_requested(folder)) == {"token"}


def _unfinished(folder: Path) -> int:
    """Attempts the run's end cut short before they failed (viewers joining at the end)."""
    last = json.loads((folder / "windows.jsonl").read_text().splitlines()[-1])
    return last["window"]["joining"]
