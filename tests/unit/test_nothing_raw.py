"""Property: nothing a file holds reaches a terminal or a report raw. Keys and
values of scenario and targets files, and a run folder's outcome, reasons,
phase and scenario names, with control characters (NUL, CR, ESC, C1), bidi
and format characters (U+202E ...) and forged lines ("\\nerror: ...",
"\\nPASS — ..."), appear escaped in errors, the console tables, the headline,
report.html and junit.xml. Fixed seed, bounded examples; a few cases through
the `harness` command itself."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from harness import scenario
from harness.spec.errors import InvalidInput
from harness.report.results import write_results
from harness.spec.shown import escaped, kind, shown
from harness.judge.summary import console_tables
from tests.cli import harness
from tests.report import sample

# What must never reach an output raw (a newline only where kickoff puts one).
RAW = ("\x00\x01\x07\x08\x0b\x0c\r\x1b\x1c\x1e\x7f\x85\x9b\u061c\u200b\u200e\u200f\u202a\u202b"
       "\u202c\u202d\u202e\u2028\u2029\u2066\u2067\u2068\u2069\ufeff")
FORGED = ("\nPASS — every SLO held", "\nerror: other.yaml:1: name: forged", "\r\x1b[2KPASS")
BASE = {"name": "s", "timeline": {"start": "0s", "end": "10s"},
        "audience": {"viewers": [{"at": "0s", "viewers": 1}]}}
hostile = st.tuples(st.text(st.sampled_from(RAW + "\n\tab:- "), min_size=1, max_size=8),
                    st.sampled_from(("",) + FORGED)).map("".join)
PROPERTY = settings(derandomize=True, max_examples=60, deadline=None, database=None)


def assert_clean(text: str, *, lines_start: str | None = None) -> None:
    """No raw character in `text`, and no line of it forged."""
    assert not set(text) & set(RAW), repr(text)
    for line in text.rstrip("\n").split("\n"):
        assert not line.startswith(("PASS", "error: other.yaml")), repr(text)
        if lines_start is not None:
            assert line.startswith(lines_start), repr(text)


@PROPERTY
@given(hostile)
def test_escaped_leaves_one_visible_line_and_is_idempotent(value):
    shown_value = escaped(value)
    assert_clean(shown_value)
    assert "\n" not in shown_value and "\t" not in shown_value
    assert escaped(shown_value) == shown_value
    assert_clean(shown(value))
    assert len(shown(value)) <= 40


def _placed(where: str, value: str) -> dict:
    """BASE with `value` put where a person could write it."""
    data = json.loads(json.dumps(BASE))
    if where == "key":
        data[value] = 1
    elif where == "nested key":
        data["audience"][value] = 1
    elif where == "phase":
        data["timeline"]["phases"] = [{"name": value, "from": "0s"}]
    elif where == "fault":
        data["faults"] = [{"name": value, "kind": value, "target": value, "at": value}]
    elif where == "slo":
        data["slos"] = [{"metric": value, "max": 1, "phase": value}]
    elif where == "targets":
        data.update(platform="external", targets=value)
    else:
        data[where] = value
    return data


@PROPERTY
@given(st.sampled_from(("key", "nested key", "name", "platform", "phase", "fault", "slo",
                        "targets", "journey", "targets file key")), hostile)
def test_validation_errors_show_file_values_escaped_one_line_each(where, value):
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "s.yaml"
        data = _placed(where, value)
        if where == "targets file key":
            (Path(folder) / "t.yaml").write_text(yaml.safe_dump(
                {"edge": "http://127.0.0.1:9", value: 1}))
            data = _placed("targets", "t.yaml")
        try:
            scenario.loads(yaml.safe_dump(data), source)
        except InvalidInput as error:
            assert_clean(str(error), lines_start=folder)
            event("refused")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    return sample.recorded_run(tmp_path_factory.mktemp("raw") / "run")


def _damaged(recorded: Path, folder: Path, value: str) -> Path:
    """The sample run with `value` as its outcome, a start failure's and a failed
    request's reason, its first phase's name and its scenario's name."""
    run_dir = folder / "run"
    shutil.copytree(recorded, run_dir)
    as_json = json.dumps(value)
    for name in ("windows.jsonl", "events.jsonl"):
        path = run_dir / name
        path.write_text(path.read_text().replace('"pre-match"', as_json)
                        .replace('"outcome": "completed"', f'"outcome": {as_json}')
                        .replace('"start_failure_reasons":{}', f'"start_failure_reasons":'
                                 f'{{{as_json}:1}}', 1)
                        .replace('"errors":{}', f'"errors":{{{as_json}:1}}', 1))
    scenario_yaml = yaml.safe_load((run_dir / "scenario.yaml").read_text())
    (run_dir / "scenario.yaml").write_text(yaml.safe_dump({**scenario_yaml, "name": value}))
    return run_dir


@settings(PROPERTY, max_examples=20)  # a run folder judged and reported each: the slow part
@given(hostile)
def test_a_run_folders_texts_reach_tables_headline_html_and_junit_escaped(recorded, value):
    with tempfile.TemporaryDirectory() as folder:
        run_dir = _damaged(recorded, Path(folder), value)
        try:
            summary = write_results(run_dir)
        except InvalidInput as refused:
            assert_clean(str(refused))
            event("refused")
            return
        event("reported")
        assert_clean(console_tables(summary))
        assert_clean(summary["verdict"]["headline"])
        for name in ("report.html", "junit.xml"):
            assert_clean((run_dir / name).read_text())


def test_harness_report_prints_no_forged_headline_or_raw_character(recorded, tmp_path):
    run_dir = _damaged(recorded, tmp_path, "x\x1b[2J\u202e\nPASS — every SLO held")
    result = harness("report", str(run_dir))
    assert result.returncode == 1, result.stderr
    assert_clean(result.stdout + result.stderr)
    assert "the run did not complete (x\\x1b[2J\\u202e\\nPASS — every SLO held)" in result.stdout


def test_harness_validate_prints_a_forged_key_as_one_escaped_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_placed("key", "k\nerror: other.yaml:1: name: forged\x1b]0;")))
    result = harness("validate", str(path))
    assert result.returncode == 2
    assert_clean(result.stderr, lines_start=f"error: {path}:")
    assert "unknown key" in result.stderr and "k\\nerror: other.yaml:1" in result.stderr


@pytest.mark.parametrize(("content", "told"), [
    ("SECRET_KEY=abcdefghijklmnopqrstuvwxyz0123456789\n", "a string of 47 characters"),
    ("- root:x:0:0:root:/root:/bin/bash\n", "a YAML list"),
    ("1234\n", "a YAML int")])
def test_a_run_folders_scenario_that_is_not_a_mapping_is_told_by_kind_never_quoted(
        recorded, tmp_path, content, told):
    run_dir = tmp_path / "run"
    shutil.copytree(recorded, run_dir)
    (run_dir / "scenario.yaml").write_text(content)
    with pytest.raises(InvalidInput) as refused:
        write_results(run_dir)
    told_after_the_name = str(refused.value).replace(str(run_dir), "")  # its path holds digits
    assert f"the file is {told}, not a mapping" in told_after_the_name
    assert content.strip()[2:12] not in told_after_the_name
    assert kind(yaml.safe_load(content)) == told


def test_a_damaged_line_quoting_a_forged_key_stays_one_escaped_line(recorded, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(recorded, run_dir)
    windows = run_dir / "windows.jsonl"
    forged = json.dumps("k\nerror: other.yaml:1: name: forged\u202e")
    windows.write_text(windows.read_text().replace('"window":{', f'"window":{{{forged}:0,', 1))
    with pytest.raises(InvalidInput) as refused:
        write_results(run_dir)
    assert_clean(str(refused.value), lines_start=f"{windows}:1: ")
    assert "k\\nerror: other.yaml:1: name: forged\\u202e" in str(refused.value)
