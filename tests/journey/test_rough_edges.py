"""What a new user meets first on their own platform: a wrong password is
refused once per start, not retried, and leads the verdict's headline."""

from __future__ import annotations

from tests.journey.test_journey_runs import groups_requested, run, scenario_for


def test_a_refused_login_is_tried_once_per_start_and_leads_the_headline(
        platform_api, accounts_csv, tmp_path):
    (tmp_path / "refused.yaml").write_text("""\
accounts: accounts.csv
steps:
  - group: token
    url: /oauth/token
    form: {grant_type: password, username: "{account.username}",
           password: "{account.password}-mistyped"}
    extract:
      access_token: {json: $.access_token}
play: /media/none.mpd
""")
    scenario = scenario_for(tmp_path, platform_api, "refused.yaml", accounts_csv)
    s, folder = run(scenario, tmp_path / "results", state=tmp_path / "state")

    overall = s["overall"]
    reasons = overall["start_failure_reasons"]
    assert list(reasons) == ["journey step 'token': HTTP 401"], reasons
    # one token request per failed start: a 401 is never tried again
    assert groups_requested(folder) == {"token": reasons["journey step 'token': HTTP 401"]}
    assert overall["errors"] == {"token 401": reasons["journey step 'token': HTTP 401"]}
    headline = s["verdict"]["headline"]
    assert headline.startswith(f"FAIL — {sum(reasons.values())} start(s) failed on a 4xx answer: "
                               f"journey step 'token': HTTP 401 x"), headline
