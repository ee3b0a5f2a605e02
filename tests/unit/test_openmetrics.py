"""openmetrics.txt (harness/outputs/openmetrics.py): a run's seconds as
OpenMetrics text that Prometheus' own parser reads back, with the figures of
timeseries.csv, each stamped with its second's end."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from harness.outputs import openmetrics
from harness.outputs.hooks import RunEvents
from harness.outputs.registry import OUTPUTS, attach_all
from harness.runfolder.recorder import read_seconds, write_timeseries
from harness.scenario import load

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"


def parsed(text: str) -> dict[str, dict[tuple, list[tuple[float, float]]]]:
    """family -> labels -> [(timestamp, value)]"""
    found: dict[str, dict[tuple, list[tuple[float, float]]]] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge"
        for sample in family.samples:
            found.setdefault(family.name, {}).setdefault(
                tuple(sorted(sample.labels.items())), []).append(
                (float(sample.timestamp), sample.value))
    return found


@pytest.mark.parametrize("kind", ["demand", "faults", "workers"])
def test_the_seconds_read_back_as_timeseries_csv_has_them(kind, tmp_path):
    run = RECORDED / kind / "run"
    seconds = read_seconds(run)
    groups = load(run / "scenario.yaml").groups
    text = openmetrics.render(seconds, groups)
    assert text.endswith("# EOF\n")
    families = parsed(text)
    write_timeseries(tmp_path, seconds, groups)  # the same figures, as the run's CSV has them
    rows = list(csv.DictReader((tmp_path / "timeseries.csv").open()))
    ends = [round(s.epoch, 3) for s in seconds]
    for column in ("viewers", "playing", "attempts", "startup_time_p95", "error_ratio.segment",
                   "latency_p99.playlist", "generator_cpu_cores"):
        base, _, group = column.partition(".")
        samples = families[f"kickoff_{base}"][(("group", group),) if group else ()]
        expected = [(end, float(row[column])) for end, row in zip(ends, rows) if row[column]]
        assert samples == expected, column
        assert expected  # a column with figures, not a vacuous match


def test_a_group_label_is_escaped():
    assert openmetrics._escaped('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


def test_a_run_writes_it_when_it_ends_from_the_seconds_it_was_given(tmp_path):
    run = RECORDED / "demand" / "run"
    seconds = read_seconds(run)
    groups = load(run / "scenario.yaml").groups
    events = RunEvents()
    attach_all(events, tmp_path, groups)
    assert set(OUTPUTS) == {"openmetrics", "live_metrics"}
    for second in seconds[:5]:
        events.second_recorded.fire(second=second)
    assert not (tmp_path / openmetrics.FILE).exists()  # written once the run has ended
    events.run_ended.fire(run_dir=tmp_path, outcome="completed", summary={})
    families = parsed((tmp_path / openmetrics.FILE).read_text())
    assert [value for _, value in families["kickoff_viewers"][()]] == \
        [float(s.viewers) for s in seconds[:5]]
