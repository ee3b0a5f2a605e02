"""The sweep and the load generator, on hand-made seconds: a stall that cannot
change a cell leaves it judged (a passing cell stands whatever a stall did);
errors only in a stall's seconds, or a fault window mostly saturated, make
the cell generator-bound; the sweep exits 1
for a failed cell the generator could not have changed, 3 when the only
failures (or the only doubts) are the generator's."""

from __future__ import annotations

from harness.measure.truth import GeneratorTruth
from harness.orchestrate.sweep import _verdict_code
from harness.orchestrate.sweep_journeys import journeys_of
from harness.orchestrate.sweep_matrix import row_cells
from harness.orchestrate.sweep_truth import generator_bound
from tests.unit.test_sweep import _second, scenario  # noqa: F401 (the fixture)


def _over(seconds, numbers: set[int]) -> list:
    for s in seconds:
        s.window.generator = GeneratorTruth.of_process(0.3, 0.4 if s.window.second in numbers
                                                       else 0.01)
    return seconds


def test_a_stall_that_cannot_change_a_cell_leaves_it_judged(scenario):
    broken = _over([_second(n, web_failures=2 if 4 <= n < 8 else 0) for n in range(12)], {5})
    journeys = journeys_of(scenario)
    assert row_cells(journeys, broken, 4.0, 8.0)["new:web"]["verdict"] == "fail"
    assert generator_bound(journeys, broken, 4.0, 8.0) == {}
    # Every start of the window in the stall's seconds: no data without them, still a pass.
    passing = _over([_second(n) for n in range(12)], {4})
    for s in passing[6:8]:
        s.window.clients = {}
    assert row_cells(journeys, passing, 4.0, 8.0)["new:web"]["verdict"] == "pass"
    assert generator_bound(journeys, passing, 4.0, 8.0) == {}


def test_failures_only_around_a_stall_make_the_cell_generator_bound(scenario):
    seconds = _over([_second(n, catalog_failures=2 if n in (5, 6) else 0) for n in range(12)],
                    {5})
    journeys = journeys_of(scenario)
    assert row_cells(journeys, seconds, 4.0, 10.0)["group:catalog"]["verdict"] == "fail"
    assert generator_bound(journeys, seconds, 4.0, 10.0) == {
        "group:catalog": "fail as observed, pass without its stalls"}


def test_a_fault_window_mostly_saturated_says_nothing_of_any_cell(scenario):
    seconds = _over([_second(n) for n in range(12)], {4, 5, 6, 7})
    found = generator_bound(journeys_of(scenario), seconds, 4.0, 8.0)
    assert set(found) == {j.key for j in journeys_of(scenario)}
    assert set(found.values()) == {"saturated in 4 of the 4 s the fault was in"}


def test_the_sweep_exits_1_only_for_failures_the_generator_could_not_have_made():
    failing = {"new:web": {"verdict": "fail"}, "watching": {"verdict": "pass"}}
    row = {"cells": failing, "generator_bound": {}}
    assert _verdict_code({"rows": [row]}) == 1
    doubtful = {**row, "generator_bound": {"new:web": "saturated in 4 of the 4 s"}}
    assert _verdict_code({"rows": [doubtful]}) == 3
    assert _verdict_code({"rows": [doubtful, row]}) == 1
    fine = {"cells": {"watching": {"verdict": "pass"}}, "generator_bound": {}}
    assert _verdict_code({"rows": [fine]}) == 0
    assert _verdict_code({"rows": [{**fine, "generator_bound": {"watching": "..."}}]}) == 3
