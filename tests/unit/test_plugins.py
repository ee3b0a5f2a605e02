"""harness/spec/plugins.py on distributions written into a folder on sys.path
as pip writes their metadata: what a registry takes, and each way a plugin is
left out and named."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.spec import plugins
from harness.spec.errors import InvalidInput


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path holding a distribution `probe` whose entry points
    (group kickoff.test) name objects of a module `probe_objects`."""
    (tmp_path / "probe_objects.py").write_text(
        "class Thing:\n    def __init__(self, name): self.name = name\n"
        "GOOD, RENAMED, OWN = Thing('good'), Thing('other'), Thing('own')\nNOT_A_THING = 3\n")
    info = tmp_path / "probe-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: probe\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[kickoff.test]\ngood = probe_objects:GOOD\nrenamed = probe_objects:RENAMED\n"
        "own = probe_objects:OWN\nnumber = probe_objects:NOT_A_THING\n"
        "missing = probe_objects_gone:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "_PROBLEMS", [])
    yield tmp_path
    sys.modules.pop("probe_objects", None)


def test_a_registry_takes_what_it_accepts_and_each_other_plugin_is_named(site):
    found = plugins.loaded("kickoff.test", lambda v: type(v).__name__ == "Thing", "a Thing",
                           lambda v: v.name, taken={"own"})
    assert list(found) == ["good"] and found["good"].name == "good"
    assert plugins.problems() == [
        "plugin 'missing' (kickoff.test of probe: probe_objects_gone:X): does not load: "
        "ModuleNotFoundError: No module named 'probe_objects_gone'",
        "plugin 'number' (kickoff.test of probe: probe_objects:NOT_A_THING): is int, not a Thing",
        "plugin 'own' (kickoff.test of probe: probe_objects:OWN): the name 'own' is taken already",
        "plugin 'renamed' (kickoff.test of probe: probe_objects:RENAMED): names itself 'other': "
        "an entry point's name is its object's"]
    with pytest.raises(InvalidInput) as error:
        plugins.check()
    assert str(error.value).startswith("installed plugins kickoff cannot use (fix or "
                                       "uninstall them):\nplugin 'missing'")


def test_without_plugins_there_is_nothing_to_say(site):
    assert plugins.loaded("kickoff.none", lambda v: True, "anything", None, ()) == {}
    plugins.check()  # no problem, no error


def test_the_groups_are_the_registries():
    # each group is loaded by the registry of its kind (and the CLI loads them all first)
    for path, group in (("faults/registry.py", "kickoff.fault_drivers"),
                        ("platforms/registry.py", "kickoff.platforms"),
                        ("outputs/registry.py", "kickoff.outputs"),
                        ("load/journey/__init__.py", "kickoff.journeys")):
        assert f'"{group}"' in (Path(plugins.__file__).parents[1] / path).read_text(), path
