"""A targets file's prometheus and server_metrics: the Prometheus server a run
reads the platform's own figures from, and the queries it asks each second.
Their mistakes are one FILE:LINE line each, found at validate time."""

from __future__ import annotations

import pytest

from harness.platforms.targets import load_targets
from harness.spec.errors import InvalidInput

PROMETHEUS = "prometheus: http://127.0.0.1:9090\n"


def test_server_metrics_are_read_with_their_prometheus(tmp_path):
    (tmp_path / "t.yaml").write_text(
        PROMETHEUS + "server_metrics:\n  auth_p99_ms: histogram_quantile(0.99, rate(x[1m]))\n"
        "  edge-rss: process_resident_memory_bytes\n")
    targets = load_targets(tmp_path / "t.yaml")
    assert targets.prometheus == "http://127.0.0.1:9090"
    assert targets.server_metrics == {
        "auth_p99_ms": "histogram_quantile(0.99, rate(x[1m]))",
        "edge-rss": "process_resident_memory_bytes"}


def test_a_targets_file_without_them_has_none(tmp_path):
    (tmp_path / "t.yaml").write_text("edge: http://127.0.0.1:8080\n")
    targets = load_targets(tmp_path / "t.yaml")
    assert targets.prometheus is None and targets.server_metrics == {}


@pytest.mark.parametrize("text, expected", [
    (PROMETHEUS + "server_metrics:\n  Auth P99: up\n",
     ":3: server_metrics.Auth P99: 'Auth P99' is not a request group name"),
    (PROMETHEUS + "server_metrics:\n  auth: ''\n", ":3: server_metrics.auth: is empty"),
    (PROMETHEUS + "server_metrics:\n  auth: [up]\n", ":3: server_metrics.auth: "),
    (PROMETHEUS + "server_metrics: [up]\n", ":2: server_metrics: "),
    ("server_metrics:\n  auth: up\n", ":1: server_metrics: needs prometheus: the server"),
    ("prometheus: ftp://127.0.0.1:9090\n", ":1: prometheus: 'ftp://127.0.0.1:9090' is not a "
                                           "http/https URL with a host"),
    ("prometheus: http://10.20.30.40:9090\n", ":1: prometheus: "),
])
def test_mistakes_are_one_line_naming_file_line_and_key(tmp_path, text, expected):
    (tmp_path / "t.yaml").write_text(text)
    with pytest.raises(InvalidInput) as raised:
        load_targets(tmp_path / "t.yaml")
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 't.yaml'}{expected}"), message
    assert "\n" not in message.strip(), message
