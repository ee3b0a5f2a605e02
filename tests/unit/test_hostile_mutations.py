"""Mutated copies of the shipped scenarios (byte flips, deletions, insertions of
YAML's special characters and of huge numbers) either load or are refused
with InvalidInput: never another exception, never a hang. Hypothesis runs a
fixed, bounded set of examples (derandomized), so the test is repeatable."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import scenario
from harness.spec.errors import InvalidInput
from harness.spec.paths import SCENARIOS_DIR

SHIPPED = sorted(SCENARIOS_DIR.glob("*.yaml"))
PIECES = [b"&a ", b"*a", b"<<: *a\n", b"!!int ", b"!!float ", b"!!bool ", b"!!timestamp ",
          b"!!python/object:os.system ", b"{", b"}", b"[", b"]", b": ", b"- ", b"? ", b"|",
          b">", b"'", b'"', b"#", b"%YAML 1.1\n", b"---\n", b"\t", b"\x00", b"\x01", b"\xff",
          b"\xef\xbb\xbf", b"\n", b"~", b"0x" + b"f" * 300, b"9" * 5000, b"1.0e+308",
          b".inf", b".nan", b"-1", b"2024-13-45", b"190:20:30", "５".encode()]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A shipped scenario's name and its bytes after one to four mutations."""
    path = draw(st.sampled_from(SHIPPED))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "delete", "insert"]))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        else:
            data[at:at] = draw(st.sampled_from(PIECES))
    return path.name, bytes(data)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of scenarios/, so the mutated file still finds its journeys."""
    copy = tmp_path_factory.mktemp("mutations") / "scenarios"
    shutil.copytree(SCENARIOS_DIR, copy)
    return copy


@settings(derandomize=True, max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=mutated())
def test_a_mutated_scenario_loads_or_is_refused_in_one_line_per_problem(folder, case):
    name, data = case
    path = folder / f"mutated-{name}"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        scenario.load(path)
    except InvalidInput as error:
        lines = str(error).splitlines()
        assert lines and all(line.strip() for line in lines)
    assert time.monotonic() - started < 5  # a guard against a hang, not a speed target
