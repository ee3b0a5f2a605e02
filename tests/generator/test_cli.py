"""The generator's command line: bad input exits 2 with one clear line, and
workers that never come end a run with exit 3 before the stack is touched."""

from __future__ import annotations

import time

import pytest

from harness.generator.spawn import free_port
from tests.cli import assert_one_line_error, harness
from tests.generator.test_master import EMPTY


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text(EMPTY)
    return path


@pytest.mark.parametrize("args, problem", [
    (["--workers", "0"], "argument --workers: '0' is not a number of workers"),
    (["--workers", "-1"], "argument --workers: '-1' is not a number of workers"),
    (["--workers", "two"], "argument --workers: 'two' is not a number of workers"),
    (["--expect-workers", "0"], "argument --expect-workers: '0' is not a number of workers"),
    (["--expect-workers", "1", "--master-bind", "host"],
     "argument --master-bind: 'host' has no port"),
    (["--expect-workers", "1", "--master-bind", "host:99999"],
     "argument --master-bind: 'host:99999': port 99999 is not 1-65535"),
    (["--expect-workers", "1", "--master-bind", "a b:1"],
     "argument --master-bind: 'a b:1' is not HOST[:PORT]"),
    (["--expect-workers", "1", "--expect-timeout", "soon"], "argument --expect-timeout"),
])
def test_bad_generator_options_exit_2_naming_the_option(scenario, args, problem):
    result = harness("run", str(scenario), *args, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert problem in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("args, words", [
    (["--workers", "2", "--expect-workers", "2"], ("give one of them",)),
    (["--master-bind", "0.0.0.0:5557"], ("go with --expect-workers N",)),
    (["--workers", "2", "--expect-timeout", "5"], ("go with --expect-workers N",)),
])
def test_options_that_do_not_go_together_exit_2(scenario, args, words):
    assert_one_line_error(harness("run", str(scenario), *args, timeout=60), 2, *words)


@pytest.mark.parametrize("master, problem", [
    ("host:0", "port 0 is not 1-65535"), ("", "is not HOST[:PORT]"),
    ("http://host", "is not HOST[:PORT]")])
def test_a_worker_with_a_bad_master_address_exits_2(master, problem):
    result = harness("worker", "--master", master, timeout=60)
    assert result.returncode == 2 and problem in result.stderr.splitlines()[-1]


def test_workers_that_never_come_end_the_run_with_exit_3(scenario, tmp_path):
    started = time.monotonic()
    result = harness("run", str(scenario), "--expect-workers", "2", "--expect-timeout", "2",
                     "--master-bind", f"127.0.0.1:{free_port()}",
                     "--results-dir", str(tmp_path / "results"), timeout=60)
    assert_one_line_error(result, 3, "0 of 2 workers joined within 2s", "harness worker")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "results").exists()  # no run folder: there was no run
