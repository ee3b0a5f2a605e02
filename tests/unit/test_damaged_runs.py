"""Damaged run folders (issue 12, items 8 and 9): `harness report` refuses a
damaged line with FILE:LINE (exit 2), drops only a torn last line and then
fails the verdict as incomplete, never passes on lost data; `harness compare`
refuses a damaged summary with FILE: problem. The run folder is the report
tests' sample (tests/report/sample.py), which passes when undamaged."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from harness.spec.errors import InvalidInput
from harness.runfolder.manifest import MANIFEST, NO_MANIFEST
from harness.judge.recorded_scenario import read_scenario
from harness.judge.regression import slo_rows
from harness.report.results import write_results
from tests.cli import assert_one_line_error, harness
from tests.report import sample

Edit = Callable[[Path], None]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The sample's recorded files, never written to by a test."""
    return sample.recorded_run(tmp_path_factory.mktemp("recorded") / "run")


@pytest.fixture(scope="module")
def judged(tmp_path_factory, recorded) -> Path:
    """A copy of it with its results: a summary.json that passes."""
    run_dir = tmp_path_factory.mktemp("judged") / "run"
    shutil.copytree(recorded, run_dir)
    assert write_results(run_dir)["verdict"]["result"] == "pass"
    return run_dir


def damaged(source: Path, tmp_path: Path, edit: Edit) -> Path:
    run_dir = tmp_path / "run"
    shutil.copytree(source, run_dir)
    edit(run_dir)
    return run_dir


def lines(name: str, change: Callable[[list[bytes]], None]) -> Edit:
    """An edit of one file's lines (the last item: b"" after the final newline)."""
    def edit(run_dir: Path) -> None:
        found = (run_dir / name).read_bytes().split(b"\n")
        change(found)
        (run_dir / name).write_bytes(b"\n".join(found))
    return edit


def put(name: str, content: str | bytes) -> Edit:
    def edit(run_dir: Path) -> None:
        data = content.encode() if isinstance(content, str) else content
        (run_dir / name).write_bytes(data)
    return edit


def window_field(line: int, field: str, value: object) -> Edit:
    """windows.jsonl's line `line` (1-based) with one field of its second set."""
    def change(found: list[bytes]) -> None:
        record = json.loads(found[line - 1])
        record[field] = value
        found[line - 1] = json.dumps(record).encode()
    return lines("windows.jsonl", change)


def test_the_sample_passes_through_the_command(recorded, tmp_path):
    result = harness("report", str(damaged(recorded, tmp_path, lambda _: None)), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout


def test_a_garbage_line_in_the_middle_is_refused_not_a_pass(recorded, tmp_path):
    # Before: the 50 seconds before it were kept, the 69 after it dropped, PASS, exit 0.
    run_dir = damaged(recorded, tmp_path, lines("windows.jsonl",
                                                lambda found: found.insert(50, b"garbage")))
    result = harness("report", str(run_dir), timeout=60)
    assert_one_line_error(result, 2, "windows.jsonl:51:", "not JSON")
    assert "PASS" not in result.stdout
    assert not (run_dir / "summary.json").exists()


@pytest.mark.parametrize(("edit", "words"), [
    (lines("windows.jsonl", lambda found: found.insert(3, b"null")),
     ("windows.jsonl:4:", "null is not an object")),
    (lines("windows.jsonl", lambda found: found.insert(7, b"\xff\xfe{}")),
     ("windows.jsonl:8:", "not UTF-8")),
    (window_field(12, "viewers", None), ("windows.jsonl:12:", "viewers: null")),
    (lines("events.jsonl", lambda found: found.insert(1, b'{"epoch": 1780000000.0}')),
     ("events.jsonl:2:", "kind: missing")),
    (put("scenario.yaml", ""), ("scenario.yaml:", "empty")),
], ids=["null-line", "invalid-utf8", "viewers-null", "event-without-kind", "empty-scenario"])
def test_report_refuses_damage_with_one_line(recorded, tmp_path, edit, words):
    assert_one_line_error(harness("report", str(damaged(recorded, tmp_path, edit)), timeout=60),
                          2, *words)


def _huge_epoch(found: list[bytes]) -> None:
    found.insert(2, json.dumps({"epoch": 1e300, "kind": "phase", "phase": "x"}).encode())


def _unknown_metric(run_dir: Path) -> None:
    scenario = yaml.safe_load((run_dir / "scenario.yaml").read_text())
    scenario["slos"].append({"metric": "goals_per_minute", "max": 1})
    (run_dir / "scenario.yaml").write_text(yaml.safe_dump(scenario))


def _requests_field(name: str, value: object) -> Callable[[list[bytes]], None]:
    def change(found: list[bytes]) -> None:
        record = json.loads(found[20])
        next(iter(record["window"]["requests"].values()))[name] = value
        found[20] = json.dumps(record).encode()
    return change


def _requests_group(name: str) -> Callable[[list[bytes]], None]:
    def change(found: list[bytes]) -> None:
        record = json.loads(found[20])
        requests = record["window"]["requests"]
        requests[name] = requests.popitem()[1]
        found[20] = json.dumps(record).encode()
    return change


def _window_of(index: int, name: str, value: object) -> Callable[[list[bytes]], None]:
    def change(found: list[bytes]) -> None:
        record = json.loads(found[index])
        record["window"][name] = value
        found[index] = json.dumps(record).encode()
    return change


def _scheduled_fault(budget: float) -> Callable[[list[bytes]], None]:
    def change(found: list[bytes]) -> None:
        found.insert(-1, json.dumps({
            "epoch": sample.START_EPOCH, "kind": "fault_scheduled", "fault": "f",
            "fault_kind": "process-kill", "target": "origin-a", "match_s": 0.0,
            "self_healing": False, "recovery_budget_s": budget}).encode())
    return change


@pytest.mark.parametrize(("edit", "words"), [
    (lines("windows.jsonl", lambda found: found.insert(9, b"[]")),
     ("windows.jsonl:10:", "a list is not an object")),
    (lines("windows.jsonl", lambda found: found.insert(9, b"[" * 100_000)),
     ("windows.jsonl:10:", "nested too deeply")),
    (window_field(5, "epoch", 1e300), ("windows.jsonl:5:", "epoch")),
    (window_field(5, "match_s", "kickoff"), ("windows.jsonl:5:", "match_s")),
    (lines("windows.jsonl", _requests_field("count", -3)), ("windows.jsonl:21:", "count: -3")),
    (lines("windows.jsonl", _requests_field("latency", {"x": 1})),
     ("windows.jsonl:21:", "not a bucket")),
    (lines("windows.jsonl", lambda found: found.insert(40, found[40])),
     ("windows.jsonl:42:", "missing or repeated")),
    (lines("windows.jsonl", lambda found: found.pop(40)),
     ("windows.jsonl:41:", "missing or repeated")),
    (lines("events.jsonl", _huge_epoch), ("events.jsonl:3:", "epoch: 1e+300")),
    (lines("events.jsonl", lambda found: found.insert(1, b'{"kind": "fault_injected", '
                                                        b'"epoch": 1, "fault": "x", '
                                                        b'"second": 1, "match_s": 0, '
                                                        b'"delay_ms": 1}')),
     ("events.jsonl:2:", "before its fault_scheduled")),
    (put("scenario.yaml", "name: [unclosed\n"), ("scenario.yaml:2:", "YAML syntax error")),
    (put("scenario.yaml", "- a list\n"),
     ("scenario.yaml:", "the file is a YAML list, not a mapping")),
    (put("scenario.yaml", b"name: \xff\n"), ("scenario.yaml:", "not UTF-8")),
    (put("scenario.yaml", "seed: !!int abc\n"), ("scenario.yaml:1:", "YAML syntax error")),
    (_unknown_metric, ("scenario.yaml:", "slos[2].metric", "'goals_per_minute' is not a metric")),
    (lines("windows.jsonl", _requests_group("no such group")),
     ("windows.jsonl:21:", "'no such group' is not a request group name")),
    (lines("windows.jsonl", _requests_field("latency", {"999": 1, "2000": 1})),
     ("windows.jsonl:21:", "bucket '2000' is not a bucket number")),
    (lines("windows.jsonl", _window_of(30, "played_s", 1e308)),
     ("windows.jsonl:31:", "window.played_s: 1e+308")),
    (lines("events.jsonl", _scheduled_fault(1e300)),
     ("events.jsonl:", "recovery_budget_s: 1e+300")),
], ids=["list-line", "deep-line", "huge-epoch", "string-match-s", "negative-count",
        "bad-bucket", "repeated-line", "lost-line", "event-huge-epoch", "fault-order",
        "invalid-yaml", "scenario-not-mapping", "scenario-not-utf8", "yaml-constructor",
        "unknown-metric", "bad-group-name", "bucket-out-of-range", "huge-played-s",
        "huge-recovery-budget"])
def test_write_results_refuses_damage(recorded, tmp_path, edit, words):
    with pytest.raises(InvalidInput) as refused:
        write_results(damaged(recorded, tmp_path, edit))
    message = str(refused.value)
    assert len(message.splitlines()) == 1, message
    for word in words:
        assert word in message, message


def test_every_damaged_line_is_named(recorded, tmp_path):
    def change(found: list[bytes]) -> None:
        found[10], found[60] = b"{", b"null"
    with pytest.raises(InvalidInput) as refused:
        write_results(damaged(recorded, tmp_path, lines("windows.jsonl", change)))
    assert [line.split(": ")[0].rsplit("/", 1)[-1] for line in str(refused.value).splitlines()] \
        == ["windows.jsonl:11", "windows.jsonl:61"]


def test_a_torn_last_line_is_dropped_and_fails_the_verdict_as_incomplete(recorded, tmp_path):
    """A run killed mid-write (so before its manifest): readable up to its last
    full second, said so."""
    def tear(run_dir: Path) -> None:
        data = (run_dir / "windows.jsonl").read_bytes()
        (run_dir / "windows.jsonl").write_bytes(data[:-len(data.split(b"\n")[-2]) // 2])
        lines("events.jsonl", lambda found: found.pop(-2))(run_dir)  # no run_ended
        (run_dir / MANIFEST).unlink()
    run_dir = damaged(recorded, tmp_path, tear)
    result = harness("report", str(run_dir), timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"FAIL — INCOMPLETE: {run_dir / 'windows.jsonl'}:{sample.SECONDS}: last line torn" \
        in result.stdout
    assert "INCOMPLETE" in (run_dir / "report.html").read_text(encoding="utf-8")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["seconds_recorded"] == sample.SECONDS - 1
    assert summary["verdict"]["incomplete"] == [
        f"{run_dir / 'windows.jsonl'}:{sample.SECONDS}: last line torn (the run was stopped "
        f"while writing it): dropped", NO_MANIFEST]


def test_a_torn_last_event_is_dropped_and_the_run_counts_as_killed(recorded, tmp_path):
    run_dir = damaged(recorded, tmp_path, lambda d: put(
        "events.jsonl", (d / "events.jsonl").read_bytes()[:-10])(d))
    verdict = write_results(run_dir)["verdict"]
    assert verdict["result"] == "fail"
    assert "killed" in verdict["headline"] and "events.jsonl" in verdict["incomplete"][0]


def test_a_complete_last_line_without_its_newline_is_kept(recorded, tmp_path):
    """A run killed between a line and its newline: every second is kept, and
    the verdict still says the run did not finish."""
    def kill(run_dir: Path) -> None:
        put("windows.jsonl", (run_dir / "windows.jsonl").read_bytes()[:-1])(run_dir)
        (run_dir / MANIFEST).unlink()
    summary = write_results(damaged(recorded, tmp_path, kill))
    assert summary["seconds_recorded"] == sample.SECONDS
    assert summary["verdict"]["result"] == "fail"
    assert summary["verdict"]["incomplete"] == [NO_MANIFEST]


def _summary(change: Callable[[dict], object]) -> Edit:
    def edit(run_dir: Path) -> None:
        summary = json.loads((run_dir / "summary.json").read_text())
        (run_dir / "summary.json").write_text(json.dumps(change(summary)))
    return edit


def _string_observed(summary: dict) -> dict:
    summary["verdict"]["slos"][1]["observed"] = "fast"
    return summary


def _without_slos(summary: dict) -> dict:
    del summary["verdict"]["slos"]
    return summary


@pytest.mark.parametrize(("edit", "words"), [
    (_summary(_without_slos), ("summary.json: verdict.slos:", "not a list")),
    (_summary(_string_observed),
     ("summary.json: verdict.slos[1].observed:", "'fast' is not a number")),
    (put("summary.json", "[" * 100_000 + "]" * 100_000), ("summary.json:", "nested too deeply")),
], ids=["no-verdict-slos", "string-observed", "deep-nesting"])
def test_compare_refuses_a_damaged_summary_with_one_line(judged, tmp_path, edit, words):
    result = harness("compare", str(judged), str(damaged(judged, tmp_path, edit)), timeout=60)
    assert_one_line_error(result, 2, *words)


@pytest.mark.parametrize(("edit", "words"), [
    (put("summary.json", "[1, 2]"), ("summary.json:", "not a JSON object")),
    (put("summary.json", "{"), ("summary.json:", "not a run's summary")),
    (put("summary.json", b'{"verdict": "\xff"}'), ("summary.json:", "not a run's summary")),
    (_summary(lambda s: {"schema_version": 3}), ("verdict:", "run `harness report` on it")),
    (_summary(lambda s: {**s, "verdict": {**s["verdict"], "slos": [{**s["verdict"]["slos"][0],
                                                                     "metric": "nope"}]}}),
     ("verdict.slos[0].metric:", "not a metric")),
    (_summary(lambda s: {**s, "verdict": {**s["verdict"], "slos": [7]}}),
     ("verdict.slos[0]:", "not an object")),
], ids=["not-an-object", "invalid-json", "invalid-utf8", "no-verdict", "unknown-metric",
        "row-not-object"])
def test_slo_rows_refuse_a_damaged_summary(judged, tmp_path, edit, words):
    with pytest.raises(InvalidInput) as refused:
        slo_rows(damaged(judged, tmp_path, edit))
    for word in words:
        assert word in str(refused.value), str(refused.value)


def test_compare_reads_the_undamaged_summaries(judged):
    result = harness("compare", str(judged), str(judged), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "startup_time_p95" in result.stdout


@pytest.mark.parametrize("threshold", ["0%", "0s", 0, "2.5%", "4s"])
def test_every_threshold_a_run_writes_reads_back(tmp_path, threshold):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "timeline": {"peak": "kickoff"}, "slos": [
        {"metric": "video_start_failure_ratio", "max": threshold, "phase": "overall"}]}))
    assert read_scenario(path)["slos"][0]["max"] == threshold
