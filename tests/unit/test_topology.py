"""compose/docker-compose.yml, compose/toxiproxy.json and the edge's nginx.conf
follow the one topology table, and nginx itself accepts the edge config."""

import json
import subprocess

import pytest
import yaml

from kickoff_stack import edge
from kickoff_stack.topology import (BY_NAME, CLIENT_URLS, COMPONENTS, LINKS, link_environment,
                                    toxiproxy_config)

from harness.spec.paths import COMPOSE_DIR


def compose() -> dict:
    return yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text())


def test_toxiproxy_json_is_the_topology():
    assert json.loads((COMPOSE_DIR / "toxiproxy.json").read_text()) == toxiproxy_config("0.0.0.0", None)


def test_every_component_is_a_compose_service_published_on_loopback_at_its_port():
    services = {name: service for name, service in compose()["services"].items()
                if "kickoff.observer" not in service["labels"]}  # tests/unit/test_observers.py
    assert set(services) == {c.name for c in COMPONENTS}
    for component in COMPONENTS:
        service = services[component.name]
        assert service["ports"] == [f"127.0.0.1:{component.port}:{component.port}"]
        assert service["labels"]["kickoff.component"] == component.name
        assert service["labels"]["kickoff.zone"] == component.zone
        assert service["restart"] == "unless-stopped"


def test_services_reach_their_dependencies_only_through_their_links():
    services = compose()["services"]
    sources = {link.source for link in LINKS if link.target in CLIENT_URLS}
    assert {"auth", "catalog", "accounts"} <= sources
    for source in sources:
        environment = services[source]["environment"]
        wanted = link_environment(source, "toxiproxy")
        assert {name: environment.get(name) for name in wanted} == wanted


@pytest.mark.parametrize("stale", [False, True])
def test_edge_config_routes_through_every_edge_link_and_nginx_accepts_it(tmp_path, stale):
    config = edge.render_config(tmp_path, "127.0.0.1:18080", "127.0.0.1", stale, "stderr")
    for link in LINKS:
        if link.source == "edge":
            assert f"server 127.0.0.1:{link.listen_port}" in config
    assert ("proxy_cache_use_stale error timeout" in config) == stale
    path = edge.prepare(tmp_path, config)
    result = subprocess.run(["nginx", "-t", "-c", str(path), "-e", "stderr"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_edge_listens_where_the_viewers_come_in():
    assert BY_NAME["edge"].port == 8080 and BY_NAME["toxiproxy"].port == 8474
