"""Validation is bounded (issue 20, part 4): each class of hostile input the
hostile-input run found is refused in one `FILE:LINE` line per problem, never
a traceback, and in time that grows with the input's length, not faster.
Hypothesis runs a fixed, bounded set of examples (derandomized); linear
behaviour is asserted by counting operations, never by the clock."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.spec import document_loader
from harness import scenario
from harness.spec.document import parse_document
from harness.spec.errors import SHOWN_PROBLEMS, InvalidInput
from harness.spec.file_names import NAME_MAX
from harness.spec.jsonlines import read_records
from harness.scenario import arrival_rates as rates
from harness.load.journey.http import nesting
from harness.load.journey.jsonpath import (MAX_INDEX_DIGITS, MAX_PATH_CHARS, PathError,
                                           compile_path)
from harness.load.journey.pattern import PATTERN_CHARS, PatternError, compile_pattern
from harness.spec.quantities import MAX_CHARS, parse_count, parse_percent, parse_time
from harness.scenario import ArrivalPoint

BOUNDED = settings(derandomize=True, max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture])
VALID = "name: t\ntimeline: {start: 0s, end: 1m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n"


def journey_with(extraction: str) -> str:
    """A scenario whose inline journey extracts with `extraction` on line 7."""
    return (VALID + "journey:\n  play: '{x}'\n  steps:\n"
            f"  - {{group: api, url: /a, extract: {{x: {extraction}}}}}\n")


def refused(tmp_path: Path, text: str) -> list[str]:
    """The problem lines `load` reports for the scenario `text`."""
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    lines = str(error.value).splitlines()
    assert lines and all(line.startswith((str(path), "... and ")) for line in lines), lines
    return lines


# --- JSONPath: a reader, not a backtracking pattern --------------------------------------------

PATH_PIECES = [" ", "  ", "[", "]", "(", ")", "?", "@", ".", "..", "*", "'", '"', "\\", "==",
               "!=", "-", "0", "9" * 50, "a", "_b", "true", "null", "1e999", "[?(@.a == ",
               "[" * 40, "]" * 40, "\n", "\u202e", "\x00"]


@BOUNDED
@given(pieces=st.lists(st.sampled_from(PATH_PIECES), max_size=60))
def test_any_path_is_read_or_refused_with_a_path_error(pieces):
    text = "$" + "".join(pieces)
    try:
        compile_path(text).find({"a": [1, {"a": "x"}]})
    except PathError as error:
        assert "\n" not in str(error).strip("\n") or "\n" in text


@BOUNDED
@given(spaces=st.integers(1, MAX_PATH_CHARS - 20), tail=st.sampled_from(["x", "x)", "'x", ")]"]))
def test_a_filter_padded_with_spaces_is_read_once(spaces, tail):
    """The reader looks at each character a bounded number of times: a filter
    with a thousand spaces is refused as quickly as one with none."""
    reader_steps = _steps_reading(f"$[?(@.a == {' ' * spaces}{tail}")
    assert reader_steps <= 4 * (spaces + 20)


def _steps_reading(text: str) -> int:
    """How many characters the path reader peeked at reading `text`."""
    from harness.load.journey import jsonpath
    counted = {"n": 0}
    original = jsonpath._Reader._peek

    def peek(self, at=None):
        counted["n"] += 1
        return original(self, at)
    jsonpath._Reader._peek = peek
    try:
        compile_path(text)
    except PathError:
        pass
    finally:
        jsonpath._Reader._peek = original
    return counted["n"]


@BOUNDED
@given(digits=st.integers(MAX_INDEX_DIGITS + 1, 5000))
def test_an_index_of_thousands_of_digits_is_refused(digits):
    with pytest.raises(PathError, match="digits|characters long"):
        compile_path(f"$[{'9' * digits}]")


@BOUNDED
@given(depth=st.integers(1, 3000), opening=st.sampled_from(["[", "{", '{"a":', "[["]))
def test_a_filter_literal_never_nests(depth, opening):
    with pytest.raises(PathError):
        compile_path(f"$[?(@.a == {opening * depth})]")


def test_journey_paths_are_refused_at_their_line(tmp_path):
    for extraction in ('{json: "$[?(@.a == ' + " " * 5000 + 'x"}',
                       '{json: "$[' + "9" * 4400 + ']"}',
                       '{json: "$[?(@.a == ' + "[" * 300 + ')]"}'):
        lines = refused(tmp_path, journey_with(extraction))
        assert len(lines) == 1 and ":7: journey.steps[0].extract.x.json: bad JSONPath" in lines[0]


# --- regular expressions: every compile error is a problem -------------------------------------

PATTERN_PIECES = ["(", ")", "(?:", "(?P<a>", "(?P=b)", "\\", "[", "]", "{", "}", "{99999999999}",
                  "*", "+", "?", "a", "|", "^", "$", "\\1", "\\g<0>", "(?<=a+)", "(?i)", "\\N{x}",
                  "(" * 200, ")" * 200]


@BOUNDED
@given(pieces=st.lists(st.sampled_from(PATTERN_PIECES), max_size=30))
def test_any_pattern_compiles_or_is_a_pattern_error(pieces):
    try:
        compile_pattern("".join(pieces))
    except PatternError as error:
        assert str(error)


@pytest.mark.parametrize("pattern, problem", [
    ("(" * 1000 + ")" * 1000, f"at most {PATTERN_CHARS:,}"),  # RecursionError in `re`
    ("(" * 450 + ")" * 450, "nest"),
    ("a{99999999999}", "repeat count"),  # OverflowError in `re`
    ("(?P<a>x)(?P=b)", "unknown group"),
])
def test_a_pattern_compile_cannot_read_is_one_problem(tmp_path, pattern, problem):
    lines = refused(tmp_path, journey_with(f"{{regex: '{pattern}'}}"))
    assert len(lines) == 1 and ":7: journey.steps[0].extract.x.regex: bad regular expression" \
        in lines[0] and problem in lines[0], lines


# --- quantities with absurd digit counts ---------------------------------------------------------

@BOUNDED
@given(digits=st.integers(MAX_CHARS, 1_000_000), unit=st.sampled_from(["s", "m", "h", "ms", "%",
                                                                       "k", "M"]))
def test_a_quantity_of_a_million_digits_is_no_quantity(digits, unit):
    text = "1" * digits + unit
    assert parse_time(text) is None and parse_percent(text) is None and parse_count(text) is None


def test_a_duration_of_a_million_digits_is_one_problem(tmp_path):
    lines = refused(tmp_path, VALID.replace("end: 1m", "end: 1" + "0" * 1_000_000 + "s"))
    assert len(lines) == 1 and ":2: timeline.end:" in lines[0] and "is not a time" in lines[0]


# --- names and links -----------------------------------------------------------------------------

@BOUNDED
@given(length=st.integers(NAME_MAX + 1, 5000),
       field=st.sampled_from(["journey: {name}", "platform: external\ntargets: {name}",
                              "journey: {{accounts: {name}, play: /p}}",
                              "journey: {{python: '{name}:App'}}"]),
       folder=st.booleans())
def test_a_name_longer_than_the_system_allows_is_refused_as_a_name(tmp_path, length, field,
                                                                   folder):
    name = ("d/" if folder else "") + "a" * length + ".py"
    lines = refused(tmp_path, VALID + field.format(name=name) + "\n")
    assert len(lines) == 1, lines
    assert (": journey" in lines[0] or ": targets:" in lines[0]) and "bytes" in lines[0], lines


@pytest.mark.parametrize("field, line", [
    ("journey: loop.yaml", ":4: journey:"),
    ("journey: {python: 'loop.py:App'}", ":4: journey.python:"),
    ("platform: external\ntargets: loop.yaml", ":5: targets:"),
])
def test_a_loop_of_symbolic_links_is_one_problem_at_its_line(tmp_path, field, line):
    for name in ("loop.yaml", "loop.py"):
        os.symlink(tmp_path / name, tmp_path / name)
    lines = refused(tmp_path, VALID + field + "\n")
    assert len(lines) == 1 and line in lines[0] and "loop of symbolic links (ELOOP)" in lines[0]


# --- arrival points: linear, by counting ---------------------------------------------------------

def test_arrivals_over_many_points_take_linear_work(monkeypatch):
    """rate_at bisects; the number of points looked at grows like n log n, not n²."""
    looked = {"n": 0}
    original = rates._at

    def at(point: ArrivalPoint) -> float:
        looked["n"] += 1
        return original(point)
    monkeypatch.setattr(rates, "_at", at)

    def work(n: int) -> int:
        points = [ArrivalPoint(float(i), 0.5, "second") for i in range(n)]
        looked["n"] = 0
        rates.arrivals_between(points, 0.0, float(n))
        return looked["n"]
    small, large = work(1000), work(25_000)
    assert large <= 25 * small * 2, (small, large)  # quadratic would be 625 times


# --- budgets checked while reading -------------------------------------------------------------

def test_a_long_list_is_refused_at_the_first_value_past_the_budget(monkeypatch):
    monkeypatch.setattr(document_loader, "MAX_NODES", 1000)
    text = "items:\n" + "- 1\n" * 100_000
    with pytest.raises(InvalidInput) as error:
        parse_document(text, "big.yaml")
    # values are counted as they are composed: the mapping, its key and the list are
    # three, so the 1,001st value is the list's 998th item, on line 999
    assert str(error.value).startswith("big.yaml:999: YAML syntax error: expands to more than "
                                       "1,000 values")


@BOUNDED
@given(blank=st.integers(SHOWN_PROBLEMS + 1, 200_000))
def test_a_flood_of_blank_lines_is_counted_not_listed(tmp_path, blank):
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"\n" * blank)
    with pytest.raises(InvalidInput) as error:
        read_records(path, dict)
    lines = str(error.value).splitlines()
    assert len(lines) == SHOWN_PROBLEMS + 1
    assert lines[0] == f"{path}:2: an empty line (each line holds one record)"
    assert lines[-1] == f"... and {blank - SHOWN_PROBLEMS:,} more problems (fix these first)"


def test_a_file_with_many_problems_lists_the_first_ones(tmp_path):
    steps = "".join(f"  - {{group: g{i}, url: /a, method: NOPE}}\n" for i in range(60))
    lines = refused(tmp_path, VALID + "journey:\n  play: /p\n  steps:\n" + steps)
    assert len(lines) == SHOWN_PROBLEMS + 1
    assert lines[-1] == f"... and {60 - SHOWN_PROBLEMS} more problems (fix these first)"


# --- answers: nesting measured without parsing ---------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ a,:'),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(alphabet='[]{}"\\a'), inner, max_size=3),
                    max_leaves=30)


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@BOUNDED
@given(document=JSON)
def test_the_nesting_of_an_answer_is_its_json_depth_whatever_its_strings_hold(document):
    """Brackets and escaped quotes inside strings do not count: a valid answer is
    never refused as too deep when it is not."""
    assert nesting(json.dumps(document).encode()) == depth(document)
