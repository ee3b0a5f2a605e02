"""A run folder made by hand for the report tests: a recorder fed with windows
that vary second by second (a ramp to kickoff, a fault with failed requests,
stalls and slow starts, one second with no requests at all), its summary, and
the verdict, faults and regressions another part of the harness adds."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from harness.runfolder.manifest import seal
from harness.runfolder.recorder import EVENTS, Recorder, Second, read_events, read_seconds, utc
from harness.judge.summary import summarize
from harness.measure.window import Window

START_EPOCH = 1_780_000_000.0
TIME_SCALE = 5
FIRST_MATCH_S = -300.0
SECONDS = 120
RUN_ID = "5a3c0ffee0000000000000000000beef"
GAP_SECOND = 30  # nobody requested anything in this second
FAULT_SECONDS = range(62, 75)  # origin-a is dead: failures, stalls, slow starts
# Request groups: (name, requests per viewer and second, latency in s); a run
# of other groups passes its own table (a journey's groups and the player's).
REQUESTS = (("catalog", 0.05, 0.04), ("auth", 0.03, 0.02), ("playlist", 0.5, 0.008),
            ("segment", 0.5, 0.03))
Requests = tuple[tuple[str, float, float], ...]

DESCRIPTION = "A hand-made rush <with markup & a link http://example.invalid/x> to escape."
SCENARIO = {"name": "kickoff-sample", "description": DESCRIPTION, "platform": "local",
            "time_scale": TIME_SCALE, "seed": 7, "timeline": {"peak": "kickoff-rush"},
            "slos": [], "faults": []}

FAULTS = [
    {"name": "origin-a-dies", "kind": "process-kill", "target": "origin-a", "driver": "process",
     "scheduled_match_s": 0.0, "scheduled_second": 60.0, "injected_second": 60.04,
     "injected_match_s": 0.2, "inject_delay_ms": 40, "revert_scheduled_second": 72.0,
     "reverted_second": 72.01, "reverted_match_s": 60.05, "revert_delay_ms": 10,
     "status": "reverted", "impact_detected_after_s": 1.0, "recovered_after_s": 45.0,
     "recovery_from": "revert", "component_healthy_after_s": 3.2, "recovery_budget_s": 30.0},
    {"name": "auth-redis-cut", "kind": "link-cut", "target": "auth-redis", "driver": "toxiproxy",
     "scheduled_match_s": 150.0, "scheduled_second": 90.0, "injected_second": 90.02,
     "injected_match_s": 150.1, "inject_delay_ms": 20, "revert_scheduled_second": None,
     "reverted_second": None, "reverted_match_s": None, "revert_delay_ms": None,
     "status": "injected (not reverted: self-healing)", "impact_detected_after_s": None,
     "recovered_after_s": None, "recovery_from": "inject", "component_healthy_after_s": None,
     "recovery_budget_s": 60.0},
]

VERDICT = {
    "result": "fail", "strict": False,
    "headline": "FAIL — startup_time_p95 4.80 s > 4 s in peak (kickoff-rush)",
    "demand": "fail",
    "faults": [
        {"name": "origin-a-dies", "result": "fail", "recovered_after_s": 45.0,
         "recovery_budget_s": 30.0},
        {"name": "auth-redis-cut", "result": "pass", "recovered_after_s": None,
         "recovery_budget_s": 60.0},
    ],
    "slos": [
        {"judged_for": "demand", "phase": "peak", "span": "kickoff-rush",
         "metric": "startup_time_p95", "unit": "s", "op": "max", "threshold": 4.0,
         "observed": 4.8, "result": "fail", "default": False},
        {"judged_for": "demand", "phase": "peak", "span": "kickoff-rush",
         "metric": "video_start_failure_ratio", "unit": "ratio", "op": "max",
         "threshold": 0.01, "observed": 0.004, "result": "pass", "default": False},
        {"judged_for": "demand", "phase": "overall", "span": "overall",
         "metric": "average_bitrate_kbps", "unit": "kbps", "op": "min", "threshold": 1500.0,
         "observed": 1210.0, "result": "fail", "default": False},
        {"judged_for": "origin-a-dies", "phase": "during:origin-a-dies",
         "span": "during:origin-a-dies", "metric": "error_ratio.segment", "unit": "ratio",
         "op": "max", "threshold": 0.005, "observed": None, "result": "no data",
         "default": True},
        {"judged_for": "origin-a-dies", "phase": "recovery:origin-a-dies",
         "span": "recovery:origin-a-dies", "metric": "latency_p99", "unit": "s", "op": "max",
         "threshold": 1.0, "observed": 0.35, "result": "pass", "default": True},
    ],
}

REGRESSIONS = [
    {"judged_for": "demand", "metric": "startup_time_p95", "phase": "peak", "unit": "s",
     "baseline": 1.2, "observed": 2.5, "change": 1.083, "tolerance": 0.2, "worse": True},
    {"judged_for": "demand", "metric": "latency_p99", "phase": "overall", "unit": "s",
     "baseline": 0.2, "observed": 0.19, "change": -0.05, "tolerance": 0.2, "worse": False},
]


def match_s(number: int) -> float:
    """Match time at the end of the run's second `number`."""
    return FIRST_MATCH_S + (number + 1) * TIME_SCALE


def phase(number: int) -> str:
    at = match_s(number)
    return "pre-match" if at < -120 else "kickoff-rush" if at < 60 else "first-half"


def window(number: int, requests: Requests = REQUESTS) -> Window:
    w = Window(number)
    target = target_viewers(number)
    faulty = number in FAULT_SECONDS
    w.joining = max(0, target // 10 - number % 3)
    w.stalled = target // 3 if faulty else number % 2
    w.playing = max(0, target - w.joining - w.stalled)
    if number == GAP_SECOND:
        return w
    w.attempts = w.joining
    w.starts = max(0, w.joining - faulty * 2)
    w.start_failures = w.attempts - w.starts
    for k in range(w.starts):
        w.startup.add((4.5 if faulty else 1.0) + 0.1 * k)
    w.played_s, w.stalled_s = float(w.playing), float(w.stalled)
    w.bitrate_kbps_s = w.played_s * 1500
    w.stalls = w.stalled // 4
    for group, per_viewer, latency in requests:
        for k in range(max(1, round(target * per_viewer))):
            slow = 12 if faulty else 1
            w.tally(group).add(latency * slow * (1 + k % 7), ok=not (faulty and k % 3 == 0))
    return w


def target_viewers(number: int) -> int:
    return min(100, 10 + number)


def seconds(count: int = SECONDS, requests: Requests = REQUESTS) -> list[Second]:
    return [Second(window(n, requests), START_EPOCH + n + 1, match_s(n), phase(n), target_viewers(n),
                   target_viewers(n) - (n % 4 == 0)) for n in range(count)]


def _event(epoch: float, kind: str, **fields) -> dict:
    return {"time_utc": utc(epoch), "epoch": epoch, "kind": kind, **fields}


def events(recorded: list[Second], requests: Requests = REQUESTS) -> list[dict]:
    """The events of a run of these seconds, as the recorder writes them (on fixed clocks)."""
    found = [_event(START_EPOCH, "run_started", match_s=FIRST_MATCH_S, run_id=RUN_ID,
                    scenario=SCENARIO["name"], edge="http://127.0.0.1:8080",
                    wall_duration_s=float(SECONDS),
                    time_map=[[FIRST_MATCH_S, FIRST_MATCH_S + SECONDS * TIME_SCALE, TIME_SCALE]],
                    request_groups=[group for group, _, _ in requests])]
    for before, second in zip([None, *recorded], recorded):
        if before is None or second.phase != before.phase:
            found.append(_event(second.epoch, "phase", match_s=second.match_s,
                                phase=second.phase))
    return found + [_event(START_EPOCH + len(recorded), "run_ended", outcome="completed")]


def summary_of(recorded: list[Second], requests: Requests = REQUESTS, **parts) -> dict:
    """summarize() of the seconds, with the given parts (verdict, faults ...) added."""
    summary = summarize(SCENARIO, recorded, events(recorded, requests))
    summary.update(copy.deepcopy(parts))
    return summary


def build_run(run_dir: Path, requests: Requests = REQUESTS, **parts) -> dict:
    """A run folder as `harness run` leaves it; returns its summary (also in summary.json)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    recorded = seconds(requests=requests)
    recorder = Recorder(run_dir, [group for group, _, _ in requests])
    for second in recorded:
        recorder.second(second)
    recorder.close()
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in events(recorded,
                                                                               requests)))
    assert read_events(run_dir) == events(recorded, requests)
    seal(run_dir, RUN_ID, len(recorded))  # as the recorder does when the run ends
    summary = summary_of(read_seconds(run_dir), requests, **parts)
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def full_run(run_dir: Path) -> dict:
    return build_run(run_dir, faults=FAULTS, verdict=VERDICT, regressions=REGRESSIONS)


# SLOs the sample's seconds hold: its run passes, so any damage that loses
# data shows as a verdict that is no longer a clean pass.
PASSING_SLOS = [{"metric": "startup_time_p95", "max": 60.0, "phase": "overall"},
                {"metric": "error_ratio.segment", "max": "50%", "phase": "peak"}]


def recorded_run(run_dir: Path) -> Path:
    """A run folder as `harness run` leaves it before computing its results
    (scenario.yaml, windows.jsonl, events.jsonl), of a run that passes."""
    build_run(run_dir)
    (run_dir / "summary.json").unlink()
    return with_scenario(run_dir, {**SCENARIO, "slos": PASSING_SLOS})


def with_scenario(run_dir: Path, scenario: dict) -> Path:
    """The run folder with this resolved scenario, sealed as the run would have."""
    (run_dir / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    seal(run_dir, RUN_ID, SECONDS)
    return run_dir
