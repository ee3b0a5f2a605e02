"""Property: whatever damage a run folder's files take (flipped bytes, lost,
repeated or garbage lines, huge numbers, a cut), `harness report`'s function
either refuses it with InvalidInput or reports a verdict that names what it
lost, and reading its summary for `harness compare` refuses or reads it:
never another exception, never a pass on a garbage line. Fixed seed, bounded
examples: the same cases on every run."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from harness.spec.errors import InvalidInput
from harness.judge.regression import slo_rows
from harness.report.results import write_results
from tests.report import sample

FILES = ("windows.jsonl", "events.jsonl", "scenario.yaml", "summary.json")
GARBAGE = (b"", b"null", b"[]", b"{}", b"garbage", b"\xff\xfe\xfd", b'{"kind": 1}', b"[" * 3000,
           b"1e999", b'"second"', b"\x00\x01", b"{" + b'"a":' * 50)
HUGE = (b"1e999", b"-1", b"1e308", b"1" + b"0" * 5000, b"0x" + b"f" * 300, b"NaN", b"-0",
        b"Infinity", b"null", b"true", b'"1"')
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
STRUCTURAL = ("garbage", "repeat")  # damage a strict reader must always refuse in .jsonl


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> Path:
    run_dir = sample.recorded_run(tmp_path_factory.mktemp("property") / "run")
    assert write_results(run_dir)["verdict"]["result"] == "pass"
    return run_dir


def _at(fraction: float, size: int) -> int:
    return min(int(fraction * size), max(size - 1, 0))


def _mutate(data: bytes, kind: str, where: float, which: float, piece: bytes) -> bytes:
    found = data.split(b"\n")
    body = found[:-1] if found[-1] == b"" else found  # the lines before the final newline
    line = _at(where, len(body))
    if kind == "flip" and data:
        at = _at(where, len(data))
        return data[:at] + bytes([data[at] ^ piece[0]]) + data[at + 1:]
    if kind == "cut":
        return data[:_at(where, len(data))]
    if kind == "delete" and body:
        del found[line]
    elif kind == "repeat" and body:
        found.insert(line, found[line])
    elif kind == "garbage":
        found.insert(line, piece)
    elif kind == "number" and body:
        numbers = list(NUMBER.finditer(found[line]))
        if numbers:
            match = numbers[_at(which, len(numbers))]
            found[line] = found[line][:match.start()] + piece + found[line][match.end():]
    return b"\n".join(found)


mutations = st.lists(st.tuples(
    st.sampled_from(FILES), st.sampled_from(("flip", "cut", "delete", "repeat", "garbage",
                                             "number")),
    st.floats(0, 1), st.floats(0, 1), st.sampled_from(GARBAGE + HUGE)), min_size=1, max_size=3)


@settings(derandomize=True, max_examples=200, deadline=None, database=None)
@given(mutations)
def test_damage_is_refused_or_named_never_a_crash(judged, applied):
    with tempfile.TemporaryDirectory() as folder:
        run_dir = Path(folder) / "run"
        shutil.copytree(judged, run_dir)
        for name, kind, where, which, piece in applied:
            path = run_dir / name
            if kind == "flip":  # a nonzero mask: the byte changes
                piece = bytes([1 + int(which * 254)])
            path.write_bytes(_mutate(path.read_bytes(), kind, where, which, piece))
        started = time.monotonic()
        try:
            slo_rows(run_dir)
        except InvalidInput:
            pass
        try:
            summary = write_results(run_dir)
        except InvalidInput as refused:
            assert all(line.strip() for line in str(refused).splitlines())
            event("refused")
            return
        finally:
            assert time.monotonic() - started < 5
        verdict = summary["verdict"]
        event("reported, incomplete" if verdict["incomplete"] else "reported")
        assert all(text for text in verdict["incomplete"])
        assert not verdict["incomplete"] or verdict["result"] == "fail"
        # A garbage or repeated line inside a .jsonl file is always refused
        # (a garbage line is never a record; a repeated second breaks the count).
        assert not all(kind in STRUCTURAL and name.endswith(".jsonl")
                       and not (kind == "repeat" and name == "events.jsonl")
                       for name, kind, *_ in applied), applied
