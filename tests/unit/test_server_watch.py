"""The server metrics listener against a Prometheus address that takes the
connection and never answers: the second is recorded without waiting for it,
and the query's figure is missing with why (the timeout), said once, never 0."""

from __future__ import annotations

import json
import socket
import time

from harness.measure.window import Window
from harness.platforms.prometheus import ServerQueries
from harness.run.server_watch import ServerWatch
from harness.runfolder.recorder import Second


def test_a_prometheus_that_never_answers_costs_a_missing_figure_not_the_second(tmp_path):
    said: list[tuple[str, dict]] = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections wait in the backlog, unanswered
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        watch = ServerWatch(ServerQueries(url, {"pool": "up"}), tmp_path,
                            lambda kind, match_s=None, **fields: said.append((kind, fields)))
        watch.started()
        watch.second(Second(Window(0), time.time(), 1.0, "live", 1, 1))
        # Asked in the background: the run's second went on before any answer.
        assert (tmp_path / "server.jsonl").read_text() == ""
        watch.stop()  # waits for the bounded query, then closes the file
    (line,) = [json.loads(x) for x in (tmp_path / "server.jsonl").read_text().splitlines()]
    assert line["second"] == 0 and line["values"] == {"pool": None}
    assert line["missing"]["pool"] == "Prometheus not reached: timed out", line
    assert said == [
        ("server_metrics", {"prometheus": url, "queries": {"pool": "up"}}),
        ("server_metric_missing", {"metric": "pool", "problem": line["missing"]["pool"]}),
    ]
