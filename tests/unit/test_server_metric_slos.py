"""SLOs on server metrics (`server.<name>`): a name of the server_metrics of
the scenario (inline or a file of them) or its targets file, checked at
validate time; judged over a span by its worst
second (the highest for `max:`, the lowest for `min:`), a second without a
figure left out and a span with none `no data`."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.judge.verdict import judge
from harness.measure.metrics import known_metric
from harness.measure.slo import Slo
from harness.measure.window import Window
from harness.runfolder.recorder import Second
from harness.scenario import load
from tests.cli import assert_one_line_error, harness
from tests.streams.external import external_scenario

TARGETS = ("edge: http://127.0.0.1:9\nprometheus: http://127.0.0.1:9090\n"
           "server_metrics:\n  auth_p99_ms: up\n  pool_used: up\n")
def _validate(folder: Path, rest: str, targets: str = TARGETS):
    (folder / "targets.yaml").write_text(targets)
    scenario = external_scenario(folder, "s", "http://127.0.0.1:9/master.m3u8", "10s", rest)
    return harness("validate", str(scenario))


def test_an_slo_may_name_a_server_metric_of_the_targets_file(tmp_path):
    result = _validate(tmp_path, "slos:\n  - {metric: server.auth_p99_ms, max: 500}\n"
                                 "  - {metric: server.pool_used, min: 1, phase: overall}\n")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("rest, targets, words", [
    ("slos:\n  - {metric: server.auth_p90_ms, max: 500}\n", TARGETS,
     ("s.yaml:11:", "slos[0].metric", "'server.auth_p90_ms'", "server_metrics",
      "server.auth_p99_ms")),
    ("slos:\n  - {metric: server.auth_p99_ms, max: 500}\n", "edge: http://127.0.0.1:9\n",
     ("s.yaml:11:", "slos[0].metric", "neither the scenario nor")),
    ("slos:\n  - {metric: server.auth_p99_ms, max: 5s}\n", TARGETS,
     ("s.yaml:11:", "slos[0].max", "a duration fits only a time")),
    ("halt_if:\n  - {metric: server.auth_p99_ms, above: 500, for: 3s}\n", TARGETS,
     ("s.yaml:11:", "halt_if[0].metric", "server metric")),
])
def test_a_server_metric_slo_that_cannot_be_judged_is_one_line(tmp_path, rest, targets, words):
    assert_one_line_error(_validate(tmp_path, rest, targets), 2, *words)


PROMETHEUS_ONLY = "edge: http://127.0.0.1:9\nprometheus: http://127.0.0.1:9090\n"


def test_a_scenario_names_its_own_server_metrics_inline_or_in_a_file(tmp_path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "shared.yaml").write_text("# shared\nqueue: sum(up)\n")
    for metrics in ("{queue: sum(up)}", "queries/shared.yaml"):
        result = _validate(tmp_path, f"server_metrics: {metrics}\n"
                                     "slos:\n  - {metric: server.queue, max: 5}\n", PROMETHEUS_ONLY)
        assert result.returncode == 0, result.stderr
    scenario = load(external_scenario(tmp_path, "s", "http://127.0.0.1:9/m.m3u8", "10s",
                                      "server_metrics: queries/shared.yaml\n"))
    assert scenario.server_metrics == {"queue": "sum(up)"}
    assert scenario.to_dict()["server_metrics"] == {"queue": "sum(up)"}  # the run folder's copy
    # the targets file's and the scenario's together
    result = _validate(tmp_path, "server_metrics: {queue: sum(up)}\nslos:\n"
                                 "  - {metric: server.queue, max: 5}\n"
                                 "  - {metric: server.pool_used, max: 5}\n")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("rest, targets, shared, words", [
    ("server_metrics: {queue: sum(up)}\n", "edge: http://127.0.0.1:9\n", None,
     ("s.yaml:10:", "server_metrics", "no Prometheus")),
    ("server_metrics: {pool_used: sum(up)}\n", TARGETS, None,
     ("s.yaml:10:", "server_metrics.pool_used", "another query")),
    ("server_metrics: {Queue: sum(up)}\n", PROMETHEUS_ONLY, None,
     ("s.yaml:10:", "server_metrics.Queue", "request group name")),
    ("server_metrics: missing.yaml\n", PROMETHEUS_ONLY, None, ("missing.yaml", "cannot read")),
    ("server_metrics: shared.yaml\n", PROMETHEUS_ONLY, "ok: up\nBad: up\n",
     ("shared.yaml:2:", "Bad", "request group name")),
    ("server_metrics: shared.yaml\n", PROMETHEUS_ONLY, "- up\n",
     ("shared.yaml:1:", "a mapping of names to PromQL queries")),
])
def test_a_scenarios_server_metrics_that_cannot_be_read_are_one_line(tmp_path, rest, targets,
                                                                      shared, words):
    if shared is not None:
        (tmp_path / "shared.yaml").write_text(shared)
    assert_one_line_error(_validate(tmp_path, rest, targets), 2, *words)


def _seconds(figures: list[float | None]) -> list[Second]:
    return [Second(Window(n, server={"pool": f}), 1e9 + n, n + 1.0, "live", 1, 1)
            for n, f in enumerate(figures)]


def test_the_verdict_judges_the_worst_second_and_leaves_out_missing_ones():
    assert known_metric("server.pool") is not None and known_metric("server.Pool") is None
    seconds = _seconds([3.0, None, 9.0, 5.0])
    slos = [Slo("server.pool", "max", 8.0), Slo("server.pool", "min", 3.0),
            Slo("server.pool", "max", 9.0)]
    rows = judge(slos, seconds, [], "live")["slos"]
    assert [(r["observed"], r["result"]) for r in rows] == [
        (9.0, "fail"), (3.0, "pass"), (9.0, "pass")]
    (none,) = judge([Slo("server.pool", "max", 1.0)], _seconds([None, None]), [], "live")["slos"]
    assert none["observed"] is None and none["result"] == "no data"
