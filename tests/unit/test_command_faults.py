"""Command faults: the targets file's commands (their format and its errors),
a scenario's command faults checked against them, and the driver running real
commands: exit codes and last lines, timeouts that kill the process group, a
failed inject, and a revert `harness reset` finds in the journal."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import gevent
import pytest

from harness.platforms import commands
from harness import scenario
from harness.spec.errors import HarnessError, InfrastructureMissing, InvalidInput
from harness.run.chaos import expand
from harness.faults.journal import Journal
from harness.faults.registry import KINDS, driver
from harness.faults.reset import Reset
from harness.run.fault_timeline import FaultTimeline
from harness.platforms.registry import stack_of
from harness.platforms.stack import Stack
from harness.scenario import Fault, loads
from harness.judge.summary import fault_output_lines
from harness.platforms.targets import load_targets
from tests.cli import assert_one_line_error, harness
from tests.unit.test_scenario import MINIMAL, write

PY = sys.executable
# A target whose inject and revert write what they were given to files, and
# whose check asks whether the "down" file is there.
TARGETS = f"""\
edge: http://127.0.0.1:9
commands:
  api:
    inject: [{PY}, -c, "open('down', 'w').write('{{target}} {{fault}} {{replicas}}'); print('stopped {{target}}')"]
    revert: [{PY}, -c, "import os; os.path.exists('down') and os.remove('down'); print('started {{target}}')"]
    check: [{PY}, -c, "import os, sys; sys.exit(os.path.exists('down'))"]
    env: {{KICKOFF_TEST: "yes"}}
    timeout: 20s
  db:
    inject: [{PY}, -c, "print('db down')"]
    revert: [{PY}, -c, "print('db up')"]
"""


def targets_problem(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text, "targets.yaml")
    with pytest.raises(InvalidInput) as error:
        load_targets(path)
    lines = str(error.value).splitlines()
    assert len(lines) == 1, lines
    return lines[0].removeprefix(str(path))


def scenario_problems(tmp_path: Path, faults: str,
                      targets: str = TARGETS + "components: [web]\n") -> list[str]:
    write(tmp_path, targets, "targets.yaml")
    path = write(tmp_path, MINIMAL + "platform: external\ntargets: targets.yaml\nfaults:\n"
                 + faults, "s.yaml")
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    return [line.removeprefix(str(path)) for line in str(error.value).splitlines()]


def test_a_targets_files_commands_make_a_command_context_and_components(tmp_path):
    stack = stack_of("external", write(tmp_path, TARGETS + "components: [web]\n",
                                       "targets.yaml"))
    assert [c.name for c in stack.components] == ["web", "api", "db"]
    assert stack.drivers == ("command",)
    api = stack.contexts["command"]["targets"]["api"]
    assert api["timeout"] == 20 and api["env"] == {"KICKOFF_TEST": "yes"}
    assert api["cwd"] == str(tmp_path.absolute())  # default: the targets file's folder
    assert stack.contexts["command"]["targets"]["db"]["timeout"] == commands.DEFAULT_TIMEOUT


@pytest.mark.parametrize("entry, expected", [
    ("api: {inject: [x]}", ":2: commands.api.revert: is required but missing"),
    ("api: {inject: x, revert: [y]}", ":2: commands.api.inject: 'x' is not a list"),
    ("api: {inject: [], revert: [y]}",
     ":2: commands.api.inject: lists 0 entries; it needs at least 1"),
    ("api: {inject: ['{target'], revert: [y]}",
     ":2: commands.api.inject[0]: a lone '{' at character 1 (write {{ for a literal brace)"),
    ("api: {inject: [x], revert: [y], check: [x, '{replicas}']}",
     ":2: commands.api.check[1]: {replicas} has no value here: a check runs outside any fault "
     "and may use only {target}"),
    ("api: {inject: [x], revert: [y], cwd: nowhere}",
     ":2: commands.api.cwd: no folder 'nowhere' (a relative path is read from the targets "
     "file's folder)"),
    ("api: {inject: [x], revert: [y], timeout: 11m}",
     ":2: commands.api.timeout: 660s is longer than 10m"),
    ("api: {inject: [x], revert: [y], env: {A-B: 1}}",
     ":2: commands.api.env.A-B: 'A-B' is not an environment variable's name (letters, "
     "digits, _)"),
    ("api: {inject: [x], revert: [y], shell: true}",
     ":2: commands.api.shell: unknown key (choose from inject, revert, check, env, cwd, "
     "timeout)"),
])
def test_a_wrong_command_is_one_line_naming_file_line_and_field(tmp_path, entry, expected):
    assert targets_problem(tmp_path, f"commands:\n  {entry}\n") == expected


def test_the_commands_key_gets_a_did_you_mean(tmp_path):
    assert targets_problem(tmp_path, "edge: http://127.0.0.1:9\ncommand: {}\n") == (
        ":2: command: unknown key (did you mean 'commands'?)")


def test_a_scenario_gives_only_target_and_values(tmp_path):
    write(tmp_path, TARGETS, "targets.yaml")
    path = write(tmp_path, MINIMAL + "platform: external\ntargets: targets.yaml\nfaults:\n"
                 "  - {name: down, kind: command, target: api, at: 0s, for: 30s, "
                 "params: {replicas: 0}}\n"
                 "  - {name: db-down, kind: command, target: db, at: 1m}\n", "s.yaml")
    loaded = scenario.load(path)
    assert [(f.kind, f.target, f.params) for f in loaded.faults] == [
        ("command", "api", {"replicas": 0}), ("command", "db", {})]


@pytest.mark.parametrize("line, expected", [
    ("{name: f, kind: command, target: web, at: 0s}",
     [":9: faults[0].target: the targets file gives no commands for 'web' (it gives commands "
      "for api, db)"]),
    ("{name: f, kind: command, target: apo, at: 0s, params: {replicas: 0}}",
     [":9: faults[0].target: the stack has no component named 'apo' (did you mean 'api'?)"]),
    ("{name: f, kind: command, target: api, at: 0s}",
     [":9: faults[0].params: the commands for api use {replicas}: give it in params"]),
    ("{name: f, kind: command, target: api, at: 0s, params: {replica: 0}}",
     [":9: faults[0].params.replica: the commands for api do not use {replica} (did you "
      "mean 'replicas'?)",
      ":9: faults[0].params: the commands for api use {replicas}: give it in params"]),
    ("{name: f, kind: command, target: db, at: 0s, params: {target: x}}",
     [":9: faults[0].params.target: {target} is the fault's own; a param cannot be named so"]),
    ("{name: f, kind: command, target: api, at: 0s, params: {replicas: [1]}}",
     [":9: faults[0].params.replicas: a list is not text or a number"]),
])
def test_a_command_fault_is_checked_against_the_targets_files_commands(tmp_path, line,
                                                                      expected):
    assert scenario_problems(tmp_path, f"  - {line}\n") == expected


def test_a_command_fault_needs_a_targets_file_with_commands(tmp_path):
    path = write(tmp_path, MINIMAL + "platform: local\nfaults:\n"
                 "  - {name: f, kind: command, target: edge, at: 0s}\n", "s.yaml")
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    assert str(error.value).removeprefix(str(path)) == (
        ":8: faults[0].kind: command is a command fault, which platform local cannot carry "
        "out (it needs platform external with commands: in its targets file)")


def test_random_mode_picks_only_command_targets_that_need_no_values(tmp_path):
    write(tmp_path, TARGETS + "components: [web]\n", "targets.yaml")
    path = write(tmp_path, MINIMAL + "platform: external\ntargets: targets.yaml\nfaults:\n"
                 "  - {name: m, kind: random, target: any, at: -1m, "
                 "params: {every: 10s, kinds: [command]}}\n", "s.yaml")
    picks = expand(scenario.load(path), stack_of("external", tmp_path / "targets.yaml"))
    assert picks and {(f.kind, f.target) for f in picks} == {("command", "db")}


def test_a_command_ends_with_its_exit_code_and_last_lines(tmp_path):
    outcome = commands.run({"argv": [PY, "-c", "import os; [print(i) for i in range(9)]; "
                                               "print(os.environ['K'], os.getcwd()); exit(3)"],
                            "env": {"K": "v"}, "cwd": str(tmp_path), "timeout": 10})
    assert outcome.exit_code == 3 and not outcome.ok
    assert outcome.last_lines == ("7", "8", f"v {tmp_path}")
    assert outcome.describe() == f"exit 3: v {tmp_path}"


def _sleeper(tmp_path: Path, timeout: float) -> dict:
    """A command whose child sleeps on in its process group; the child's pid in child.pid."""
    return {"argv": ["sh", "-c", f"sleep 30 & echo $! > {tmp_path / 'child.pid'}; "
                                 f"echo waiting; wait"],
            "env": {}, "cwd": str(tmp_path), "timeout": timeout}


def _gone(pid: int, within: float = 5.0) -> bool:
    """Whether the process is gone (or a zombie) within `within` seconds: a signal
    is delivered, and a process ends, a moment after kill() returns."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_a_command_past_its_timeout_is_killed_with_its_process_group(tmp_path):
    started = time.monotonic()
    # 2 s: time for the shell to start and write, on a busy machine too
    outcome = commands.run(_sleeper(tmp_path, 2))
    assert time.monotonic() - started < 10
    assert outcome.exit_code is None and outcome.last_lines == ("waiting",)
    assert outcome.describe() == "timed out after 2s (killed): waiting"
    assert _gone(int((tmp_path / "child.pid").read_text()))  # the sleep went with it


def test_a_command_whose_run_is_stopped_is_killed_with_its_process_group(tmp_path):
    waiting = gevent.spawn(commands.run, _sleeper(tmp_path, 20))
    deadline = time.monotonic() + 10
    child = tmp_path / "child.pid"
    while not (child.exists() and child.read_text().strip()) and time.monotonic() < deadline:
        gevent.sleep(0.05)
    waiting.kill()  # as the fault timeline's stop() kills a fault's greenlet
    assert _gone(int(child.read_text()))


def test_a_program_that_is_not_there_is_said_so(tmp_path):
    outcome = commands.run({"argv": ["no-such-program-here"], "env": {}, "cwd": str(tmp_path),
                            "timeout": 5})
    assert outcome.describe() == "cannot run 'no-such-program-here': No such file or directory"


def _driver_and_fault(tmp_path: Path):
    stack = stack_of("external", write(tmp_path, TARGETS, "targets.yaml"))
    return driver(stack.contexts["command"]), stack


def test_the_driver_fills_in_runs_and_reverts_the_commands(tmp_path):
    command, _ = _driver_and_fault(tmp_path)
    kind = KINDS["command"]
    fault = Fault("api-down", "command", "api", 0.0, 10.0, {"replicas": 0}, 30.0)
    undo = command.plan(fault, kind, {"replicas": "0"})
    assert undo["revert"]["argv"][-1].startswith("import os")
    assert command.probes()["api"]() == "healthy" and set(command.probes()) == {"api"}
    said = command.apply(kind, {"replicas": "0"}, undo)
    assert said == {"command": "inject", "exit_code": 0, "last_lines": ["stopped api"]}
    assert (tmp_path / "down").read_text() == "api api-down 0"
    assert command.probes()["api"]() == "unhealthy: exit 1"
    assert command.revert(undo) == {"command": "revert", "exit_code": 0,
                                    "last_lines": ["started api"]}
    assert command.revert(undo)["exit_code"] == 0  # harmless again
    assert command.probes()["api"]() == "healthy"


def test_a_failed_command_raises_with_its_exit_code_and_last_line(tmp_path):
    command = driver({"driver": "command", "targets": {"api": {
        "inject": [PY, "-c", "print('no such deployment'); exit(1)"], "revert": ["true"],
        "env": {}, "cwd": str(tmp_path), "timeout": 5}}})
    undo = command.plan(Fault("f", "command", "api", 0.0, None, {}, 30.0), KINDS["command"], {})
    with pytest.raises(HarnessError, match=r"^the inject command for api failed: exit 1: "
                                           r"no such deployment$"):
        command.apply(KINDS["command"], {}, undo)


def test_the_driver_check_finds_a_missing_program(tmp_path):
    command = driver({"driver": "command", "targets": {"api": {
        "inject": ["kubectl-not-installed"], "revert": ["./revert.sh"], "env": {},
        "cwd": str(tmp_path), "timeout": 5}}})
    with pytest.raises(InfrastructureMissing, match="the inject command for api starts "
                                                    "'kubectl-not-installed', which is not here"):
        command.check()


def test_harness_reset_runs_a_journalled_revert(tmp_path):
    command, stack = _driver_and_fault(tmp_path)
    fault = Fault("api-down", "command", "api", 0.0, 10.0, {"replicas": 0}, 30.0)
    undo = command.plan(fault, KINDS["command"], {"replicas": "0"})
    journal = Journal(tmp_path / "state" / "runs" / "killed.json")
    journal.add("x:api-down:1", {"fault": "api-down", "kind": "command", "target": "api",
                                 "context": stack.contexts["command"], "undo": undo})
    command.apply(KINDS["command"], {"replicas": "0"}, undo)
    assert (tmp_path / "down").exists()
    found = Reset()
    found.journals([journal])  # (not the stacks: those of this machine are not the test's)
    assert found.done == ["reverted api-down (command on api) of an unnamed run"]
    assert found.failed == []
    assert not (tmp_path / "down").exists() and journal.entries() == {}


def test_a_revert_that_fails_stays_in_the_journal(tmp_path):
    context = {"driver": "command", "targets": {"api": {
        "inject": ["true"], "revert": [PY, "-c", "print('unreachable'); exit(255)"],
        "env": {}, "cwd": str(tmp_path), "timeout": 5}}}
    undo = driver(context).plan(Fault("f", "command", "api", 0.0, None, {}, 30.0),
                                KINDS["command"], {})
    journal = Journal(tmp_path / "state" / "runs" / "killed.json")
    journal.add("x:f:1", {"fault": "f", "kind": "command", "target": "api",
                          "context": context, "undo": undo})
    found = Reset()
    found.journals([journal])
    assert found.failed == ["could not revert f (command on api) of an unnamed run: the revert "
                            "command for api failed: exit 255: unreachable"]
    assert list(journal.entries()) == ["x:f:1"]


def test_the_console_shows_what_each_command_said():
    faults = [{"name": "api-down", "inject_output": {"exit_code": 0, "last_lines": ["a", "b"]},
               "revert_output": {"exit_code": 0, "last_lines": []}}, {"name": "cut"}]
    assert fault_output_lines(faults) == ["api-down inject: exit 0: b",
                                          "api-down revert: exit 0"]
    # another driver's words (a plugin's: harness/spec/plugins.py) as it gave them
    assert fault_output_lines([{"name": "noted", "inject_output": {"wrote": "api.down"}}]) == \
        ["noted inject: wrote=api.down"]


def _recipes() -> list[str]:
    docs = Path(__file__).parents[2] / "docs" / "faults.md"
    section = docs.read_text().split("\n## Command faults\n", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("```", 1)[0] for block in section.split("```yaml\n")[1:]]
    return [block for block in blocks if block.startswith(("commands:", "# targets.yaml"))]


def test_every_command_recipe_in_the_docs_is_a_valid_targets_file_and_scenario(tmp_path):
    recipes = _recipes()
    assert len(recipes) == 6
    for number, recipe in enumerate(recipes):
        folder = tmp_path / str(number)
        folder.mkdir()
        targets = write(folder, "edge: http://127.0.0.1:9\n" + recipe, "targets.yaml")
        assert load_targets(targets).commands
        written = recipe.split("# scenario: ", 1)[1].replace("\n#", "") if "# scenario: " in \
            recipe else None
        if written:
            path = write(folder, MINIMAL + "platform: external\ntargets: targets.yaml\n"
                         f"faults:\n  - {written}", "s.yaml")
            assert scenario.load(path).faults[0].kind == "command"


def _timeline(context: dict, fault: Fault, journal: Journal, events: list) -> FaultTimeline:
    scenario = loads("name: t\ntimeline: {start: 0s, end: 1m}\n"
                     "audience: {viewers: [{at: 0s, viewers: 1}]}\n", Path("t.yaml"))
    stack = Stack("test", None, None, (), (), {"command": context})
    return FaultTimeline(scenario, (fault,), lambda kind, _, **fields: events.append(
        (kind, fields)), stack, journal)


def _commands(tmp_path: Path, inject: str, revert: str) -> dict:
    return {"driver": "command", "targets": {"api": {
        "inject": [PY, "-c", inject], "revert": [PY, "-c", revert], "env": {},
        "cwd": str(tmp_path), "timeout": 10}}}


def test_a_failed_inject_fails_the_fault_and_its_revert_still_runs(tmp_path):
    journal, events = Journal(tmp_path / "journal.json"), []
    context = _commands(tmp_path, "print('half of it'); open('half', 'w'); exit(2)",
                        "import os; os.remove('half'); print('undone')")
    faults = _timeline(context, Fault("api-down", "command", "api", 0.0, 5.0, {}, 30.0),
                       journal, events)
    faults.start(time.perf_counter())
    gevent.joinall(faults._greenlets, timeout=20)
    assert [kind for kind, _ in events] == ["fault_scheduled", "fault_failed"]
    assert events[1][1]["error"] == "the inject command for api failed: exit 2: half of it"
    assert not (tmp_path / "half").exists() and journal.entries() == {}
    assert faults.stop() == []


def test_a_revert_that_fails_at_its_moment_is_loud_and_stays_journalled(tmp_path):
    journal, events = Journal(tmp_path / "journal.json"), []
    context = _commands(tmp_path, "print('down')", "print('host unreachable'); exit(255)")
    faults = _timeline(context, Fault("api-down", "command", "api", 0.0, 0.2, {}, 30.0),
                       journal, events)
    faults.start(time.perf_counter())
    gevent.joinall(faults._greenlets, timeout=20)
    assert [kind for kind, _ in events] == ["fault_scheduled", "fault_injected",
                                            "fault_revert_failed"]
    assert events[1][1]["output"] == {"command": "inject", "exit_code": 0,
                                      "last_lines": ["down"]}
    error = "the revert command for api failed: exit 255: host unreachable"
    assert events[2][1]["error"] == error
    assert faults.stop() == [f"api-down: {error}"]  # the run's end tried again
    assert [entry["fault"] for entry in journal.entries().values()] == ["api-down"]


def test_harness_validate_names_a_command_faults_problem_in_one_line_exit_2(tmp_path):
    write(tmp_path, TARGETS, "targets.yaml")
    path = write(tmp_path, MINIMAL + "platform: external\ntargets: targets.yaml\nfaults:\n"
                 "  - {name: f, kind: command, target: api, at: 0s}\n", "s.yaml")
    assert_one_line_error(harness("validate", str(path)), 2, f"{path}:9: faults[0].params: the "
                          f"commands for api use {{replicas}}: give it in params")
