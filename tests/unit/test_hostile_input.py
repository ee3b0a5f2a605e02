"""Hostile input (issue 12, items 1-7 and 13): every reproducer is one
`FILE:LINE: problem` line and exit 2, never a traceback, a hang or a leak of
another file's content. Time bounds here are loose guards against a hang;
speed targets belong in benchmarks/."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from harness.cli import main as cli
from harness import scenario
from harness.spec.document import read_text
from harness.spec.errors import InvalidInput
from harness.spec.paths import SCENARIOS_DIR
from harness.spec.safe_files import read_regular
from tests.cli import assert_one_line_error, harness

# A valid name, timeline and audience: lines 1 to 3; the case under test follows on line 4.
VALID = "name: t\ntimeline: {start: 0s, end: 1m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n"
HUGE_HEX = "0x" + "f" * 300
ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]\n" for level in range(1, 9))
SMOKE = str(SCENARIOS_DIR / "smoke.yaml")


def refused(path: Path) -> str:
    """The one-line problem `load` reports for the file, without its path in front."""
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    found = str(error.value).splitlines()
    assert len(found) == 1, found
    assert found[0].startswith(str(path)), found[0]
    return found[0].removeprefix(str(path))


def written(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "s.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize("text, expected", [
    # 1: control characters, reported with their line
    (b"name: x\x01\n" + VALID[8:].encode(), ":1: cannot read: control character U+0001"),
    (VALID.encode() + b"seed: 1\x00\n", ":4: cannot read: control character U+0000"),
    (VALID.encode() + b"description: \xff\n", ":4: cannot read: not UTF-8 text"),
    # 2: PyYAML constructors raising other errors than YAML's
    (VALID + "seed: " + "9" * 5000 + "\n", ":4: YAML syntax error: not a valid !!int value"),
    (VALID + "seed: !!int abc\n", ":4: YAML syntax error: not a valid !!int value"),
    (VALID + "time_scale: !!float xyz\n", ":4: YAML syntax error: not a valid !!float value"),
    (VALID + "seed: !!bool maybe\n", ":4: YAML syntax error: not a valid !!bool value"),
    (VALID + "description: !!timestamp nope\n",
     ":4: YAML syntax error: not a valid !!timestamp value"),
    (VALID + "seed: !!int\n", ":4: YAML syntax error: not a valid !!int value"),
    # 3: integers too large for a float, and for a message
    (VALID + f"seed: {HUGE_HEX}\n", ":4: seed: a number of about 362 digits is too large"),
    (VALID + f"time_scale: {HUGE_HEX}\n",
     ":4: time_scale: a number of about 362 digits is too large"),
    (VALID + f"slos: [{{metric: error_ratio, max: {HUGE_HEX}}}]\n",
     ":4: slos[0].max: a number of about 362 digits is not a threshold"),
    ("name: t\ntimeline: {start: " + HUGE_HEX + ", end: 1m}\n"
     "audience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.start: a number of about 362 digits is not a time offset"),
    ("name: 0x" + "a" * 3600 + "\n" + VALID[8:],
     ":1: name: a number of about 4335 digits is not text"),
    # 4: huge but finite, and absurd values
    ("name: t\ntimeline: {start: 1.0e+300, end: 3m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.start: 1e+300 is more than 7 days (168h) from kickoff"),
    ("name: t\ntimeline: {start: 0s, end: 1" + "0" * 400 + "h}\n"
     "audience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.end: '1" + "0" * 35 + "... is not a time offset"),
    ("name: t\ntimeline: {start: 0s, end: 200h}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.end: '200h' is more than 7 days (168h) from kickoff"),
    (VALID + "time_scale: 5.0e-324\n", ":4: time_scale: 5e-324 must be >= 0.01"),
    (VALID + "time_scale: 20000\n", ":4: time_scale: 20000 must be <= 10000"),
    ("name: t\ntimeline: {start: 0s, end: 1m}\n"
     "audience: {scale: 10, viewers: [{at: 0s, viewers: 1.0e+308}]}\n",
     ":3: audience.viewers[0].viewers: 1e+308 must be <= 10,000,000"),
    ("name: t\ntimeline: {start: 0s, end: 1m}\naudience: {viewers: [{at: 0s, viewers: 1"
     + "0" * 30 + "}]}\n",
     ":3: audience.viewers[0].viewers: 1000000000000000000000000000000 must be <= 10,000,000"),
    ("name: t\ntimeline: {start: 0s, end: 1m}\n"
     "audience: {scale: 1000, viewers: [{at: 0s, viewers: 20000}]}\n",
     ":3: audience.scale: makes a peak of 20,000,000 viewers; at most 10,000,000 can be run"),
    ("name: t\ntimeline: {start: 0s, end: ５m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.end: '５m' is not a time offset"),
    ("name: t\ntimeline: {start: 0s, end: 190:20:30}\n"
     "audience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.end: '190:20:30' is not a time offset"),
    ("name: " + "a" * 300 + "\n" + VALID[8:],
     ":1: name: is 300 characters long; it may have at most 100"),
    # 5: a merge key bringing in a key that is not a plain value
    (VALID + "slos: [{<<: &m {? [1, 2] : 3}}]\n",
     ":4: YAML syntax error: a key must be a plain value, not a list or mapping"),
    # 6: resources: an alias bomb, deep nesting, an alias inside itself
    (ALIAS_BOMB, ":6: YAML syntax error: expands to more than 200,000 values"),
    (VALID + "seed: " + "[" * 100_000 + "\n", ":4: YAML syntax error: nested more than 50 levels"),
    (VALID + "slos: &s [*s]\n", ":4: YAML syntax error: an alias refers to itself"),
])
def test_a_hostile_file_is_one_line_with_its_line(tmp_path, text, expected):
    started = time.monotonic()
    assert refused(written(tmp_path, text)).startswith(expected)
    assert time.monotonic() - started < 10


def test_yaml_1_1_dates_and_base_60_numbers_stay_text(tmp_path):
    loaded = scenario.load(written(tmp_path, VALID + "description: 2024-13-45\n"))
    assert loaded.description == "2024-13-45"
    loaded = scenario.load(written(tmp_path, VALID + "description: 190:20:30\n"))
    assert loaded.description == "190:20:30"


def test_a_50_mb_file_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "s.yaml"
    with path.open("w") as file:
        file.write(VALID + "audience:\n  viewers:\n")
        file.write("    - {at: 0s, viewers: 1}\n" * 1_900_000)  # about 50 MB
    started = time.monotonic()
    assert refused(path) == ": cannot read: larger than 2 MB"
    assert time.monotonic() - started < 10


def test_a_named_pipe_or_folder_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    assert refused(pipe) == ": cannot read: not a regular file"  # opening it would block
    assert refused(tmp_path) == ": cannot read: not a regular file"


@pytest.mark.parametrize("text, words", [
    (b"name: x\x01\n" + VALID[8:].encode(), (":1:", "control character U+0001")),
    (VALID + "seed: !!int abc\n", (":4:", "not a valid !!int value")),
    (VALID + f"seed: {HUGE_HEX}\n", (":4:", "seed:", "too large")),
    (ALIAS_BOMB, (":6:", "expands to more than")),
    (VALID + "slos: [{<<: &m {? [1, 2] : 3}}]\n", (":4:", "a key must be a plain value")),
    ("name: t\ntimeline: {start: 1.0e+300, end: 3m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n",
     (":2:", "more than 7 days")),
])
def test_harness_validate_reports_a_hostile_file_in_one_line(tmp_path, text, words):
    path = written(tmp_path, text)
    assert_one_line_error(harness("validate", str(path), timeout=30), 2, str(path), *words)


def test_a_scenario_may_be_a_symbolic_link_where_a_run_folders_file_may_not(tmp_path):
    (tmp_path / "real.yaml").write_text(VALID)
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_text(tmp_path / "link.yaml") == VALID
    with pytest.raises(InvalidInput, match="link.yaml: a symbolic link, not a regular file"):
        read_regular(tmp_path / "link.yaml", 1_000_000)


def test_harness_validate_refuses_a_named_pipe_without_blocking(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    assert_one_line_error(harness("validate", str(pipe), timeout=30), 2, str(pipe),
                          "not a regular file")


def _secret_files(tmp_path: Path) -> list[Path]:
    """Files that are not targets files, with content that must never be shown."""
    texts = {"mapping.yaml": "password: hunter2-secret\n",
             "mixed.yaml": "edge: http://127.0.0.1:8080\ntoken_hunter2: hunter2-secret\n",
             "broken.yaml": "edge: [unclosed 'hunter2-secret\n",
             "text.yaml": "hunter2-secret\n"}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    return [Path("/etc/passwd"), Path("/etc/shadow"), *(tmp_path / name for name in texts)]


def test_a_file_that_is_not_a_targets_file_is_never_quoted(tmp_path):
    for path in _secret_files(tmp_path):
        if not os.access(path, os.R_OK):
            continue  # /etc/shadow when not run as root: nothing to leak
        content = path.read_text()
        result = harness("validate", SMOKE, "--platform", "external", "--targets", str(path))
        assert_one_line_error(result, 2, f"{path}")
        assert ("not a targets file" in result.stderr
                or "YAML syntax error: not shown, as it may quote the file" in result.stderr)
        # What is left once the path and the fixed list of targets keys are taken out.
        message = result.stderr.replace(str(path), "").split("(its keys are")[0]
        fragments = {part for line in content.splitlines()
                     for part in line.replace(":", " ").replace("'", " ").split() if len(part) >= 4}
        assert not [part for part in fragments if part in message], message


def test_a_targets_file_with_its_own_keys_still_gets_hints(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("edge: http://127.0.0.1:8080\ncomponent: [edge]\n")
    result = harness("validate", SMOKE, "--platform", "external", "--targets", str(path))
    assert_one_line_error(result, 2, f"{path}:2: component: unknown key",
                          "did you mean 'components'?")


def test_option_mistakes_name_the_option(tmp_path):
    result = harness("validate", SMOKE, "--targets", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    run = ("run", "--results-dir", str(tmp_path / "r"), SMOKE)
    assert_one_line_error(harness(*run, "--time-scale", "0"), 2, "--time-scale:", ">= 0.01")
    assert_one_line_error(harness(*run, "--time-scale", "1e9"), 2, "--time-scale:", "<= 10000")
    assert "smoke.yaml" not in harness(*run, "--time-scale", "0").stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("text, seconds", [("5", 5.0), ("2.5", 2.5), ("90s", 90.0),
                                           ("1h30m", 5400.0)])
def test_duration_takes_plain_seconds_as_files_do(text, seconds):
    parsed = cli.parser().parse_args(["run", SMOKE, "--duration", text])
    assert parsed.duration == seconds


@pytest.mark.parametrize("text", ["0", "-5", "５", "1e400", "200h", "soon"])
def test_a_duration_that_is_none_is_refused(text):
    with pytest.raises(SystemExit) as exit_:
        cli.parser().parse_args(["run", SMOKE, "--duration", text])
    assert exit_.value.code == 2


@pytest.mark.parametrize("text", ["inf", "nan", "1e400", "-0.1", "lots"])
def test_a_tolerance_that_is_no_share_is_refused(text):
    with pytest.raises(SystemExit) as exit_:
        cli.parser().parse_args(["run", SMOKE, "--tolerance", text])
    assert exit_.value.code == 2


def test_a_scenario_that_is_some_other_file_is_never_quoted(tmp_path):
    for path in _secret_files(tmp_path):
        if not os.access(path, os.R_OK):
            continue  # /etc/shadow when not run as root: nothing to leak
        content = path.read_text()
        result = harness("validate", str(path))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        message = result.stderr.replace(str(path), "").split("(its keys include")[0]
        fragments = {part for line in content.splitlines()
                     for part in line.replace(":", " ").replace("'", " ").split() if len(part) >= 4}
        assert not [part for part in fragments if part in message], message
