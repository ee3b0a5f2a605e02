"""The Grafana dashboard of a live run (compose/grafana/kickoff-live.json) has the shape
Grafana imports: panels with ids and places on the grid, every query on the data source
the user picks and on the job and instance chosen, and only metric names the live output
serves, each of them shown. (tests/streams/test_live_metrics.py runs every query against
a real Prometheus scraping a real run.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from harness.outputs.live_metrics import RunFigures
from tests import grafana

DOCS = Path(__file__).parents[2] / "docs" / "grafana.md"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24
METRIC = re.compile(r"\bkickoff_\w+")
# The names a scrape shows of a family of each type (prometheus-client's exposition).
SAMPLE_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "info": ("_info",),
                   "histogram": ("_bucket", "_count", "_sum")}


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return grafana.load()


def served() -> dict[str, str]:
    """Every sample name /metrics can show -> its family's name, from the live output."""
    return {family.name + suffix: family.name
            for family in RunFigures("run", ("segment",)).collect()
            for suffix in SAMPLE_SUFFIXES[family.type]}


def test_it_is_a_dashboard_grafana_imports(dashboard):
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 39
    assert dashboard["uid"] and dashboard["title"] and dashboard["id"] is None
    ids = [panel["id"] for panel in grafana.panels(dashboard)]
    assert all(isinstance(each, int) for each in ids) and len(set(ids)) == len(ids), ids
    for panel in grafana.panels(dashboard):
        place = panel["gridPos"]
        assert {"h", "w", "x", "y"} <= place.keys(), panel["title"]
        assert place["x"] >= 0 and place["w"] > 0 and place["x"] + place["w"] <= GRID_WIDTH, \
            panel["title"]


def test_no_two_panels_overlap(dashboard):
    cells: dict[tuple[int, int], str] = {}
    for panel in grafana.panels(dashboard):
        place = panel["gridPos"]
        for x in range(place["x"], place["x"] + place["w"]):
            for y in range(place["y"], place["y"] + place["h"]):
                assert (x, y) not in cells, (panel["title"], cells[(x, y)])
                cells[(x, y)] = panel["title"]


def test_every_query_asks_the_chosen_data_source(dashboard):
    variables = {each["name"]: each for each in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    asking = [panel for panel in grafana.panels(dashboard) if panel["type"] != "row"]
    asking += [each for each in dashboard["annotations"]["list"] if "expr" in each]
    asking += [each for each in variables.values() if each["type"] == "query"]
    for each in asking:
        assert each["datasource"] == DATASOURCE, each.get("title", each["name"])
    for panel in grafana.panels(dashboard):
        if panel["type"] != "row":
            assert panel["targets"], panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"] == DATASOURCE and target["expr"], panel["title"]


def test_every_selector_is_the_chosen_run(dashboard):
    """Each metric a query reads is filtered to the job and instance picked above."""
    for expr in grafana.queries(dashboard):
        for name in METRIC.finditer(expr):
            assert expr[name.end():].startswith('{job="$job", instance="$instance"'), \
                (expr, name[0])


def test_the_variables_are_label_values_of_what_kickoff_serves(dashboard):
    for name, definition in grafana.query_variables(dashboard):
        match = grafana.LABEL_VALUES.fullmatch(definition)
        assert match, (name, definition)
        assert set(METRIC.findall(match["selector"])) <= served().keys(), definition


def test_it_reads_only_metrics_kickoff_serves_and_shows_every_one(dashboard):
    names = served()
    used = {name for expr in grafana.queries(dashboard) for name in METRIC.findall(expr)}
    assert used <= names.keys(), sorted(used - names.keys())
    assert {names[name] for name in used} == set(names.values()), \
        sorted(set(names.values()) - {names[name] for name in used})


def test_grafanas_own_variables_are_the_only_ones_left_for_the_tests_to_fill(dashboard):
    """A query names no variable the streams tier would not give a value."""
    known = {"__rate_interval"} | {name for name, _ in grafana.query_variables(dashboard)}
    for expr in grafana.queries(dashboard):
        assert set(re.findall(r"\$\{?(\w+)", expr)) <= known, expr


def test_the_provisioning_file_loads_the_dashboard_from_a_folder():
    provisioning = grafana.DASHBOARD.parent / "provisioning" / "kickoff-dashboards.yaml"
    (provider,) = yaml.safe_load(provisioning.read_text())["providers"]
    assert provider["type"] == "file" and provider["options"]["path"].startswith("/")
    assert provider["options"]["path"] in DOCS.read_text()
