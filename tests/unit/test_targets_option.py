"""--platform and --targets on the command line: any scenario against a stack kickoff did not
start. Their mistakes are the command line's, one line each, never a line of the file."""

from pathlib import Path

from harness.spec.paths import SCENARIOS_DIR
from tests.cli import assert_one_line_error, harness

SMOKE = str(SCENARIOS_DIR / "smoke.yaml")
EXTERNAL = str(Path(__file__).parents[1] / "data" / "scenarios" / "external.yaml")


def _targets(path: Path, text: str = "edge: http://127.0.0.1:1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_any_scenario_runs_external_with_targets_from_the_current_directory(tmp_path):
    _targets(tmp_path / "staging" / "targets.yaml")
    result = harness("validate", SMOKE, "--platform", "external", "--targets",
                     "staging/targets.yaml", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stderr
    # The run reads that file: a host it does not allow is refused before anything starts.
    _targets(tmp_path / "far" / "targets.yaml", "edge: http://10.20.30.40:8080\n")
    result = harness("run", SMOKE, "--platform", "external", "--targets", "far/targets.yaml",
                     "--results-dir", "r", cwd=tmp_path)
    assert_one_line_error(result, 2, "far/targets.yaml", "10.20.30.40", "allow_hosts")
    assert not (tmp_path / "r").exists()


def test_targets_option_replaces_the_scenarios_own_or_supplies_a_missing_one(tmp_path):
    # external.yaml's faults need Toxiproxy and Docker; a targets file with an edge only
    # offers neither, so its faults are refused: the option's file is the one read.
    bare = _targets(tmp_path / "bare.yaml")
    result = harness("validate", EXTERNAL, "--targets", str(bare))
    assert result.returncode == 2 and "cut is a toxiproxy fault" in result.stderr, result.stderr
    scenario = tmp_path / "anywhere.yaml"
    scenario.write_text("name: anywhere\nplatform: external\ntimeline: {start: 0s, end: 10s}\n"
                        "audience: {viewers: [{at: 0s, viewers: 1}]}\n")
    assert_one_line_error(harness("validate", str(scenario)), 2, "anywhere.yaml",
                          "external needs a targets file")
    assert harness("validate", str(scenario), "--targets", str(bare)).returncode == 0


def test_another_platform_drops_an_external_scenarios_targets():
    result = harness("validate", EXTERNAL, "--platform", "docker")
    assert result.returncode == 0, result.stderr


def test_option_mistakes_name_the_option_not_the_file(tmp_path):
    bare = str(_targets(tmp_path / "targets.yaml"))
    run = ("run", "--results-dir", str(tmp_path / "r"), SMOKE)
    cases = [(("validate", SMOKE, "--targets", bare), ("--targets:", "add --platform external")),
             ((*run, "--platform", "external"), ("--platform:", "--targets FILE")),
             ((*run, "--platform", "external", "--targets", "nope.yaml"),
              ("--targets: no file nope.yaml", "current directory")),
             ((*run, "--time-scale", "0"), ("--time-scale:", "must be >= 0.01"))]
    for args, words in cases:
        result = harness(*args, cwd=tmp_path)
        assert_one_line_error(result, 2, *words)
        assert "smoke.yaml" not in result.stderr, result.stderr
    assert not (tmp_path / "r").exists()
