"""A Toxiproxy API behind an https reverse proxy under a path prefix: the
links adapter, the toxiproxy fault driver built from a targets file, and a
run's start, each against a real toxiproxy-server behind a real nginx."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from harness.spec.errors import InvalidInput
from harness.faults.registry import KINDS, driver
from harness.platforms.links import Links
from harness.platforms.external import external_stack
from harness.scenario.model import Fault
from tests.cli import assert_one_line_error, harness
from tests.remote.servers import PREFIX, https_proxy
from tests.streams.servers import free_port, own_state, toxiproxy

SCENARIO = """\
name: tls
platform: external
targets: targets.yaml
time_scale: 10
fault_time_scale: 10  # what is tested is the API over TLS, not the outage
timeline: {start: -10s, end: 10s}
audience:
  stream: http://127.0.0.1:9/live.m3u8
  viewers:
    - {at: -10s, viewers: 1}
faults:
  - {name: slow, kind: latency, target: stream, at: 0s, for: 5s, params: {latency: 100ms}}
"""


@pytest.fixture(scope="module")
def behind_https(tmp_path_factory):
    """(the https API URL with its prefix, the CA bundle, nginx's access log, the plain API)."""
    work = tmp_path_factory.mktemp("https")
    with toxiproxy(f"127.0.0.1:{free_port()}") as (api, _, _), \
            https_proxy(api, work) as (url, access_log):
        yield url, work / "cert.pem", access_log, api


def _toxics_seen_directly(api: str) -> list[str]:
    with urllib.request.urlopen(f"{api}/proxies/stream/toxics", timeout=5) as response:
        return [toxic["name"] for toxic in json.load(response)]


def test_links_go_through_the_prefix_over_https(behind_https):
    url, ca, access_log, api = behind_https
    links = Links(url, str(ca))
    assert links.version().startswith("2.")
    assert "stream" in links.proxies()
    links.add_toxic("stream", "latency", {"latency": 50, "jitter": 0}, name="slow")
    assert [t.name for t in links.toxics("stream")] == ["slow"] == _toxics_seen_directly(api)
    links.set_enabled("stream", False)
    assert not links.is_enabled("stream")
    links.reset()
    assert links.is_enabled("stream") and _toxics_seen_directly(api) == []
    links.add_toxic("stream", "bandwidth", {"rate": 10}, name="thin")
    links.remove_toxic("stream", "thin")
    assert _toxics_seen_directly(api) == []
    logged = access_log.read_text()
    for request in (f"GET {PREFIX}version 200", f"POST {PREFIX}proxies/stream/toxics 200",
                    f"DELETE {PREFIX}proxies/stream/toxics/thin 204", f"POST {PREFIX}reset 204"):
        assert request in logged


def test_the_driver_a_targets_file_describes_injects_and_reverts_over_https(behind_https,
                                                                             tmp_path):
    url, ca, _, api = behind_https
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"toxiproxy: {url}\ntoxiproxy_ca: {ca}\nlinks: [stream]\n")
    toxics = driver(external_stack(targets).contexts["toxiproxy"])
    toxics.check()
    fault = Fault("slow", "latency", "stream", 0.0, 5.0, {"latency": 0.1})
    undo = toxics.plan(fault, KINDS["latency"], {"latency": 0.1})
    toxics.apply(KINDS["latency"], {"latency": 0.1}, undo)
    assert _toxics_seen_directly(api) == ["kickoff-slow"]
    toxics.revert(undo)
    assert _toxics_seen_directly(api) == []


def test_the_system_trust_store_is_the_default_and_refuses_a_self_signed_api(behind_https):
    with pytest.raises(InvalidInput, match="TLS failed .*CERTIFICATE_VERIFY_FAILED"):
        Links(behind_https[0]).version()


def _run(tmp_path: Path, toxiproxy: str, ca: Path | None, edge: str):
    """`harness run` on a stack whose edge is nginx's (it answers; the stream it
    plays does not: the run is about its faults)."""
    (tmp_path / "targets.yaml").write_text(f"edge: {edge}\ntoxiproxy: {toxiproxy}\n"
                                           f"links: [stream]\n"
                                           + (f"toxiproxy_ca: {ca}\n" if ca else ""))
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    return harness("run", str(tmp_path / "scenario.yaml"), "--results-dir",
                   str(tmp_path / "results"), env=own_state(tmp_path), timeout=60)


def test_a_run_injects_and_reverts_its_fault_through_the_prefix_over_https(behind_https,
                                                                           tmp_path):
    url, ca, _, _ = behind_https
    result = _run(tmp_path, url, ca, url.removesuffix(PREFIX))
    assert "Traceback" not in result.stderr, result.stderr
    (events,) = (tmp_path / "results").glob("*/events.jsonl")
    kinds = [event["kind"] for event in map(json.loads, events.read_text().splitlines())
             if event.get("fault") == "slow"]
    assert kinds == ["fault_scheduled", "fault_injected", "fault_reverted"], result.stderr


@pytest.mark.parametrize("toxiproxy, ca, code, words", [
    ("{root}/wrong/", True, 2, ("answered HTTP 404, not as Toxiproxy's API does",
                                            "scheme, port and path prefix")),
    ("{http}", False, 2, ("answered HTTP 400, not as Toxiproxy's API does",)),
    ("{https}", False, 2, ("TLS failed", "toxiproxy_ca")),
    ("{plain_api_as_https}", True, 2, ("TLS failed", "scheme")),
    ("https://127.0.0.1:{closed}/toxiproxy/", True, 3, ("does not answer",)),
])
def test_a_wrong_toxiproxy_url_stops_a_run_before_it_starts(behind_https, tmp_path, toxiproxy,
                                                              ca, code, words):
    url, cert, _, api = behind_https
    root = url.removesuffix(PREFIX)
    toxiproxy = toxiproxy.format(https=url, root=root, http=url.replace("https", "http"),
                                 plain_api_as_https=api.replace("http", "https"),
                                 closed=free_port())
    result = _run(tmp_path, toxiproxy, cert if ca else None, root)
    assert_one_line_error(result, code, "Toxiproxy", *words)
