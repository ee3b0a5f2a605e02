"""A run announces its live /metrics for Prometheus' file-based discovery:
one file per process in the live-targets folder, in the format Prometheus
reads (promtool accepts a configuration discovering it), loopback for a
wildcard bind, gone when the process ends, and a dead process' file removed
by the next announcement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from harness.outputs.live_targets import announce


def test_the_announcement_is_a_file_sd_target_of_this_process(tmp_path):
    file = announce("0.0.0.0", 40313, tmp_path)
    assert file == tmp_path / f"{os.getpid()}.json"
    [group] = json.loads(file.read_text())
    assert group["targets"] == ["127.0.0.1:40313"]
    assert announce("::", 40314, tmp_path) == file  # one file per process: the latest address
    assert json.loads(file.read_text())[0]["targets"] == ["[::1]:40314"]
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"scrape_configs": [
        {"job_name": "kickoff", "file_sd_configs": [{"files": [f"{tmp_path}/*.json"]}]}]}))
    result = subprocess.run(["promtool", "check", "config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_file_goes_with_the_process_and_a_dead_ones_with_the_next(tmp_path):
    code = ("import sys; from pathlib import Path; from harness.outputs.live_targets import "
            "announce; print(announce('127.0.0.1', 9, Path(sys.argv[1])))")
    ended = subprocess.run([sys.executable, "-c", code, str(tmp_path)],
                           capture_output=True, text=True, check=True)
    assert not Path(ended.stdout.strip()).exists()  # withdrawn as the process ended
    killed = tmp_path / "999999999.json"  # a pid no process has: left by a killed run
    killed.write_text("[]")
    (tmp_path / "notes.json").write_text("[]")  # not an announcement: left alone
    announce("127.0.0.1", 9, tmp_path)
    assert not killed.exists() and (tmp_path / "notes.json").exists()


def test_a_folder_that_cannot_be_written_costs_only_the_announcement(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert announce("127.0.0.1", 9, blocker / "live-targets") is None
