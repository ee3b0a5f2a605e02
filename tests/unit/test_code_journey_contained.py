"""A code journey's module is imported in a child process by validation: what
it prints, a hang, an exit or a signal is the journey's error (exit 2), never
kickoff's; a module outside the folder of the file naming it is refused
unless --allow-code-outside allows it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from harness.load import journey
from harness.load.journey import code, contained
from harness.load.journey.code import LoadError, load_class, located
from harness.load.journey.contained import described_class
from tests.cli import assert_one_line_error, harness

APP = """\
from harness.load.journey import Journey


class App(Journey):
    groups = ("token", "playback-info")
    api_kinds = ("browse",)
    leaving_flows = ("home",)

    def playback_url(self) -> str:
        return "/live/master.m3u8"
"""
FAKE_OK = """\
import os
print("ok  s.yaml  (s, 1 audience points, peak 1 viewers)", flush=True)
os._exit(0)
"""
HANGS = """\
import time
print("\\x1b[2Jwaiting for the licence server", flush=True)
time.sleep(600)
"""
KILLS_ITSELF = """\
import os
import signal
os.kill(os.getpid(), signal.SIGKILL)
"""


def scenario(folder: Path, python: str) -> Path:
    path = folder / "s.yaml"
    path.write_text("name: s\ntimeline: {start: 0s, end: 10s}\naudience:\n  viewers: [{at: 0s, "
                    f"viewers: 1}}]\njourney: {{python: '{python}'}}\n")
    return path


@pytest.fixture(autouse=True)
def inside_only():
    code.allow_outside(False)
    yield
    code.allow_outside(False)


def test_a_normal_code_journey_validates_with_its_class_learnt_in_a_child(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    path, cls = described_class("app.py:App", tmp_path)
    assert path == tmp_path / "app.py"
    assert (cls.groups, cls.api_kinds, cls.leaving_flows) == (("token", "playback-info"),
                                                              ("browse",), ("home",))
    assert not [module for module in list(sys.modules.values())  # not imported here
                if getattr(module, "__file__", None) == str(path)]
    result = harness("validate", str(scenario(tmp_path, "app.py:App")))
    assert result.returncode == 0 and result.stdout.startswith("ok "), result.stderr


def test_a_module_that_prints_ok_and_exits_0_at_import_is_the_journeys_error(tmp_path):
    (tmp_path / "app.py").write_text(FAKE_OK)
    result = harness("validate", str(scenario(tmp_path, "app.py:App")))
    assert_one_line_error(result, 2, "s.yaml:5: journey.python: app.py:",
                          "exited with code 0 before it was done",
                          'the journey module printed: "ok  s.yaml')
    assert result.stdout == ""  # its "ok" is shown as what it printed, under the error


def test_a_module_that_hangs_is_stopped_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(contained, "IMPORT_LIMIT_S", 1.0)
    (tmp_path / "app.py").write_text(HANGS)
    with pytest.raises(LoadError) as refused:
        described_class("app.py:App", tmp_path)
    assert "app.py did not finish importing within 1 s (stopped)" in str(refused.value)
    assert 'printed: "\\x1b[2Jwaiting for the licence server"' in str(refused.value)


def test_a_module_that_kills_itself_is_the_journeys_error_not_kickoffs(tmp_path):
    (tmp_path / "app.py").write_text(KILLS_ITSELF)
    with pytest.raises(LoadError, match="app.py: the check of the journey class was killed by "
                                        "signal SIGKILL before it was done"):
        described_class("app.py:App", tmp_path)


@pytest.fixture
def outside(tmp_path) -> Path:
    """tmp_path/outside/app.py, and tmp_path/scenario/link leading to its folder."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "app.py").write_text(APP)
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "link").symlink_to(folder)
    return folder


@pytest.mark.parametrize("where", ["../outside/app.py", "{outside}/app.py", "link/app.py"],
                         ids=["dot-dot", "absolute", "symlink"])
def test_a_module_outside_the_folder_is_refused_unless_allowed(outside, where, monkeypatch):
    folder, python = outside.parent / "scenario", where.format(outside=outside)
    for load in (located, load_class, described_class):
        with pytest.raises(LoadError, match=f"{python} leads outside {folder} .*"
                                            f"--allow-code-outside"):
            load(f"{python}:App", folder)
    # a run (or a worker) reads again what validation allowed, without the command line
    assert journey.load({"python": f"{python}:App"}, folder, "s.yaml").cls.__name__ == "App"
    monkeypatch.setattr(code, "_outside_allowed", False)
    code.allow_outside(True)
    assert described_class(f"{python}:App", folder)[1].groups == ("token", "playback-info")


def test_validate_refuses_code_outside_with_file_line_and_allows_it_with_the_option(outside):
    path = scenario(outside.parent / "scenario", "../outside/app.py:App")
    assert_one_line_error(harness("validate", str(path)), 2, "s.yaml:5: journey.python: "
                          "../outside/app.py leads outside")
    result = harness("validate", "--allow-code-outside", str(path))
    assert result.returncode == 0 and result.stdout.startswith("ok "), result.stderr


def test_run_imports_the_module_here_after_the_same_check(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    path, cls = load_class("app.py:App", tmp_path)
    assert cls.__module__.startswith("kickoff_journey_") and cls.__name__ == "App"
    assert os.path.samefile(path, tmp_path / "app.py")
