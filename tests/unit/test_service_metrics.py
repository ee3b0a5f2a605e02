"""The Python services' Prometheus metrics (kickoff_stack/common.py), scraped over
real HTTP from real processes: the series and their labels, what a request, a
404 and an error add, and admission's gauges and rejections while a service is
saturated, when /metrics and /healthz must still answer."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from kickoff_stack.sizes import SIZE_ENV, SMALL, limits
from tests.streams.servers import _answers, _stop, free_port, wait_for

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

SERIES = {
    "kickoff_service_requests": "counter",
    "kickoff_service_request_seconds": "histogram",
    "kickoff_service_requests_in_flight": "gauge",
    "kickoff_service_requests_waiting": "gauge",
    "kickoff_service_in_flight_limit": "gauge",
    "kickoff_service_rejected": "counter",
    "process_cpu_seconds": "counter",  # the default registry's process collector
}

# A service built as every service is (make_app), with a route that holds its
# requests until the test creates the gate file, one whose dependency is down
# and one that fails unhandled.
GATED_SERVICE = """\
import asyncio, sys
from pathlib import Path
from aiohttp import web
from kickoff_stack.common import ServiceUnavailable, make_app

gate = Path(sys.argv[2])  # the test creates it once it has seen the service saturated

async def held(request):
    while not gate.exists():
        await asyncio.sleep(0.02)
    return web.json_response({"ok": True})

async def down(request):
    raise ServiceUnavailable("redis unavailable")

async def broken(request):
    raise RuntimeError("a bug")

async def health(request):
    return web.json_response({"status": "ok"})

app = make_app("auth")  # auth's admission limits at KICKOFF_STACK_SIZE
app.router.add_get("/held/{n}", held)
app.router.add_get("/down", down)
app.router.add_get("/broken", broken)
app.router.add_get("/healthz", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _start(command: list[str], port: int, **env: str) -> tuple[subprocess.Popen, str]:
    """`command` serving on `port` at the size `env` says (normal unless it does)."""
    environment = {k: v for k, v in os.environ.items() if k != SIZE_ENV} | env
    process = subprocess.Popen(command, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), f"the service on port {port}")
    except AssertionError:
        _stop(process)
        raise
    return process, base


@pytest.fixture(scope="module")
def payment() -> Iterator[str]:
    port = free_port()
    process, base = _start(
        [sys.executable, "-m", "kickoff_stack.payment", "--port", str(port)],
        port,
        KICKOFF_PAYMENT_LATENCY="0",
    )
    try:
        yield base
    finally:
        _stop(process)


def _gated(tmp_path: Path, **env: str) -> tuple[subprocess.Popen, str, Path]:
    gate, port = tmp_path / "gate", free_port()
    process, base = _start([sys.executable, "-c", GATED_SERVICE, str(port), str(gate)], port, **env)
    return process, base, gate


def scrape(base: str) -> Samples:
    response = requests.get(f"{base}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_total(samples: Samples, route: str, method: str, status: int) -> float:
    return value(
        samples, "kickoff_service_requests_total", route=route, method=method, status=str(status)
    )


def timed(samples: Samples, route: str) -> float:
    return value(samples, "kickoff_service_request_seconds_count", route=route)


def test_metrics_answers_with_every_series_in_prometheus_text(payment):
    response = requests.get(f"{payment}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    families = {f.name: f.type for f in text_string_to_metric_families(response.text)}
    assert {name: families.get(name) for name in SERIES} == SERIES
    samples = scrape(payment)
    assert value(samples, "kickoff_service_in_flight_limit") == math.inf  # payment: no limit
    assert value(samples, "kickoff_service_requests_in_flight") == 0
    assert value(samples, "kickoff_service_requests_waiting") == 0


def test_a_request_counts_by_route_method_and_final_status_and_is_timed(payment):
    before = scrape(payment)
    charges = f"{payment}/payments/charges"
    body = {"amount_cents": 500, "customer": "fan"}
    answers = [
        requests.post(charges, json=body, headers={"Idempotency-Key": "k1"}, timeout=5),
        # errors raised as exceptions and answered as JSON: counted with their status
        requests.post(
            charges,
            json=body | {"customer": "decline-me"},
            headers={"Idempotency-Key": "k2"},
            timeout=5,
        ),
        requests.post(charges, json=body, timeout=5),
        requests.get(f"{payment}/no/such/path", timeout=5),
        requests.get(f"{payment}/healthz", timeout=5),
    ]
    assert [a.status_code for a in answers] == [201, 402, 400, 404, 200]
    after = scrape(payment)

    route = "/payments/charges"
    for status in (201, 402, 400):
        assert (
            requests_total(after, route, "POST", status)
            - requests_total(before, route, "POST", status)
        ) == 1, status
    assert timed(after, route) - timed(before, route) == 3
    # a path no route matches is one label value, whatever the path
    assert (
        requests_total(after, "unmatched", "GET", 404)
        - requests_total(before, "unmatched", "GET", 404)
    ) == 1
    assert timed(after, "unmatched") - timed(before, "unmatched") == 1
    # probes are not counted: neither /healthz nor the scrapes themselves
    probes = [
        labels for _, labels in after if dict(labels).get("route") in ("/healthz", "/metrics")
    ]
    assert probes == []


def test_failures_are_counted_with_the_status_the_client_got(tmp_path):
    process, base, _ = _gated(tmp_path)
    try:
        down = requests.get(f"{base}/down", timeout=5)
        assert (down.status_code, down.json()["error"]) == (503, "redis unavailable")
        assert requests.get(f"{base}/broken", timeout=5).status_code == 500  # aiohttp's own
        samples = scrape(base)
        assert requests_total(samples, "/down", "GET", 503) == 1
        assert requests_total(samples, "/broken", "GET", 500) == 1
        assert timed(samples, "/down") == 1 and timed(samples, "/broken") == 1
    finally:
        _stop(process)


def test_admission_rejections_gauges_and_the_limit_while_probes_pass_by(tmp_path):
    allowed = limits(SMALL, "auth")
    assert allowed.in_flight is not None
    turned_away = 3
    total = allowed.in_flight + allowed.queue + turned_away
    process, base, gate = _gated(tmp_path, **{SIZE_ENV: SMALL})
    try:
        with ThreadPoolExecutor(max_workers=total) as pool:
            held = [
                pool.submit(lambda n: requests.get(f"{base}/held/{n}", timeout=30), n)
                for n in range(total)
            ]
            try:
                # nothing is answered before the gate opens, but those turned away
                wait_for(lambda: sum(f.done() for f in held) == turned_away, "the 503s", 10)
                wait_for(
                    lambda: (
                        value(scrape(base), "kickoff_service_requests_waiting") == allowed.queue
                    ),
                    "a full queue",
                    10,
                )
                saturated = scrape(base)  # /metrics passes by the full queue
                health = requests.get(f"{base}/healthz", timeout=5).status_code
            finally:
                gate.touch()
            answers = [f.result().status_code for f in held]
        after = scrape(base)
    finally:
        _stop(process)

    assert health == 200
    assert sorted(answers) == [200] * (total - turned_away) + [503] * turned_away
    assert value(saturated, "kickoff_service_in_flight_limit") == allowed.in_flight
    assert value(saturated, "kickoff_service_requests_in_flight") == allowed.in_flight
    assert value(saturated, "kickoff_service_rejected_total") == turned_away
    assert requests_total(saturated, "/held/{n}", "GET", 503) == turned_away
    assert requests_total(saturated, "/held/{n}", "GET", 200) == 0

    assert value(after, "kickoff_service_rejected_total") == turned_away
    assert requests_total(after, "/held/{n}", "GET", 503) == turned_away
    assert requests_total(after, "/held/{n}", "GET", 200) == total - turned_away
    assert timed(after, "/held/{n}") == total
    assert value(after, "kickoff_service_requests_in_flight") == 0
    assert value(after, "kickoff_service_requests_waiting") == 0
