"""`harness init`: the starter files a QA team edits, written, commented, never overwritten."""

from urllib.parse import urlsplit

import yaml

from harness.platforms.reference import EDGE
from harness.starter import FILES
from harness.platforms.targets import load_targets
from tests.cli import assert_one_line_error, harness


def test_init_writes_commented_starter_files_that_parse(tmp_path):
    result = harness("init", "project", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "project"
    assert sorted(path.name for path in folder.iterdir()) == sorted(FILES)
    for name in FILES:
        text = (folder / name).read_text()
        assert "CHANGE" in text, name  # each says what to edit
        assert isinstance(yaml.safe_load(text), dict), name
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert scenario["platform"] == "external"
    assert (scenario["targets"], scenario["journey"]) == ("targets.yaml", "journey.yaml")
    assert "harness validate project/scenario.yaml" in result.stdout  # the next step
    # a playback that broke after its first frame fails the starter's run
    assert {"metric": "playback_failure_ratio", "max": "1%"} in scenario["slos"]


def test_the_starter_edge_is_left_to_fill_in_and_validate_says_what_to_write(tmp_path):
    assert harness("init", str(tmp_path)).returncode == 0
    for name in FILES:  # no default that would load whatever listens on the reference stack
        assert f":{urlsplit(EDGE).port}" not in (tmp_path / name).read_text(), name
    line = (tmp_path / "targets.yaml").read_text().splitlines().index("edge:") + 1
    assert_one_line_error(harness("validate", str(tmp_path / "scenario.yaml")), 2,
                          f"targets.yaml:{line}: edge: has no value", "base URL",
                          "allow_hosts", "a platform on this machine")
    targets = tmp_path / "targets.yaml"
    targets.write_text(targets.read_text().replace("\nedge:\n", "\nedge: http://127.0.0.1:1\n"))
    assert load_targets(targets).edge == "http://127.0.0.1:1"
    result = harness("validate", str(tmp_path / "scenario.yaml"))
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stderr


def test_the_commented_bare_stream_alternative_is_valid_yaml_in_the_audience(tmp_path):
    assert harness("init", str(tmp_path)).returncode == 0
    lines = (tmp_path / "scenario.yaml").read_text().splitlines()
    edited = [line.replace("# stream:", "stream:", 1) for line in lines
              if not line.startswith("journey:")]
    scenario = yaml.safe_load("\n".join(edited))
    assert "journey" not in scenario
    assert scenario["audience"]["stream"].startswith("https://")


def test_init_overwrites_nothing_without_force(tmp_path):
    mine = "edge: http://127.0.0.1:1\n"
    (tmp_path / "targets.yaml").write_text(mine)
    assert_one_line_error(harness("init", str(tmp_path)), 2, "targets.yaml", "already there",
                          "--force")
    assert (tmp_path / "targets.yaml").read_text() == mine
    assert not (tmp_path / "scenario.yaml").exists()  # all or nothing
    assert harness("init", str(tmp_path), "--force").returncode == 0
    assert "CHANGE" in (tmp_path / "targets.yaml").read_text()
    (tmp_path / "a-file").write_text("")
    assert_one_line_error(harness("init", str(tmp_path / "a-file")), 2, "a-file",
                          "cannot write")
