"""How the reference stack is observed, as a real platform is: the exporters
people run beside nginx, Redis, PostgreSQL and the machine (Debian's
prometheus-*-exporter programs), the Python services' own /metrics
(prometheus-client), and one Prometheus that scrapes them all.

One table for both platforms. Prometheus scrapes every target on 127.0.0.1:
locally each process listens there; in Docker each exporter's port is
published there and Prometheus shares the machine's network. It also scrapes
every running kickoff's live /metrics, found through the files kickoff writes
in its live-targets folder (Prometheus' file-based discovery).
compose/prometheus.yml and compose/docker-compose.yml follow this table
(tests/unit/test_observers.py keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from .postgres import password_from_env
from .topology import BY_NAME, COMPONENTS, EDGE_STATUS_PORT

PROMETHEUS_PORT = 9690
# Every 2 s: kickoff reads the queries each second, and rate() windows of 10 s
# get five points; every second would double the scraping's cost on the
# small stack's CPU quotas for no better figure.
SCRAPE_INTERVAL = "2s"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Exporter:
    name: str  # its process (local) or service (Docker)
    port: int
    job: str  # the job its series carry in Prometheus: the component it watches
    program: str  # Debian's binary


EXPORTERS = (
    Exporter("node-exporter", 9610, "node", "prometheus-node-exporter"),
    Exporter("edge-exporter", 9611, "edge", "prometheus-nginx-exporter"),
    Exporter("redis-exporter", 9612, "redis", "prometheus-redis-exporter"),
    Exporter("postgres-exporter", 9613, "postgres", "prometheus-postgres-exporter"),
)
EXPORTERS_BY_NAME = {e.name: e for e in EXPORTERS}
PROGRAMS = tuple(e.program for e in EXPORTERS) + ("prometheus",)


def exporter_command(
    exporter: Exporter, listen_host: str, watched_host: str
) -> tuple[list[str], dict[str, str]]:
    """`exporter`'s command line and the environment it adds: listening on
    listen_host, watching its component at watched_host (127.0.0.1 locally,
    the component's service name in Docker). It watches directly, never
    through Toxiproxy: a cut link must not blind the observer."""
    listen = f"--web.listen-address={listen_host}:{exporter.port}"
    if exporter.job == "node":
        return [exporter.program, listen], {}
    if exporter.job == "edge":
        status = f"http://{watched_host}:{EDGE_STATUS_PORT}/stub_status"
        return [exporter.program, listen, f"--nginx.scrape-uri={status}"], {}
    port = BY_NAME[exporter.job].port
    if exporter.job == "redis":
        return [exporter.program, listen, f"--redis.addr=redis://{watched_host}:{port}"], {}
    source = f"postgresql://kickoff:{password_from_env()}@{watched_host}:{port}/postgres"
    return [exporter.program, listen], {"DATA_SOURCE_NAME": f"{source}?sslmode=disable"}


def scrape_targets() -> dict[str, str]:
    """Each job's address on 127.0.0.1: the Python services' own ports, the exporters'."""
    services = {c.name: f"{HOST}:{c.port}" for c in COMPONENTS if c.kind == "python"}
    return services | {e.job: f"{HOST}:{e.port}" for e in EXPORTERS}


def prometheus_config(live_targets: str) -> dict:
    """Prometheus' configuration: every job of scrape_targets, and job
    `kickoff` for the live runs described by the files in live_targets."""
    jobs = [
        {"job_name": job, "static_configs": [{"targets": [address]}]}
        for job, address in scrape_targets().items()
    ]
    kickoff = {"job_name": "kickoff", "file_sd_configs": [{"files": [f"{live_targets}/*.json"]}]}
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "scrape_timeout": SCRAPE_INTERVAL},
        "scrape_configs": [*jobs, kickoff],
    }


def prometheus_command(config: str, data: str, listen_host: str) -> list[str]:
    """Prometheus with `config`, its data in `data`, kept for a day: the
    stack's figures are for the runs against it, not for history."""
    return [
        "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        "--storage.tsdb.retention.time=1d",
        f"--web.listen-address={listen_host}:{PROMETHEUS_PORT}",
    ]
