"""The wheel carries everything a run needs, and kickoff installed from it works in a fresh
virtualenv outside the checkout without reading a file of the checkout."""

import csv
import io
import zipfile
from pathlib import Path

from harness.platforms import images
from tests.install.conftest import REPO


def _files(folder: Path, pattern: str = "*") -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob(pattern)
            if path.is_file() and "__pycache__" not in path.parts}


def _expected() -> set[str]:
    """What the checkout says the wheel must hold: every module and starter file, the
    reference stack's assets, every scenario and every journey file."""
    compose, scenarios = REPO / "compose", REPO / "scenarios"
    stack = compose / "services" / "kickoff_stack"
    names = {f"harness/{path}" for path in _files(REPO / "harness", "*.py")}
    names |= {f"harness/starter/{path}" for path in _files(REPO / "harness" / "starter", "*.yaml")}
    names |= {f"kickoff_stack/{path}" for path in _files(stack, "*.py")}
    names |= {f"harness/shipped/compose/{path}" for path in _files(compose)
              if path.parts[0] != "services"}
    names |= {f"harness/shipped/scenarios/{path.name}" for path in scenarios.glob("*.yaml")}
    names |= {f"harness/shipped/scenarios/journeys/{path}"
              for path in _files(scenarios / "journeys")} if (scenarios / "journeys").is_dir() \
        else set()
    return names


def test_the_wheel_carries_the_stack_scenarios_journeys_and_every_module(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (record,) = [name for name in names if name.endswith(".dist-info/RECORD")]
        recorded = {row[0] for row in csv.reader(io.StringIO(archive.read(record).decode()))}
    assert recorded == names  # RECORD lists every file in the wheel
    expected = _expected()
    assert {"harness/shipped/compose/docker-compose.yml", "harness/shipped/compose/toxiproxy.json",
            "harness/shipped/compose/images/stack/Dockerfile",
            "harness/shipped/scenarios/smoke.yaml"} <= expected  # the check itself looks
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing}"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def _installed_paths(installed, cwd: Path) -> dict[str, Path]:
    script = ("import harness, harness.spec.paths as p, kickoff_stack, harness.starter as s\n"
              "from harness.platforms import images\n"
              "for name, path in (('harness', harness.__file__), ('compose', p.COMPOSE_DIR),\n"
              "    ('scenarios', p.SCENARIOS_DIR), ('journey', p.REFERENCE_JOURNEY),\n"
              "    ('stack', kickoff_stack.__file__), ('starter', s.__file__),\n"
              "    ('results', p.RESULTS_DIR.resolve())):\n"
              "    print(name, path)\n"
              "print('image', images.stack_image())\n")
    result = installed.run("python", "-c", script, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


def test_installed_kickoff_works_outside_the_checkout(installed, tmp_path):
    before = installed.read_from_checkout()
    found = _installed_paths(installed, tmp_path)
    for name in ("harness", "compose", "scenarios", "journey", "stack", "starter"):
        assert Path(found[name]).is_relative_to(installed.site), (name, found[name])
    assert Path(found["compose"], "docker-compose.yml").is_file()
    assert Path(found["results"]) == tmp_path / "results"  # never inside the installation
    # The stack image the installed kickoff would build has the checkout's inputs exactly.
    assert found["image"] == images.stack_image()

    assert installed.run("harness", "init", "project", cwd=tmp_path).returncode == 0
    assert (tmp_path / "project" / "scenario.yaml").is_file()
    targets = tmp_path / "project" / "targets.yaml"  # its edge filled in, as a user would
    targets.write_text(targets.read_text().replace("\nedge:\n", "\nedge: http://127.0.0.1:1\n"))
    shipped = sorted(str(path) for path in Path(found["scenarios"]).glob("*.yaml"))
    result = installed.run("harness", "validate", *shipped, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.count("ok  ") == len(shipped), result.stderr
    smoke = str(Path(found["scenarios"]) / "smoke.yaml")
    result = installed.run("harness", "validate", smoke, "--platform", "external", "--targets",
                           "project/targets.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert installed.read_from_checkout() == before  # not one file of the checkout


def test_the_audit_sees_a_file_read_from_the_checkout(installed, tmp_path):
    # Without this, an empty audit could mean an audit that sees nothing.
    before = installed.read_from_checkout()
    read = f"open({str(REPO / 'pyproject.toml')!r}).read()"
    assert installed.run("python", "-c", read, cwd=tmp_path).returncode == 0
    assert installed.read_from_checkout() == [*before, str(REPO / "pyproject.toml")]
