"""Fault journals of runs side by side: whose journal stops a run (a run
that is over and left faults on the same stack), whose never does (a run
still going; any journal, for a run without faults), how a run's owner
is told from a later process that got its PID, and the machine's registry
of live runs: who is on it, which records are stale. The owners are real
processes; the journals and records real files in folders of the test's own."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from harness.spec.errors import InfrastructureMissing
from harness.faults import live_runs
from harness.faults.journal import Journal, journals_dir, run_journals
from harness.faults.owner import is_live, this_run
from harness.faults.side_by_side import check_before_run
from harness.platforms.process_tree import process_start_time
from harness.platforms.stack import Stack

HERE = {"driver": "toxiproxy", "api": "http://127.0.0.1:1"}
THERE = {"driver": "toxiproxy", "api": "http://127.0.0.1:2"}


def stack(*contexts: dict) -> Stack:
    return Stack("external", None, None, (), (), {f"d{i}": c for i, c in enumerate(contexts)})


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    """A state folder, and a registry of live runs, of the test's own."""
    monkeypatch.setenv("KICKOFF_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(live_runs, "FOLDER", tmp_path / "live")
    return tmp_path / "state"


@pytest.fixture
def sleeper():
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def owned_by(process: subprocess.Popen, context: dict, folder: str) -> dict:
    return {**this_run(Path(folder), "s", stack(context), ["f"]), "pid": process.pid,
            "process_start": process_start_time(process.pid)}


def journal_of(owner: dict, *faults: str) -> Journal:
    journal = Journal(owner=owner)
    journal.open()
    for name in faults:
        journal.add(name, {"fault": name, "kind": "cut", "target": "x", "context": HERE,
                           "undo": {}})
    return journal


def test_a_run_is_live_while_its_own_process_is(state, sleeper):
    owner = owned_by(sleeper, HERE, "/results/a")
    assert is_live(owner)
    assert not is_live({**owner, "ended": True})
    assert not is_live({**owner, "process_start": owner["process_start"] + 1})  # PID reused
    sleeper.kill()
    sleeper.wait()
    assert not is_live(owner)


def test_a_live_runs_faults_never_stop_another_run(state, sleeper, caplog):
    journal_of(owned_by(sleeper, HERE, "/results/live"), "cut-a")
    check_before_run(stack(HERE), faults=1)  # same stack, and it is going: not refused
    assert f"run PID {sleeper.pid} (/results/live) is running on this stack" in caplog.text


def test_a_dead_runs_faults_stop_only_runs_with_faults_on_its_stack(state, sleeper):
    owner = owned_by(sleeper, HERE, "/results/dead")
    journal = journal_of(owner, "cut-a")
    sleeper.kill()
    sleeper.wait()
    check_before_run(stack(HERE), faults=0)  # a run without faults: never stopped
    check_before_run(stack(THERE), faults=2)  # faults on another stack
    with pytest.raises(InfrastructureMissing) as refused:
        check_before_run(stack(HERE, THERE), faults=1)
    message = str(refused.value)
    for words in (f"run PID {sleeper.pid} (/results/dead) is over", "1 unreverted fault(s) "
                  "(cut-a)", str(journal.path), "`harness reset`", f"KICKOFF_STATE_DIR={state}"):
        assert words in message, message


def test_a_dead_runs_empty_journal_is_cleared_and_a_finished_one_goes(state, sleeper):
    left = journal_of(owned_by(sleeper, HERE, "/results/killed"))
    finished = journal_of(owned_by(sleeper, HERE, "/results/done"), "cut-a")
    finished.remove("cut-a")
    finished.finish()
    assert [j.path for j in run_journals()] == [left.path]
    sleeper.kill()
    sleeper.wait()
    check_before_run(stack(HERE), faults=1)
    assert run_journals() == [] and journals_dir() == state / "runs"


def test_a_run_that_ends_with_faults_left_is_over_whatever_its_pid_does(state, sleeper):
    journal = journal_of(owned_by(sleeper, HERE, "/results/a"), "cut-a")
    journal.finish()
    assert journal.path.exists() and not is_live(journal.owner)
    with pytest.raises(InfrastructureMissing):
        check_before_run(stack(HERE), faults=1)


def test_a_mark_goes_to_the_only_live_run_or_the_one_chosen(state, sleeper):
    from harness.spec.errors import InvalidInput
    from harness.faults.marks import running_run

    with pytest.raises(InfrastructureMissing, match="no run is going.*KICKOFF_STATE_DIR"):
        running_run(None)
    first = journal_of(owned_by(sleeper, HERE, "/results/one"))
    assert running_run(None).path == first.path
    second = journal_of({**this_run(Path("/results/two"), "s", stack(THERE), [])})  # this process
    with pytest.raises(InvalidInput, match="2 runs are going.*--run"):
        running_run(None)
    assert running_run(str(sleeper.pid)).path == first.path
    assert running_run("/results/two").path == second.path
    assert running_run("two").path == second.path
    with pytest.raises(InvalidInput, match="--run three: no running run"):
        running_run("three")


def records() -> list[str]:
    return sorted(os.listdir(live_runs.FOLDER))


def test_a_run_with_faults_planned_is_on_the_registry_until_it_finishes(state, sleeper):
    owner = owned_by(sleeper, HERE, "/results/a")
    journal = journal_of(owner, "cut-a")
    journal_of({**owner, "faults": []})  # nothing planned: not on it
    assert live_runs.live_runs() == [owner] and records() == [journal.path.name]
    assert owner["state_dir"] == str(state.absolute())
    assert stat.S_IMODE(live_runs.FOLDER.stat().st_mode) == 0o1777  # shared like /tmp
    assert stat.S_IMODE((live_runs.FOLDER / journal.path.name).stat().st_mode) == 0o644
    journal.finish()  # ended with a fault left: over, off the registry
    assert live_runs.live_runs() == [] and records() == []


def test_a_record_whose_run_is_gone_is_ignored_and_removed(state, sleeper, tmp_path):
    dead = journal_of(owned_by(sleeper, HERE, "/results/killed"), "cut-a")
    reused = owned_by(sleeper, THERE, "/results/reused")
    live_runs.register("reused.json", {**reused, "process_start": reused["process_start"] + 1})
    (live_runs.FOLDER / "junk.json").write_text("{not json")
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (live_runs.FOLDER / "link.json").symlink_to(outside)
    os.mkfifo(live_runs.FOLDER / "fifo.json")  # nobody writes to it: reading must not wait
    alive = journal_of({**this_run(Path("/results/alive"), "s", stack(THERE), ["f"])})
    assert records() == sorted([dead.path.name, "reused.json", "junk.json", "link.json",
                                "fifo.json", alive.path.name])
    assert sorted(o["run_dir"] for o in live_runs.live_runs()) == ["/results/alive",
                                                                    "/results/killed"]
    assert records() == sorted([dead.path.name, alive.path.name])
    assert outside.read_text() == "{}"  # a symlink's target is never read or removed
    sleeper.kill()  # kill -9: nothing unregisters it
    sleeper.wait()
    assert [o["run_dir"] for o in live_runs.live_runs()] == ["/results/alive"]
    assert records() == [alive.path.name]


def test_the_registry_is_a_real_folder_it_can_trust(state, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    live_runs.FOLDER.symlink_to(elsewhere)
    with pytest.raises(InfrastructureMissing, match=f"{live_runs.FOLDER}: .*must be a folder"):
        live_runs.live_runs()
    live_runs.FOLDER.unlink()
    live_runs.FOLDER.mkdir(mode=0o700)  # ours, as a umask of 077 leaves it: opened up
    assert live_runs.live_runs() == []
    assert stat.S_IMODE(live_runs.FOLDER.stat().st_mode) == 0o1777


BY_HAND = """\
name: by-hand
timeline: {start: 0s, end: 1m}
audience: {viewers: [{at: 0s, viewers: 1}]}
faults:
  - {name: cut-a, kind: cut, target: edge-origin-a, at: 10s, for: 10s}
faults_by_hand:
  - {name: api-down, recover_within: 1m}
slos:
  - {metric: rebuffering_ratio, max: 1%, phase: "recovery:api-down"}
  - {metric: rebuffering_ratio, max: 1%, phase: "during:api-down"}
"""


def test_slos_name_a_declared_fault_by_hand_and_its_name_is_unique(tmp_path):
    from harness.spec.errors import InvalidInput
    from harness.scenario import FaultByHand, loads

    loaded = loads(BY_HAND, tmp_path / "s.yaml")
    assert loaded.faults_by_hand == (FaultByHand("api-down", 60.0),)
    assert loads(yaml_of(loaded), tmp_path / "s.yaml") == loaded  # written out and read back
    with pytest.raises(InvalidInput, match=r":8: faults_by_hand\[1\].name: another fault is "
                                           r"already named 'cut-a'"):
        loads(BY_HAND.replace("  - {name: api-down, recover_within: 1m}\n",
                              "  - {name: api-down, recover_within: 1m}\n  - {name: cut-a}\n"),
              tmp_path / "s.yaml")


def yaml_of(loaded) -> str:
    import yaml

    return yaml.safe_dump(loaded.to_dict(), sort_keys=False)
