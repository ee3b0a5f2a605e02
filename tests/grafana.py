"""The Grafana dashboard of a live run (compose/grafana/kickoff-live.json) as the
tests read it: its panels, every query it sends, and what those return from a real
Prometheus once the dashboard's variables have the values Grafana would give them."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

DASHBOARD = Path(__file__).parents[1] / "compose" / "grafana" / "kickoff-live.json"
# What Grafana makes $__rate_interval for a data source scraped every second (the tests'
# Prometheus is): max($__interval + scrape interval, 4 × scrape interval); a panel's
# $__interval is under a second for a run's few minutes, so 4 s.
RATE_INTERVAL = "4s"
LABEL_VALUES = re.compile(r"label_values\((?P<selector>.+),\s*(?P<label>\w+)\)")


def load() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(dashboard: dict) -> list[dict]:
    """Every panel, those inside collapsed rows too; rows themselves as well."""
    found = []
    for panel in dashboard["panels"]:
        found += [panel, *panel.get("panels", [])]
    return found


def queries(dashboard: dict) -> list[str]:
    """Every PromQL the dashboard sends for its panels and annotations, once each."""
    exprs = [target["expr"] for panel in panels(dashboard) for target in panel.get("targets", [])]
    exprs += [each["expr"] for each in dashboard["annotations"]["list"] if "expr" in each]
    return list(dict.fromkeys(exprs))


def query_variables(dashboard: dict) -> list[tuple[str, str]]:
    """(name, its label_values() query) of each query variable, in the dashboard's order
    (a variable's query may use those before it, as Grafana allows)."""
    return [(each["name"], each["definition"]) for each in dashboard["templating"]["list"]
            if each["type"] == "query"]


def substituted(text: str, values: dict[str, str]) -> str:
    """`text` with $name and ${name} replaced by the variables' values."""
    for name, value in {**values, "__rate_interval": RATE_INTERVAL}.items():
        text = text.replace("${" + name + "}", value).replace("$" + name, value)
    return text


def _get(url: str, path: str, params: dict[str, str]) -> list:
    with urllib.request.urlopen(f"{url}{path}?{urllib.parse.urlencode(params)}",
                                timeout=10) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return answer["data"]


def variable_values(url: str, start: float, end: float) -> dict[str, str]:
    """Each query variable's value as Grafana picks it by default: the first, sorted, of
    the label's values over the series its selector finds (/api/v1/series, as Grafana's
    label_values(metric, label) asks)."""
    values: dict[str, str] = {}
    for name, definition in query_variables(load()):
        match = LABEL_VALUES.fullmatch(substituted(definition, values))
        assert match, f"{name}: {definition} is not label_values(selector, label)"
        series = _get(url, "/api/v1/series", {"match[]": match["selector"], "start": str(start),
                                              "end": str(end)})
        found = sorted({each[match["label"]] for each in series if match["label"] in each})
        assert found, f"variable {name}: {definition} finds nothing"
        values[name] = found[0]
    return values


def answers(url: str, start: float, end: float) -> dict[str, list[dict]]:
    """Each query of the dashboard (as written in it) -> the series Prometheus at `url`
    returns for it over start..end (Unix seconds) at a 1 s step, as a panel asks."""
    values = variable_values(url, start, end)
    return {expr: _get(url, "/api/v1/query_range", {
                "query": substituted(expr, values), "start": str(start), "end": str(end),
                "step": "1"})["result"]
            for expr in queries(load())}
