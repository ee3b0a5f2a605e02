"""Stack sizes: the table every platform reads, what the services and the
edge make of it (an admission limit over real HTTP, nginx's workers and
connections), how a run's component CPU figures are computed and shown, and
the scenario's stack_size rules."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from kickoff_stack import edge
from kickoff_stack.sizes import NORMAL, SMALL, SIZES, UNLIMITED, limits
from kickoff_stack.topology import BY_NAME

from harness import scenario
from harness.spec.errors import InvalidInput
from harness.platforms import local
from harness.platforms.base import stack_size
from harness.platforms.usage import Sample, mean_cores, nearest_limit, usage_line
from harness.judge.summary import summarize
from tests.streams.servers import _answers, _stop, free_port, wait_for

SCENARIO = """\
name: sized
{extra}timeline: {{start: 0s, end: 10s}}
audience:
  viewers:
    - {{at: 0s, viewers: 1}}
"""


# -- the table -------------------------------------------------------------------------

def test_every_size_names_only_components_of_the_stack():
    for size, components in SIZES.items():
        assert set(components) <= set(BY_NAME), size


def test_normal_is_the_stack_as_it_was_and_small_limits_every_served_component():
    assert all(not entry.cpus and entry.in_flight is None for entry in SIZES[NORMAL].values())
    assert limits(NORMAL, "edge").workers == 2 and limits(NORMAL, "auth") == UNLIMITED
    for component in BY_NAME.values():
        # the harness's own tool, and the stand-in of someone else's service: never limited
        if component.kind == "toxiproxy" or component.zone == "external":
            assert limits(SMALL, component.name) == UNLIMITED
            continue
        entry = limits(SMALL, component.name)
        # the kernel's smallest quota is 1 ms in a 100 ms period
        assert entry.cpus is not None and entry.cpus >= 0.01 and entry.memory, component.name
        if component.kind == "python":
            assert entry.in_flight and entry.queue >= 0, component.name
    assert limits(SMALL, "edge").workers == 1


def test_an_unknown_size_is_refused_before_anything_starts():
    assert stack_size(None) == NORMAL and stack_size(SMALL) == SMALL
    with pytest.raises(InvalidInput,
                       match="unknown stack size 'huge' \\(choose from normal, small\\)"):
        stack_size("huge")
    with pytest.raises(InvalidInput, match="unknown stack size"):
        local.LocalPlatform(root=Path("/nonexistent")).up("huge")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_edge_has_its_sizes_workers_and_connections_and_nginx_accepts_them(tmp_path, size):
    config = edge.render_config(tmp_path, "127.0.0.1:18080", "127.0.0.1", False, "stderr", size)
    assert f"worker_processes {limits(size, 'edge').workers};" in config
    assert f"worker_connections {limits(size, 'edge').connections};" in config
    path = edge.prepare(tmp_path, config)
    result = subprocess.run(["nginx", "-t", "-c", str(path), "-e", "stderr"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- admission, over real HTTP -------------------------------------------------------------

SLOW_SERVICE = """\
import asyncio, sys
from aiohttp import web
from kickoff_stack.common import admission, json_errors

async def slow(request):
    await asyncio.sleep(0.8)
    return web.json_response({"ok": True})

async def health(request):
    return web.json_response({"status": "ok"})

app = web.Application(middlewares=[json_errors, admission(1, 1)])
app.router.add_get("/slow", slow)
app.router.add_get("/healthz", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def test_admission_handles_its_limit_queues_the_next_and_answers_503_beyond():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SLOW_SERVICE, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), "the slow service")
        with ThreadPoolExecutor(max_workers=6) as pool:
            slow = [pool.submit(lambda: requests.get(f"{base}/slow", timeout=10).status_code)
                    for _ in range(6)]
            time.sleep(0.3)  # all six arrived: one handled, one waiting, four turned away
            health = requests.get(f"{base}/healthz", timeout=5).status_code
            answers = [future.result() for future in slow]
        assert health == 200  # health checks never wait
        assert answers.count(200) >= 2 and answers.count(503) >= 3, answers
        assert requests.get(f"{base}/slow", timeout=10).status_code == 200  # room again
    finally:
        _stop(process)


# -- component CPU figures -------------------------------------------------------------------

def test_mean_cores_over_the_run_with_limits_and_a_restarted_component():
    first = Sample(10.0, {"edge": 1.0, "auth": 5.0, "origin-a": 2.0})
    last = Sample(14.0, {"edge": 3.0, "auth": 5.4, "origin-a": 0.8, "redis": 0.2})
    usage = mean_cores(first, last, {"edge": 0.5, "auth": None})
    assert usage == {"edge": {"cores": 0.5, "limit": 0.5}, "auth": {"cores": 0.1, "limit": None},
                     # restarted in the run: counted from its restart (a lower bound)
                     "origin-a": {"cores": 0.2, "limit": None},
                     "redis": {"cores": 0.05, "limit": None}}
    assert mean_cores(first, Sample(10.0, {}), {}) == {}


def test_the_component_nearest_its_limit_and_the_line_that_shows_it():
    usage = {"auth": {"cores": 0.15, "limit": 0.2}, "edge": {"cores": 0.01, "limit": 0.01},
             "toxiproxy": {"cores": 0.3, "limit": None}}
    assert nearest_limit(usage) == "edge"
    assert nearest_limit({"toxiproxy": {"cores": 0.3, "limit": None}}) is None
    assert usage_line(usage) == ("components (mean cores over the run / limit): edge 0.01/0.01 "
                                 "(100%), auth 0.15/0.2 (75%), toxiproxy 0.30")
    assert usage_line(None) is None and usage_line({}) is None


def test_the_summary_has_the_runs_component_usage_or_null():
    shape = {"name": "s", "timeline": {"peak": "kickoff"}}
    measured = {"edge": {"cores": 0.2, "limit": 0.25}}
    events = [{"kind": "run_started", "epoch": 1.0},
              {"kind": "component_usage", "epoch": 2.0, "components": measured},
              {"kind": "run_ended", "epoch": 3.0, "outcome": "completed"}]
    assert summarize(shape, [], events)["components"] == measured
    assert summarize(shape, [], events[:1] + events[2:])["components"] is None


# -- the scenario's stack_size -----------------------------------------------------------------

def _load(tmp_path: Path, extra: str) -> scenario.Scenario:
    path = tmp_path / "sized.yaml"
    path.write_text(SCENARIO.format(extra=extra))
    return scenario.load(path)


def test_stack_size_is_read_written_back_and_absent_by_default(tmp_path):
    assert _load(tmp_path, "").stack_size is None
    sized = _load(tmp_path, "platform: docker\nstack_size: small\n")
    assert sized.stack_size == SMALL and sized.to_dict()["stack_size"] == SMALL
    assert "stack_size" not in _load(tmp_path, "").to_dict()


@pytest.mark.parametrize("extra, expected", [
    ("stack_size: huge\n", ":2: stack_size: unknown stack size 'huge' (choose from normal, "
                           "small)"),
    ("stack_size: 1\n", ":2: stack_size: 1 is not a stack size name"),
])
def test_a_wrong_stack_size_is_one_line_with_its_place(tmp_path, extra, expected):
    path = tmp_path / "sized.yaml"
    path.write_text(SCENARIO.format(extra=extra))
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    (line,) = str(error.value).splitlines()
    assert line.removeprefix(str(path)).startswith(expected), line


def test_stack_size_on_a_stack_kickoff_does_not_bring_up_is_a_problem(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text("edge: http://127.0.0.1:8080\n")
    path = tmp_path / "sized.yaml"
    path.write_text(SCENARIO.format(extra="platform: external\ntargets: targets.yaml\n"
                                          "stack_size: small\n"))
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    (line,) = str(error.value).splitlines()
    assert line == (f"{path}:4: stack_size: platform external runs a stack kickoff does not "
                    "bring up, so kickoff cannot size it (stack_size is for local, docker; "
                    "remove it, or size that stack yourself)")
