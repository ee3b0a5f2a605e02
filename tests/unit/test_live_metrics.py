"""The live output's figures (harness/outputs/live_metrics.py) without a run: the
metric names docs/live.md lists are those it serves, its histograms put kickoff's
values in Prometheus' buckets, and a fault's events move its state."""

from __future__ import annotations

import re
import time
from pathlib import Path

from prometheus_client.core import Metric

from harness.measure.histogram import Histogram
from harness.measure.window import RequestTally, Window
from harness.outputs.live_metrics import Buckets, RunFigures
from harness.runfolder.recorder import Second

DOCS = Path(__file__).parents[2] / "docs" / "live.md"


def shown(family: Metric) -> str:
    """A family's name as a user queries it (counters end in _total, info in _info)."""
    return family.name + {"counter": "_total", "info": "_info"}.get(family.type, "")


def samples(figures: RunFigures) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in figures.collect() for s in family.samples}


def test_the_docs_table_lists_every_metric_served():
    table = re.findall(r"^\| `(kickoff_\w+)` \|", DOCS.read_text(), re.MULTILINE)
    served = [shown(family) for family in RunFigures("run", ("segment",)).collect()]
    assert table == served


def test_histograms_count_each_value_in_the_bucket_of_its_bound():
    histogram = Histogram()
    for value in (0.003, 0.2, 0.2, 7.0, 60.0):
        histogram.add(value)
    buckets = Buckets((0.1, 1.0, 10.0))
    buckets.add(histogram)
    assert buckets.family_rows() == [("0.1", 1.0), ("1.0", 3.0), ("10.0", 4.0), ("+Inf", 5.0)]
    assert abs(buckets.total - 67.403) < 67.403 * 0.01


def test_seconds_add_up_and_faults_move_through_their_states():
    figures = RunFigures("run", ("segment",))
    figures.event("fault_scheduled", 0.0, fault="cut")
    for number in range(3):
        window = Window(number, playing=number, starts=2, stalls=1)
        window.startup.add(1.5)
        window.requests["segment"] = RequestTally(4, 1)
        figures.second(Second(window, time.time(), float(number), "kickoff", 5, number))
    figures.event("phase", 2.0, phase="kickoff")
    figures.event("fault_injected", 2.0, fault="cut")
    found = samples(figures)
    assert found[("kickoff_starts_total", ())] == 6 and found[("kickoff_stalls_total", ())] == 3
    assert found[("kickoff_viewers", (("state", "playing"),))] == 2
    assert found[("kickoff_startup_seconds_bucket", (("le", "2.0"),))] == 3
    assert found[("kickoff_requests_total", (("group", "segment"),))] == 12
    assert found[("kickoff_request_failures_total", (("group", "segment"),))] == 3
    assert found[("kickoff_fault_state", (("fault", "cut"), ("state", "in")))] == 1
    assert found[("kickoff_fault_state", (("fault", "cut"), ("state", "scheduled")))] == 0
    assert found[("kickoff_phase", (("phase", "kickoff"),))] == 1
    assert found[("kickoff_recorded_seconds_total", ())] == 3
