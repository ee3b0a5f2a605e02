"""A run whose every viewer signs up and books a paid match before watching:
the harness drives the reference stack's accounts service as a viewer's app
does, and each booking is in the stack's database, charged once."""

from __future__ import annotations

import uuid

import pytest

from tests.cli import harness
from tests.run.helpers import run_dir, summary, write_scenario
from tests.stack.accounts import sql
from tests.stack.helpers import PAID_EVENT

VIEWERS = 8

JOURNEY = """\
steps:
  - name: signup
    group: signup
    url: /accounts/signup
    json: {{username: "{prefix}-{{viewer}}", password: kickoff}}
    extract:
      session: {{json: $.session}}
  - name: book
    group: booking
    url: /accounts/bookings
    headers: {{Authorization: "Bearer {{session}}"}}
    json: {{event: {event}}}
  - name: entitlement
    group: auth
    url: /auth/entitlement/{event}
    headers: {{Authorization: "Bearer {{session}}"}}
    extract:
      playback_url: {{json: $.playback_url}}
play: "{{playback_url}}"
"""

SCENARIO = """\
time_scale: 2
seed: 5
journey: {journey}
timeline:
  start: 0s
  end: 16s
  phases:
    - {{name: booking-rush, at: 0s}}
audience:
  viewers:
    - {{at: 0s, viewers: {viewers}}}
  clients: {{app: 1.0}}
"""


@pytest.mark.only_on("local")
def test_every_viewer_signs_up_books_a_paid_match_and_watches(run_stack, tmp_path):
    prefix = f"booker-{uuid.uuid4().hex[:10]}"  # usernames unique to this run
    journey = tmp_path / "booking-journey.yaml"
    journey.write_text(JOURNEY.format(prefix=prefix, event=PAID_EVENT))
    scenario = write_scenario(tmp_path, "booking",
                              SCENARIO.format(journey=journey, viewers=VIEWERS))
    result = harness("run", str(scenario), "--platform", run_stack.name,
                     "--results-dir", str(tmp_path / "results"))
    assert result.returncode == 0, result.stdout + result.stderr
    overall = summary(run_dir(tmp_path / "results"))["overall"]
    assert overall["metrics"]["video_start_failure_ratio"] == 0
    assert overall["metrics"]["error_ratio"] == 0, overall["errors"]
    assert overall["metrics"]["requests_per_second.signup"] > 0
    assert overall["metrics"]["requests_per_second.booking"] > 0
    rows = sql("SELECT count(DISTINCT b.username), count(c.id) FROM bookings b "
               f"JOIN charges c ON c.id = b.charge WHERE b.username LIKE '{prefix}-%' "
               f"AND b.event = '{PAID_EVENT}'")
    assert rows == [[str(VIEWERS), str(VIEWERS)]]


SLOW_PAYMENT = """\
time_scale: 2
seed: 13
timeline:
  start: 0s
  end: 40s
  phases:
    - {{name: booking-rush, at: 0s}}
audience:
  event: {event}
  viewers:
    - {{at: 0s, viewers: 4}}
    - {{at: 14s, viewers: 4}}
    - {{at: 22s, viewers: 20}}
    - {{at: 40s, viewers: 20}}
  clients: {{web: 0.5, app: 0.5}}
  subscribers: 0.5
  newcomers: 0.5
faults:
  - {{name: slow-payment, kind: latency, target: accounts-payment, at: 12s, for: 20s,
     params: {{latency: 3s}}}}
slos:
  - {{metric: booking_failure_ratio, max: 5%, phase: during:slow-payment}}
  - {{metric: video_start_failure_ratio, max: 1%}}
  - {{metric: rebuffering_ratio, max: 1%}}
  - {{metric: error_ratio.segment, max: 0.5%}}
"""


@pytest.mark.only_on("local")
def test_a_slow_payment_link_breaks_booking_and_the_verdict_says_video_held(run_stack, tmp_path):
    # The reference journey: subscribers log in and watch; newcomers sign up and book the
    # paid match, and the payment provider behind its own link takes longer than accounts waits.
    scenario = write_scenario(tmp_path, "slow-payment", SLOW_PAYMENT.format(event=PAID_EVENT))
    result = harness("run", str(scenario), "--platform", run_stack.name,
                     "--results-dir", str(tmp_path / "results"))
    assert result.returncode == 1, result.stdout + result.stderr
    found = summary(run_dir(tmp_path / "results"))
    rows = {row["metric"]: row["result"] for row in found["verdict"]["slos"]
            if row["phase"] == "during:slow-payment" or row["metric"] != "booking_failure_ratio"}
    assert rows["booking_failure_ratio"] == "fail", rows
    assert {rows[m] for m in ("video_start_failure_ratio", "rebuffering_ratio",
                              "error_ratio.segment")} == {"pass"}, rows
    assert "booking broke, video held" in found["verdict"]["headline"]
    assert found["overall"]["errors"].get("booking 504", 0) > 0, found["overall"]["errors"]
    assert found["overall"]["metrics"]["requests_per_second.segment"] > 0  # subscribers watched
