"""The reference stack's observers follow one table (kickoff_stack.observers):
compose/prometheus.yml and the observer services of compose/docker-compose.yml
are that table's, Prometheus' own checker accepts both configurations, and
every shipped scenario reads the edge, auth, Redis and the database."""

import json
import re
import subprocess

import pytest
import yaml

from harness.platforms.base import live_targets_dir
from harness.platforms.local_observers import LocalObservers
from harness.platforms.reference import PROMETHEUS
from harness.platforms.registry import stack_of
from harness.scenario import load
from harness.spec.paths import COMPOSE_DIR, SCENARIOS_DIR
from kickoff_stack.observers import (EXPORTERS, PROMETHEUS_PORT, exporter_command,
                                     prometheus_command, prometheus_config, scrape_targets)
from kickoff_stack.topology import COMPONENTS

CONFIG_IN_CONTAINER = "/etc/kickoff/prometheus.yml"
LIVE_TARGETS_IN_CONTAINER = "/kickoff/live-targets"


def observers() -> dict[str, dict]:
    services = yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text())["services"]
    return {name: s for name, s in services.items() if "kickoff.observer" in s["labels"]}


def test_compose_prometheus_yml_is_the_table():
    assert yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text()) == \
        prometheus_config(LIVE_TARGETS_IN_CONTAINER)


def test_every_python_service_and_exporter_is_scraped_once():
    targets = scrape_targets()
    assert {c.name for c in COMPONENTS if c.kind == "python"} | {e.job for e in EXPORTERS} \
        == set(targets)
    assert len(set(targets.values())) == len(targets)  # no two jobs on one port
    assert all(address.startswith("127.0.0.1:") for address in targets.values())


@pytest.mark.parametrize("config", ["compose", "local"])
def test_prometheus_accepts_the_configuration(config, tmp_path):
    if config == "compose":
        path = COMPOSE_DIR / "prometheus.yml"
    else:
        path = tmp_path / "prometheus.yml"
        path.write_text(json.dumps(prometheus_config(str(tmp_path / "live"))))
    result = subprocess.run(["promtool", "check", "config", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_exporter_is_a_compose_service_as_the_table_says():
    services = observers()
    assert set(services) == {e.name for e in EXPORTERS} | {"prometheus"}
    for exporter in EXPORTERS:
        service = services[exporter.name]
        assert service["labels"] == {"kickoff.observer": exporter.name}
        assert "kickoff.component" not in service["labels"]  # no fault may pick it
        on_host = service.get("network_mode") == "host"
        command, env = exporter_command(exporter, "127.0.0.1" if on_host else "0.0.0.0",
                                        exporter.job)
        assert service["command"][:len(command)] == command
        if not on_host:  # published where Prometheus, on the machine's network, scrapes it
            assert service["ports"] == [f"127.0.0.1:{exporter.port}:{exporter.port}"]
        for name, value in env.items():  # the password as the stack's other services get it
            assert service["environment"][name] == value.replace(
                "kickoff-dev-db-password", "${KICKOFF_DB_PASSWORD:-kickoff-dev-db-password}")


def test_the_compose_prometheus_reads_the_table_and_the_runs_announcements():
    service = observers()["prometheus"]
    assert service["network_mode"] == "host"
    assert service["command"] == prometheus_command(
        CONFIG_IN_CONTAINER, "/var/lib/kickoff/prometheus", "127.0.0.1")
    mounts = dict(volume.rsplit(":", 2)[:2] for volume in service["volumes"])
    assert mounts["./prometheus.yml"] == CONFIG_IN_CONTAINER
    assert mounts["${KICKOFF_LIVE_TARGETS:-/var/tmp/kickoff-live-targets}"] \
        == LIVE_TARGETS_IN_CONTAINER


def test_the_local_observers_listen_on_loopback_at_the_tables_ports(tmp_path):
    commands = LocalObservers(tmp_path).commands()
    assert set(commands) == {e.name for e in EXPORTERS} | {"prometheus"}
    for exporter in EXPORTERS:
        command, _, port = commands[exporter.name]
        assert f"--web.listen-address=127.0.0.1:{exporter.port}" in command
        assert port == exporter.port
    command, _, port = commands["prometheus"]
    assert port == PROMETHEUS_PORT and f"--web.listen-address=127.0.0.1:{port}" in command
    assert str(live_targets_dir(tmp_path)) == str(tmp_path / "live-targets")


SHIPPED = sorted(SCENARIOS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_reads_the_edge_auth_redis_and_the_database(path):
    """Its stack's own queries (the reference stack's, as its journey is) and its own."""
    scenario = load(path)
    stack = stack_of(scenario.platform)
    assert stack.server is not None and stack.server.prometheus == PROMETHEUS
    queries = stack.server.adding(scenario.server_metrics).queries
    jobs = {job for query in queries.values() for job in re.findall(r'job="([^"]+)"', query)}
    assert {"edge", "auth", "redis", "postgres"} <= jobs, path.name
