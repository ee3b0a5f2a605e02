"""Faults inside `harness run`: on time, always reverted (at the end, on
SIGINT and SIGTERM, on a halt; after `kill -9` by `harness reset`), and
recovery measured close to what is seen from outside."""

from __future__ import annotations

import json
import signal
import threading
import time

import pytest

from harness.faults.journal import unreverted
from tests.reference import probe, toxiproxy
from tests.cli import harness
from tests.faults.helpers import pid_of, process_state
from tests.run.helpers import events, run_dir, summary, write_scenario
from tests.run.test_run import start_run, wait_for_seconds

AUDIENCE = """\
audience:
  viewers:
    - {at: 0s, viewers: 4}
  clients: {web: 0.5, app: 0.5}
"""


def scenario_text(platform: str, length: str, faults: str, extra: str = "") -> str:
    return (f"platform: {platform}\ntimeline: {{start: 0s, end: {length}}}\n{AUDIENCE}"
            f"faults:\n{faults}{extra}")


def freeze(platform: str) -> str:
    """A fault that freezes catalog, in the platform's own kind."""
    kind = "process-pause" if platform == "local" else "container-pause"
    return f"  - {{name: freeze-catalog, kind: {kind}, target: catalog, at: 3s, for: 60s}}\n"


LINK_FAULTS = """\
  - {name: slow-a, kind: latency, target: edge-origin-a, at: 3s, for: 60s, params: {latency: 100ms}}
  - {name: cut-auth, kind: cut, target: auth-redis, at: 3s, for: 60s}
"""


def catalog_frozen(stack) -> bool:
    if stack.name == "local":
        return process_state(pid_of("catalog")) == "T"
    container = stack.container("catalog")
    container.reload()
    return container.status == "paused"


def assert_stack_clean(stack) -> None:
    """Seen from outside: no toxic, every link on, nothing frozen, nothing journalled."""
    links = toxiproxy()
    for name, proxy in links.proxies().items():
        assert proxy["enabled"], f"link {name} left cut"
        assert links.toxics(name) == [], f"toxic left on {name}"
    assert not catalog_frozen(stack)
    assert unreverted() == {}


def test_faults_fire_and_revert_on_time(stack, untouched, tmp_path):
    faults = "".join(
        f"  - {{name: lag-{i}, kind: latency, target: edge-origin-{ab}, at: {at}, for: {length},"
        f" recover_within: 4s, params: {{latency: 50ms}}}}\n"
        for i, (ab, at, length) in enumerate([("a", "40s", "12s"), ("b", "48s", "8s"),
                                              ("a", "72s", "12s")]))
    scenario = write_scenario(tmp_path, "timing", scenario_text(
        stack.name, "100s", faults, "time_scale: 4\nfault_time_scale: 4\n"))
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"))
    assert result.returncode == 0, result.stdout + result.stderr
    folder = run_dir(tmp_path / "results")
    timings = [e for e in events(folder) if e["kind"] in ("fault_injected", "fault_reverted")]
    assert len(timings) == 6
    for event in timings:
        assert 0 <= event["delay_ms"] < 250, event
    # Each fault and its 4 s budget (8 s of match time) run at fault_time_scale 4, like the
    # rest, but the baseline bands before them stay at time_scale 4 too (they need wall
    # seconds): 0..40 s takes 10 s, 40..64 s 6 s, 64..72 s 2 s, 72..92 s 5 s, 92..100 s 2 s.
    # So the faults at 40 s, 48 s and 72 s of match time come at 10 s, 12 s and 18 s of
    # wall time, and go at 13 s, 14 s and 21 s.
    injected = {e["fault"]: e["scheduled_second"] for e in timings if e["kind"] == "fault_injected"}
    assert injected == {"lag-0": 10.0, "lag-1": 12.0, "lag-2": 18.0}
    reverted = {e["fault"]: e["scheduled_second"] for e in timings if e["kind"] == "fault_reverted"}
    assert reverted == {"lag-0": 13.0, "lag-1": 14.0, "lag-2": 21.0}
    assert summary(folder)["seconds_recorded"] == 25
    s = summary(folder)
    assert [f["status"] for f in s["faults"]] == ["reverted"] * 3
    assert [f["result"] for f in s["verdict"]["faults"]] == ["pass"] * 3  # 50 ms goes unnoticed
    assert "lag-2" in result.stdout  # the console faults table
    assert_stack_clean(stack)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_fault_reverts_everything(stack, untouched, tmp_path, sig, code):
    scenario = write_scenario(tmp_path, "signalled", scenario_text(
        stack.name, "2m", LINK_FAULTS + freeze(stack.name)))
    process = start_run(scenario, tmp_path / "results")
    wait_for_seconds(tmp_path / "results", 6)
    assert catalog_frozen(stack) and toxiproxy().toxics("edge-origin-a")  # the faults are on
    process.send_signal(sig)
    process.communicate(timeout=60)
    assert process.returncode == code
    assert_stack_clean(stack)
    folder = run_dir(tmp_path / "results")
    assert {f["status"] for f in summary(folder)["faults"]} == {"reverted"}


def test_after_kill_9_the_run_refuses_and_reset_restores(stack, untouched, tmp_path):
    scenario = write_scenario(tmp_path, "killed", scenario_text(
        stack.name, "2m", LINK_FAULTS + freeze(stack.name)))
    process = start_run(scenario, tmp_path / "results")
    wait_for_seconds(tmp_path / "results", 6)
    process.kill()
    process.communicate(timeout=10)
    # The faults outlive the harness, and the journal knows them.
    assert catalog_frozen(stack) and not toxiproxy().is_enabled("auth-redis")
    assert {e["fault"] for e in unreverted().values()} == {"slow-a", "cut-auth",
                                                                  "freeze-catalog"}
    refused = harness("run", str(scenario), "--results-dir", str(tmp_path / "again"))
    assert refused.returncode == 3 and "harness reset" in refused.stderr
    assert "Traceback" not in refused.stderr
    reset = harness("reset")
    assert reset.returncode == 0, reset.stderr
    assert "reverted freeze-catalog" in reset.stdout
    assert_stack_clean(stack)
    wait_for_healthy = [probe(c) for c in ("catalog", "auth")]
    assert wait_for_healthy == ["healthy", "healthy"]


def test_a_halt_condition_stops_the_run_and_reverts(stack, untouched, tmp_path):
    cuts = "".join(f"  - {{name: cut-{ab}, kind: cut, target: edge-origin-{ab}, at: 4s}}\n"
                   for ab in "ab")
    halt = "halt_if:\n  - {metric: error_ratio, above: 50%, for: 3s}\n"
    scenario = write_scenario(tmp_path, "halting", scenario_text(stack.name, "2m", cuts, halt))
    started = time.monotonic()
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"))
    assert result.returncode == 1
    assert time.monotonic() - started < 60
    s = summary(run_dir(tmp_path / "results"))
    assert s["outcome"] == "halted: error_ratio above 50% for 3 s"
    assert_stack_clean(stack)


def test_recovery_of_a_killed_origin_matches_what_is_seen_from_outside(stack, untouched, tmp_path):
    """The origin dies at 10 s; the stack brings it back by itself (the local
    supervisor, Docker's restart policy). A thread watches its port."""
    kind = "process-kill" if stack.name == "local" else "container-kill"
    fault = f"  - {{name: origin-a-dies, kind: {kind}, target: origin-a, at: 10s}}\n"
    scenario = write_scenario(tmp_path, "recovery", scenario_text(stack.name, "30s", fault))
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            healthy = probe("origin-a") == "healthy"
            if not healthy and "down" not in seen:
                seen["down"] = time.time()
            if healthy and "down" in seen and "up" not in seen:
                seen["up"] = time.time()
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"))
    finally:
        stop.set()
        watcher.join()
    assert result.returncode == 0, result.stderr
    folder = run_dir(tmp_path / "results")
    (injected,) = [e for e in events(folder) if e["kind"] == "fault_injected"]
    (fault,) = summary(folder)["faults"]
    truth = seen["up"] - injected["epoch"]
    assert fault["recovery_from"] == "inject"
    assert fault["component_healthy_after_s"] == pytest.approx(truth, abs=2.0), (fault, seen)
    assert 0 < truth < 20
    assert fault["baseline_seconds"] >= 5 and fault["recovered_after_s"] is not None
    (judged,) = summary(folder)["verdict"]["faults"]  # a verdict of its own
    assert judged["name"] == "origin-a-dies" and judged["result"] in ("pass", "degraded")
    assert any(r["judged_for"] == "origin-a-dies" for r in summary(folder)["verdict"]["slos"])
    print(json.dumps({"truth_s": round(truth, 2), "measured_s": fault["component_healthy_after_s"],
                      "impact_after_s": fault["impact_detected_after_s"],
                      "recovered_after_s": fault["recovered_after_s"]}))


def test_faults_due_together_land_together_each_with_its_lateness(stack, untouched, tmp_path):
    """Three faults of two drivers at one moment, reverted at one moment: each
    lands within the documented bound, and its lateness is in events.jsonl,
    the summary and the console."""
    pause = "process-pause" if stack.name == "local" else "container-pause"
    faults = "".join(
        f"  - {{name: {name}, kind: {kind}, target: {target}, at: 16s, for: 8s{params}}}\n"
        for name, kind, target, params in [
            ("slow-a", "latency", "edge-origin-a", ", params: {latency: 50ms}"),
            ("cut-catalog-redis", "cut", "catalog-redis", ""),
            ("freeze-catalog", pause, "catalog", "")])
    # Compressed faults on purpose (fault_time_scale 4): landing together does not depend on
    # how long they last.
    scenario = write_scenario(tmp_path, "together", scenario_text(
        stack.name, "40s", faults, "time_scale: 4\nfault_time_scale: 4\n"))
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"))
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr
    folder = run_dir(tmp_path / "results")
    steps = [e for e in events(folder) if e["kind"] in ("fault_injected", "fault_reverted")]
    assert len(steps) == 6
    for step in steps:  # 16 s and 24 s of match time at time_scale 4: 4 s and 6 s of wall time
        assert step["scheduled_second"] == (4.0 if step["kind"] == "fault_injected" else 6.0)
        assert 0 <= step["took_ms"] <= step["delay_ms"] < 250, step
    rows = summary(folder)["faults"]
    assert all(isinstance(f[key], int) for f in rows for key in
               ("inject_delay_ms", "inject_took_ms", "revert_delay_ms", "revert_took_ms"))
    for f in rows:  # the console's faults table: the lateness of both steps
        (line,) = [line for line in result.stdout.splitlines()
                   if line.startswith(f["name"]) and " ms)" in line]
        assert f"(+{f['inject_delay_ms']} ms)" in line and f"(+{f['revert_delay_ms']} ms)" in line
    print(json.dumps({f["name"]: [f["inject_delay_ms"], f["revert_delay_ms"]] for f in rows}))
    assert_stack_clean(stack)
