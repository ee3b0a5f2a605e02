"""--journey FILE on run, validate, sweep and capacity: the scenario's journey
replaced without a copy of the scenario. Its mistakes are the option's, one
line each; the journey file's own name its lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import assert_one_line_error, harness

SCENARIO = """\
name: variants
platform: external
targets: targets.yaml
journey: {journey}
timeline: {{start: 0s, end: 10s}}
audience: {{viewers: [{{at: 0s, viewers: 1}}]}}
slos:
  - {{metric: error_ratio.login, max: 1%}}
"""


def journey(path: Path, group: str) -> Path:
    path.write_text(f"steps:\n  - {{group: {group}, url: /login}}\nplay: /live/master.m3u8\n")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "targets.yaml").write_text("edge: http://127.0.0.1:1\n")
    journey(tmp_path / "token.yaml", "token")
    (tmp_path / "variants.yaml").write_text(SCENARIO.format(journey="token.yaml"))
    (tmp_path / "variant").mkdir()
    journey(tmp_path / "variant" / "login.yaml", "login")
    return tmp_path


def test_the_option_replaces_the_scenarios_journey(folder):
    # the SLO names a group only the variant journey has
    assert_one_line_error(harness("validate", "variants.yaml", cwd=folder), 2,
                          "variants.yaml:8", "no request group 'login'")
    result = harness("validate", "variants.yaml", "--journey", "variant/login.yaml", cwd=folder)
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stderr


def test_a_journey_files_mistake_names_its_own_line(folder):
    (folder / "variant" / "bad.yaml").write_text("steps:\n  - {group: login, url: '/x/{evnt}'}\n"
                                                 "play: /p\n")
    assert_one_line_error(harness("validate", "variants.yaml", "--journey", "variant/bad.yaml",
                                  cwd=folder), 2, "bad.yaml:2", "unknown variable {evnt}")


@pytest.mark.parametrize("command", ["run", "validate", "sweep", "capacity"])
def test_every_command_that_reads_a_scenario_takes_the_option(folder, command):
    result = harness(command, "variants.yaml", "--journey", "nope.yaml", cwd=folder)
    assert_one_line_error(result, 2, "--journey: no file nope.yaml", "current directory")

