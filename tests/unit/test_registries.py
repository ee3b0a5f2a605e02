"""The platform and fault-driver registries: what they declare is what
validation, the CLI, random mode and the drivers use."""

from __future__ import annotations

from pathlib import Path

import pytest
from kickoff_stack.topology import COMPONENTS, LINKS

from harness.cli import main as cli
from harness import scenario
from harness.spec.errors import InvalidInput
from harness.run.chaos import expand
from harness.faults.driver import Driver
from harness.faults.registry import DRIVERS, KINDS, driver
from harness.spec.paths import REFERENCE_JOURNEY
from harness.platforms.base import PlatformSpec
from harness.platforms.registry import MANAGED, PLATFORMS, get_platform, stack_of
from harness.platforms.stack import Stack
from tests.unit.test_scenario import MINIMAL, write



def problem(path: Path) -> str:
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    lines = str(error.value).splitlines()
    assert len(lines) == 1, lines
    return lines[0].removeprefix(str(path))


def _choices(argv: list[str], option: str) -> list[str]:
    parser = cli.parser()
    sub = parser._subparsers._group_actions[0].choices[argv[0]]  # argparse keeps them here
    for name in argv[1:]:
        sub = sub._subparsers._group_actions[0].choices[name]
    return next(a.choices for a in sub._actions if option in a.option_strings)


def test_the_cli_offers_the_registered_platforms():
    assert sorted(_choices(["run"], "--platform")) == sorted(PLATFORMS)
    assert sorted(_choices(["stack", "up"], "--platform")) == sorted(MANAGED)
    assert set(MANAGED) == {name for name, spec in PLATFORMS.items() if spec.managed}
    assert "external" in PLATFORMS and "external" not in MANAGED


def test_the_scenario_format_offers_the_registered_platforms():
    assert scenario.json_schema()["properties"]["platform"]["enum"] == list(PLATFORMS)


def test_a_platform_kickoff_does_not_manage_has_no_stack_commands():
    with pytest.raises(InvalidInput, match="does not manage platform external"):
        get_platform("external")


def test_every_platform_stack_offers_only_drivers_its_declaration_names():
    for name, spec in PLATFORMS.items():
        if spec.reads_targets:
            continue
        stack = stack_of(name)
        assert isinstance(stack, Stack) and stack.platform == name
        assert set(stack.drivers) <= set(spec.drivers) and stack.drivers
        assert stack.journey == REFERENCE_JOURNEY
        for driver_name, context in stack.contexts.items():
            built = driver(context)  # a driver is built from its context alone
            assert isinstance(built, Driver) and built.name == driver_name


def test_the_reference_stack_descriptor_matches_its_topology():
    stack = stack_of("local")
    assert [c.name for c in stack.components] == [c.name for c in COMPONENTS]
    assert [link.name for link in stack.links] == [link.name for link in LINKS]
    assert stack.zones == {zone: tuple(c.name for c in COMPONENTS if c.zone == zone)
                           for zone in dict.fromkeys(c.zone for c in COMPONENTS)}
    assert set(stack.checks) == {c.name for c in COMPONENTS}
    first = LINKS[0]
    assert stack.components_hit(first.name) == [first.source, first.target]
    assert stack.components_hit(f"zone:{COMPONENTS[0].zone}") == list(
        stack.zones[COMPONENTS[0].zone])


def test_every_kind_belongs_to_the_driver_that_declares_it():
    assert KINDS == {k.name: k for spec in DRIVERS.values() for k in spec.kinds}
    assert sum(len(spec.kinds) for spec in DRIVERS.values()) == len(KINDS)  # no name twice
    for spec in DRIVERS.values():
        assert all(kind.driver == spec.name for kind in spec.kinds)
    offered = {d for spec in PLATFORMS.values() for d in spec.drivers}
    assert offered == set(DRIVERS)  # no platform offers an unknown driver, none is orphaned


def test_every_toxic_states_its_toxiproxy_attributes():
    from harness.faults.kinds import parsed_params
    from harness.faults.toxiproxy import Toxic
    from harness.spec.fields import Record

    toxics = [kind for kind in KINDS.values() if isinstance(kind, Toxic)]
    assert len(toxics) == 7
    for kind in toxics:
        attributes = kind.attributes(parsed_params(kind, kind.picked))
        assert attributes and all(type(v) is int for v in attributes.values()), kind.name
    with pytest.raises(TypeError, match="attributes"):
        Toxic("latency", "toxiproxy", "link", False, Record("none", {}), "no attributes")  # type: ignore[call-arg]


def test_the_validators_platform_message_comes_from_the_registry(tmp_path, monkeypatch):
    path = write(tmp_path, MINIMAL + "platform: docker\nfaults:\n"
                 "  - {name: a, kind: process-kill, target: origin-a, at: 0s}\n", "s.yaml")
    assert problem(path) == (":8: faults[0].kind: process-kill is a process fault, which "
                             "platform docker cannot carry out (it needs platform local)")
    monkeypatch.setitem(PLATFORMS, "lab", PlatformSpec(
        name="lab", description="a test platform", drivers={"process": "a lab: key"},
        stack=lambda targets: stack_of("local")))
    assert problem(path) == (":8: faults[0].kind: process-kill is a process fault, which "
                             "platform docker cannot carry out (it needs platform local, or lab "
                             "with a lab: key)")


def test_the_drivers_a_stack_offers_decide_what_validates(tmp_path, monkeypatch):
    path = write(tmp_path, MINIMAL + "faults:\n"
                 "  - {name: a, kind: process-kill, target: origin-a, at: 0s}\n", "s.yaml")
    assert scenario.load(path).faults[0].kind == "process-kill"
    local = PLATFORMS["local"]
    without_process = stack_of("local")
    without_process = Stack(**{**without_process.__dict__, "contexts": {
        "toxiproxy": without_process.contexts["toxiproxy"]}})
    monkeypatch.setitem(PLATFORMS, "local", PlatformSpec(
        name="local", description=local.description, drivers=local.drivers,
        stack=lambda targets: without_process))
    assert "which platform local cannot carry out" in problem(path)


def test_an_external_stack_is_what_its_targets_file_names(tmp_path):
    targets = write(tmp_path, "edge: http://localhost:9\ntoxiproxy: http://localhost:8\n"
                    "components: [web, db]\nlinks: [web-db]\n", "stack.yaml")
    stack = stack_of("external", targets)
    assert [c.name for c in stack.components] == ["web", "db"]
    assert [link.name for link in stack.links] == ["web-db"]
    assert stack.zones == {} and stack.checks == {} and stack.journey is None
    assert stack.drivers == ("toxiproxy",) and stack.components_hit("web-db") == []
    assert stack.edge == "http://localhost:9" and stack.allows("http://127.0.0.1:1/")
    assert not stack.allows("http://10.0.0.1/")


def test_random_mode_on_an_external_stack_picks_only_what_its_targets_file_names(tmp_path):
    targets = write(tmp_path, "edge: http://localhost:9\ntoxiproxy: http://localhost:8\n"
                    "docker_host: unix:///var/run/docker.sock\n"
                    "components: [web, db]\nlinks: [web-db]\n", "stack.yaml")
    path = write(tmp_path, MINIMAL + "platform: external\ntargets: stack.yaml\nfaults:\n"
                 "  - {name: m, kind: random, target: any, at: -1m, params: "
                 "{every: 10s, kinds: [cut, container-kill]}}\n", "s.yaml")
    picks = expand(scenario.load(path), stack_of("external", targets))
    assert len(picks) > 1
    assert {(f.kind, f.target) for f in picks} <= {("cut", "web-db"), ("container-kill", "web"),
                                                   ("container-kill", "db")}
