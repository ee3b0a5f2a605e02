"""What a new user meets first on their own platform: a wrong password (a
journey variant given with --journey) is refused once per start, not
retried, and leads the verdict's headline; an
outage of their API and stream shows, live and after, the viewers whose
stream broke and why their playbacks failed; an extraction that finds
nothing shows what the answer held, its token hidden."""

from __future__ import annotations

import json
import os
import re

from tests.cli import harness
from tests.journey.conftest import LINK
from tests.journey.test_journey_runs import groups_requested, run, scenario_for
from tests.run.helpers import run_dir, summary


def token_journey(password: str, token_path: str) -> str:
    """A journey of one token step: this password, the token taken from this JSONPath."""
    return f"""\
accounts: accounts.csv
steps:
  - group: token
    url: /oauth/token
    form: {{grant_type: password, username: "{{account.username}}", password: "{password}"}}
    extract:
      access_token: {{json: {token_path}}}
play: /media/none.mpd
"""


def test_a_refused_login_is_tried_once_per_start_and_leads_the_headline(
        platform_api, accounts_csv, tmp_path):
    (tmp_path / "refused.yaml").write_text(token_journey("{account.password}-mistyped",
                                                         "$.access_token"))
    # the scenario plays; --journey swaps in the variant with a mistyped password
    scenario = scenario_for(tmp_path, platform_api, "myplatform.yaml", accounts_csv)
    result = harness("run", str(scenario), "--journey", "refused.yaml", "--results-dir",
                     "results", cwd=tmp_path,
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    folder = run_dir(tmp_path / "results")
    s = summary(folder)

    overall = s["overall"]
    reasons = overall["start_failure_reasons"]
    assert list(reasons) == ["journey step 'token': HTTP 401"], reasons
    # one token request per failed start: a 401 is never tried again
    assert groups_requested(folder) == {"token": reasons["journey step 'token': HTTP 401"]}
    assert overall["errors"] == {"token 401": reasons["journey step 'token': HTTP 401"]}
    headline = s["verdict"]["headline"]
    assert headline.startswith(f"FAIL — {sum(reasons.values())} start(s) failed on a 4xx answer: "
                               f"journey step 'token': HTTP 401 x"), headline


def test_an_outage_shows_viewers_waiting_to_retry_and_why_playbacks_failed(
        platform_api, accounts_csv, toxiproxy, tmp_path):
    proxy, edge = toxiproxy
    scenario = scenario_for(tmp_path, edge, "myplatform.yaml", accounts_csv, targets=(
        f"toxiproxy: {proxy.api}\nlinks: [{LINK}]\n"), extra=f"""\
faults:
  - {{name: outage, kind: cut, target: {LINK}, at: 5s, for: 8s}}
""").read_text().replace("end: 9s", "end: 22s")
    (tmp_path / "outage.yaml").write_text(scenario)
    result = harness("run", str(tmp_path / "outage.yaml"), "--results-dir",
                     str(tmp_path / "results"),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    folder = run_dir(tmp_path / "results")
    overall = summary(folder)["overall"]

    # playbacks broke in the outage, each with a reason that holds no URL
    windows = [json.loads(line)["window"] for line in
               (folder / "windows.jsonl").read_text().splitlines()]
    broken = overall["playback_failure_reasons"]
    assert broken and sum(broken.values()) == sum(w["playback_failures"] for w in windows)
    assert all(reason.split()[0] in {"segment", "playlist"} and "/" not in reason
               for reason in broken), broken
    assert "\nfailed playbacks: " in result.stdout, result.stdout
    # while nobody plays, the viewers whose stream broke wait to retry; then they recover
    assert any(w["playing"] == 0 and w["waiting_to_retry"] > 0 for w in windows)
    assert max(w["recovering"] for w in windows) > 0
    # and the status line shows them (plain lines: not a terminal)
    assert " waiting to retry" in result.stderr, result.stderr


def test_an_extraction_that_finds_nothing_shows_the_answer_with_its_token_hidden(
        platform_api, accounts_csv, tmp_path):
    (tmp_path / "misspelt.yaml").write_text(token_journey("{account.password}", "$.accessToken"))
    scenario = scenario_for(tmp_path, platform_api, "misspelt.yaml", accounts_csv)
    s, folder = run(scenario, tmp_path / "results", state=tmp_path / "state")

    reasons = s["overall"]["start_failure_reasons"]
    # the platform answered a token (16 hex digits, a new one each time): it never shows
    assert list(reasons) == ["journey step 'token': extract: $.accessToken found nothing; the "
                             'answer (HTTP 200): {"access_token": "***", "token_type": "***"}'], \
        reasons
    assert files_with_tokens(folder) == 0


def files_with_tokens(folder) -> int:
    """Files of the run folder holding a 16-hex-digit string, as the platform's tokens are."""
    return sum(bool(re.search(r'[" ][0-9a-f]{16}\b', path.read_text(errors="replace")))
               for path in folder.iterdir() if path.suffix in (".json", ".jsonl", ".xml"))
