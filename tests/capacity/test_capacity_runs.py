"""`harness capacity` as a user runs it, against the real local stack: it finds
the break, names the SLO (and the component, where the platform records CPU
use), the level that held passes when run again alone, and the search with
origin-a down for every whole level holds no more than the full stack.

The normal stack holds more than this machine's seconds-long levels could
break, so TIGHT caps throughput itself: an SLO on requests per second at the
peak, which grows with the audience (about two requests per viewer and second
in this window, joins included). Levels 6 and 12 lie on either side of it
with a margin, and a resolution of 6 ends the search after those two levels.
The tests on the `small` stack (scenarios/capacity-small.yaml, the stack that
breaks by itself) come with that stack.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import harness
from tests.run.helpers import write_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMALL = SCENARIOS / "capacity-small.yaml"
TIGHT = """\
time_scale: 10
seed: 5
timeline:
  start: -20s
  end: 40s
audience:
  viewers:
    - {at: -20s, viewers: 2}
    - {at: 0s, viewers: 10}
    - {at: 40s, viewers: 10}
slos:
  - {metric: requests_per_second, max: 18, phase: peak}
  - {metric: error_ratio, max: 5%}
"""
PLAN = ("--start", "6", "--max", "12", "--resolution", "6")


def capacity(scenario: Path, results: Path, *options: str) -> tuple[int, dict, Path]:
    """(exit code, capacity.json, the capacity folder) of one search."""
    done = harness("-q", "capacity", str(scenario), "--platform", "local", "--results-dir",
                   str(results), *options, timeout=240)
    assert "Traceback" not in done.stderr, done.stderr
    (folder,) = [p for p in results.iterdir() if p.name.endswith("-capacity")]
    return done.returncode, json.loads((folder / "capacity.json").read_text()), folder


@pytest.fixture(scope="module")
def full_search(platform, tmp_path_factory):
    """One search on the whole stack, shared by the tests that compare with it."""
    platform.up()
    folder = tmp_path_factory.mktemp("capacity")
    scenario = write_scenario(folder, "tight", TIGHT)
    return scenario, *capacity(scenario, folder / "results", *PLAN)


def _check_answer(code: int, document: dict, folder: Path) -> dict:
    """The answer names a break and the SLO behind it; every level is a run folder."""
    answer = document["answer"]
    assert code == 0 and answer["stop"] == "bisected", answer
    assert answer["held"] < answer["broke"] and answer["capacity"] == answer["held"]
    assert any(slo.startswith("requests_per_second (peak)")
               for slo in answer["broken_by"]["slos"])
    components = next(level["components"] for level in document["levels"]
                      if level["value"] == answer["broke"])
    if components:  # a platform that records each component's CPU use
        assert answer["broken_by"]["component"]["name"] in components
    else:
        assert "no per-component CPU use" in answer["broken_by"]["component_note"]
    for level in document["levels"]:
        assert (folder / level["run"] / "summary.json").is_file()
    return answer


@pytest.mark.only_on("local")
def test_capacity_finds_the_break_and_the_level_below_passes_alone(full_search, tmp_path):
    scenario, code, document, folder = full_search
    answer = _check_answer(code, document, folder)
    assert [level["result"] for level in document["levels"]] == ["held", "broke"]
    assert 'data-chart="slo-0"' in (folder / "report.html").read_text()
    again = harness("-q", "run", str(folder / answer["held_run"] / "scenario.yaml"),
                    "--platform", "local", "--results-dir", str(tmp_path), timeout=120)
    assert again.returncode == 0, again.stdout[-2000:]


@pytest.mark.only_on("local")
def test_without_origin_a_holds_no_more_than_the_whole_stack(full_search, tmp_path):
    scenario, _, full, _ = full_search
    code, document, folder = capacity(scenario, tmp_path, *PLAN, "--without", "origin-a")
    assert document["without"] == "origin-a" and document["without_fault"] == "process-kill"
    for level in document["levels"]:  # origin-a was down for each whole level
        (fault,) = json.loads((folder / level["run"] / "summary.json").read_text())["faults"]
        assert fault["target"] == "origin-a" and fault["injected_second"] < 0.5
    held = document["answer"]["held"]
    assert code in (0, 1) and (held is None or held <= full["answer"]["held"])


@pytest.mark.only_on("local")
@pytest.mark.skipif(not SMALL.exists(), reason="scenarios/capacity-small.yaml and the small "
                                               "stack come from the r-small branch")
def test_capacity_on_the_small_stack_names_the_slo_and_the_component(platform, tmp_path):
    """The small stack breaks at the scenario's own audience (120 at kickoff):
    two levels, half of it and all of it, keep the search short."""
    platform.up()
    plan = ("--start", "60", "--max", "120", "--resolution", "60")
    code, document, folder = capacity(SMALL, tmp_path / "full", *plan)
    answer = _check_answer(code, document, folder)
    assert answer["broken_by"]["component"] is not None  # the small stack records CPU use
    again = harness("-q", "run", str(folder / answer["held_run"] / "scenario.yaml"),
                    "--platform", "local", "--results-dir", str(tmp_path / "alone"),
                    timeout=240)
    assert again.returncode == 0, again.stdout[-2000:]
    code, without, _ = capacity(SMALL, tmp_path / "without", *plan, "--without", "origin-a")
    assert without["answer"]["held"] is None or without["answer"]["held"] <= answer["held"]
