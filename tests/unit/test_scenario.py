"""Scenario and targets files: the model they load to, every rule with its
FILE:LINE: FIELD message, the JSON Schema, `harness validate` and `harness schema`."""

import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from kickoff_stack.topology import COMPONENTS, LINKS, ZONES

from harness.cli import overrides
from harness import scenario
from harness.spec.errors import InvalidInput
from harness.faults.registry import KINDS
from harness.measure.metrics import GROUP_PATTERN, PLAYER_GROUPS, REQUEST_KINDS, VIEWER_METRICS
from harness.spec.paths import SCENARIOS_DIR
from harness.spec.quantities import format_percent, format_time, parse_percent, parse_time
from harness.scenario import (ApiUsers, Audience, AudiencePoint, Fault, Phase, Scenario, Slo,
                              Timeline)
from harness.platforms.targets import Targets, load_targets
from tests.cli import harness

# What the reference stack's fault targets are, as a problem lists them.
COMPONENT_NAMES = ", ".join(c.name for c in COMPONENTS)
LINK_NAMES = ", ".join(link.name for link in LINKS)
ZONE_NAMES = ", ".join(ZONES)

DATA = Path(__file__).parent.parent / "data" / "scenarios"
DOCS = Path(__file__).parents[2] / "docs" / "scenarios.md"
SHIPPED = sorted(SCENARIOS_DIR.glob("*.yaml"))

MINIMAL = """\
name: t
timeline: {start: -2m, end: 3m}
audience:
  viewers:
    - {at: -2m, viewers: 1}
"""


def with_phases(*phases: str) -> str:
    """A file whose timeline (-2m .. 3m) lists these phases, one per line."""
    listed = "".join(f"    - {phase}\n" for phase in phases)
    return ("name: t\ntimeline:\n  start: -2m\n  end: 3m\n  phases:\n" + listed
            + "audience: {viewers: [{at: -2m, viewers: 1}]}\n")


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    """Every problem `load` reports, each without the file's path in front."""
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    return [line.removeprefix(str(path)) for line in str(error.value).splitlines()]


def problem(tmp_path: Path, text: str) -> str:
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    return found[0]


# -- the model -----------------------------------------------------------------------------

def test_a_full_file_loads_to_the_exact_model():
    loaded = scenario.load(DATA / "full.yaml")
    assert loaded == Scenario(
        name="kickoff-free-to-air",
        description="Kickoff rush with origin-a killed at kickoff",
        platform="local", targets=None, time_scale=10.0, seed=7,
        timeline=Timeline(-600.0, 900.0, (Phase("pre-match", -600.0), Phase("kickoff", -60.0),
                                          Phase("first-half", 300.0)), "kickoff",
                          ((-300.0, -240.0),)),
        audience=Audience(
            event="fck-tsv1860",
            points=(AudiencePoint(-600.0, 20), AudiencePoint(0.0, 300), AudiencePoint(900.0, 300)),
            clients={"web": 0.6, "app": 0.4, "tv": 0.0}, subscribers=0.2,
            api_users=(ApiUsers("epg", 2, 30.0), ApiUsers("login", 1, 0.5)), scale=0.5),
        slos=(Slo("startup_time_p95", "max", 4.0, "peak"),
              Slo("error_ratio.segment", "max", 0.01, "overall"),
              Slo("average_bitrate_kbps", "min", 1500.0, "during:origin-a-dies"),
              Slo("rebuffering_ratio", "max", 0.02, "recovery:origin-a-dies")),
        faults=(Fault("origin-a-dies", "process-kill", "origin-a", 0.0, 120.0,
                      {"signal": "SIGKILL"}),
                Fault("slow-origin-b", "latency", "edge-origin-b", 90.0, None,
                      {"latency": "500ms", "jitter": "100ms"})),
        source=DATA / "full.yaml", fault_time_scale=2.0)
    assert loaded.source == DATA / "full.yaml"
    assert list(loaded.audience.clients) == list(scenario.CLIENT_TYPES)


def test_defaults(tmp_path):
    loaded = scenario.load(write(tmp_path, MINIMAL))
    assert (loaded.description, loaded.platform, loaded.targets) == ("", "local", None)
    assert (loaded.time_scale, loaded.seed, loaded.slos, loaded.faults) == (1.0, 1, (), ())
    assert loaded.timeline.phases == (Phase("pre-match", -120.0), Phase("kickoff", -60.0))
    assert loaded.timeline.peak == "kickoff"
    audience = loaded.audience
    assert (audience.event, audience.subscribers, audience.api_users, audience.scale) == (
        None, 0.0, (), 1.0)
    assert audience.clients == {"web": 0.5, "app": 0.35, "tv": 0.15}
    assert loaded.source == tmp_path / "s.yaml"


@pytest.mark.parametrize("start, end, phases, peak", [
    ("-10m", "15m", [("pre-match", -600.0), ("kickoff", -60.0)], "kickoff"),
    ("-30s", "5m", [("kickoff", -30.0)], "kickoff"),
    ("1m", "5m", [("kickoff", 60.0)], "kickoff"),
    ("-10m", "-1m", [("pre-match", -600.0)], "pre-match"),
    ("-10m", "-2m", [("pre-match", -600.0)], "pre-match"),
])
def test_default_phases_and_peak(tmp_path, start, end, phases, peak):
    loaded = scenario.load(write(tmp_path, f"""\
        name: t
        timeline: {{start: {start}, end: {end}}}
        audience: {{viewers: [{{at: {start}, viewers: 1}}]}}
        """))
    assert loaded.timeline.phases == tuple(Phase(*p) for p in phases)
    assert loaded.timeline.peak == peak


def test_peak_defaults_to_the_phase_in_force_at_kickoff_else_the_last(tmp_path):
    def peak(start: str, b: str, c: str, end: str) -> str:
        return scenario.load(write(tmp_path, f"""\
            name: t
            timeline:
              start: {start}
              end: {end}
              phases: [{{name: a, at: {start}}}, {{name: b, at: {b}}}, {{name: c, at: {c}}}]
            audience: {{viewers: [{{at: {start}, viewers: 1}}]}}
            """)).timeline.peak
    assert peak("-1m", "2m", "4m", "10m") == "a"
    assert peak("-1m", "0s", "4m", "10m") == "b"
    assert peak("1m", "2m", "4m", "10m") == "c"
    assert peak("-3m", "-2m", "-1m", "0s") == "c"


def test_wall_match_and_phase_at():
    # -10m .. 15m at time_scale 10; at fault_time_scale 2: -5m .. -4m (timeline.real_time)
    # and 0s .. 15m (origin-a-dies 0s .. 2m plus its 30 s budget, i.e. 60 match seconds;
    # slow-origin-b from 1m30s to the end).
    loaded = scenario.load(DATA / "full.yaml")
    assert loaded.wall(-600.0) == 0.0
    assert loaded.wall(-300.0) == 30.0
    assert loaded.wall(-240.0) == 60.0
    assert loaded.wall(0.0) == 84.0
    assert loaded.match(84.0) == 0.0
    assert loaded.wall(450.0) == 84.0 + 225.0
    assert loaded.match(loaded.wall(123.5)) == 123.5
    assert loaded.wall_duration == 534.0
    times = (-900.0, -600.0, -60.1, -60.0, 0.0, 300.0, 899.0, 1000.0)
    assert [loaded.phase_at(t) for t in times] == [
        "pre-match", "pre-match", "pre-match", "kickoff", "kickoff", "first-half", "first-half",
        "first-half"]


def test_to_dict_round_trips_to_an_equal_scenario(tmp_path):
    for source in [DATA / "full.yaml", DATA / "external.yaml", write(tmp_path, MINIMAL), *SHIPPED]:
        loaded = scenario.load(source)
        written = yaml.safe_dump(loaded.to_dict(), sort_keys=False)
        elsewhere = tmp_path / "results" / "resolved.yaml"
        assert scenario.loads(written, elsewhere) == loaded, source
    data = scenario.load(DATA / "full.yaml").to_dict()
    assert data["timeline"]["start"] == "-10m"
    assert data["audience"]["api_users"][1]["interval"] == "500ms"
    assert data["slos"][0]["max"] == "4s" and data["slos"][1]["max"] == "1%"
    assert data["faults"][0]["for"] == "2m" and "for" not in data["faults"][1]


def test_external_scenario_resolves_its_targets_file_against_its_own_folder():
    loaded = scenario.load(DATA / "external.yaml")
    assert loaded.platform == "external"
    assert loaded.targets == (DATA / "targets" / "staging.yaml").resolve()
    assert loaded.targets.is_absolute()


# -- replace() ----------------------------------------------------------------------------

def test_replace_changes_fields_and_keeps_the_rest():
    loaded = scenario.load(DATA / "full.yaml")
    faster = scenario.replace(loaded, time_scale=20.0, seed=3)
    assert (faster.time_scale, faster.seed, faster.wall_duration) == (20.0, 3, 507.0)
    assert scenario.replace(faster, time_scale=10.0, seed=7) == loaded


def test_replace_checks_every_rule_again():
    loaded = scenario.load(DATA / "full.yaml")
    source = str(DATA / "full.yaml")
    with pytest.raises(InvalidInput) as error:
        scenario.replace(loaded, time_scale=0.0)
    assert str(error.value) == f"{source}: time_scale: 0 must be >= 0.01"
    with pytest.raises(InvalidInput, match="platform: external needs a targets file"):
        scenario.replace(loaded, platform="external")
    with pytest.raises(InvalidInput, match="seed: true is not a whole number"):
        scenario.replace(loaded, seed=True)


def test_replace_onto_an_external_stack_checks_the_fault_kinds_and_targets_there():
    loaded = scenario.load(DATA / "full.yaml")
    source = str(DATA / "full.yaml")
    with pytest.raises(InvalidInput) as error:
        scenario.replace(loaded, platform="external", targets=DATA / "targets" / "staging.yaml")
    assert str(error.value).splitlines() == [
        f"{source}: faults[0].kind: process-kill is a process fault, which platform external "
        "cannot carry out (it needs platform local)",
        f"{source}: faults[1].target: the stack has no link named 'edge-origin-b' (did you mean "
        "'edge-origin-a'?)"]


# -- times and thresholds -----------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("-5m", -300.0), ("0s", 0.0), ("90s", 90.0), ("1h30m", 5400.0), ("1m30s", 90.0),
    ("500ms", 0.5), ("+3m", 180.0), ("1.5m", 90.0), ("2h", 7200.0), ("1h5ms", 3600.005),
    ("-1m30.25s", -90.25),
])
def test_times(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "m", "1h1h", "30s5m", "1 m", "5m ", "-", "1,5m",
                                  "1e3s", "5M"])
def test_not_times(text):
    assert parse_time(text) is None


@pytest.mark.parametrize("seconds, text", [
    (0.0, "0s"), (-600.0, "-10m"), (90.0, "1m30s"), (5400.0, "1h30m"), (0.25, "250ms"),
    (90.5, "1m30.5s"), (3600.0, "1h"), (1 / 3, "0.3333333333333333s"),
])
def test_times_are_written_back_so_they_read_as_the_same_float(seconds, text):
    assert format_time(seconds) == text
    assert parse_time(text) == seconds


def test_percentages():
    assert (parse_percent("1%"), parse_percent("0.5%"), parse_percent("100%")) == (0.01, 0.005, 1.0)
    assert parse_percent("1") is None and parse_percent("-1%") is None
    assert [format_percent(r) for r in (0.01, 0.005, 0.0, 0.123)] == ["1%", "0.5%", "0%", "12.3%"]


@pytest.mark.parametrize("metric, written, value", [
    ("startup_time_p95", "4s", 4.0), ("startup_time_p95", "500ms", 0.5),
    ("startup_time_p95", "2.5", 2.5), ("latency_p99.segment", "1m", 60.0),
    ("error_ratio", "1%", 0.01), ("error_ratio", "0.05", 0.05), ("error_ratio", "1", 1.0),
    ("requests_per_second", "250", 250.0), ("average_bitrate_kbps", "1500", 1500.0),
])
def test_thresholds(tmp_path, metric, written, value):
    slos = f"slos: [{{metric: {metric}, max: {written}}}]\n"
    loaded = scenario.load(write(tmp_path, MINIMAL + slos))
    assert loaded.slos[0].max == value


# -- every rule, with its line and field ---------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # required keys
    ("timeline: {start: 0s, end: 1m}\naudience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":1: name: is required but missing"),
    ("name: t\ntimeline:\n  end: 1m\naudience: {viewers: [{at: 0s, viewers: 1}]}\n",
     ":2: timeline.start: is required but missing"),
    ("name: t\ntimeline: {start: 0s, end: 1m}\naudience:\n  event: x\n",
     ":3: audience.viewers: is required but missing (or write arrivals or push: viewers "
     "arriving; see docs/scenarios.md)"),
    ("name: t\ntimeline: {start: 0s, end: 1m}\n", ":1: audience: is required but missing"),
    # types and values
    ("name: Kickoff FTA\n" + MINIMAL[8:], ":1: name: 'Kickoff FTA' is not a valid name (lowercase "
     "letters, digits and '-', starting with a letter or digit)"),
    (MINIMAL + "platform: moon\n", ":6: platform: unknown platform 'moon' (choose from local, "
     "docker, external)"),
    (MINIMAL + "platform: dokcer\n", ":6: platform: unknown platform 'dokcer' (did you mean "
     "'docker'?)"),
    (MINIMAL + "time_scale: 0\n", ":6: time_scale: 0 must be >= 0.01"),
    (MINIMAL + "time_scale: fast\n", ":6: time_scale: 'fast' is not a number"),
    (MINIMAL + "seed: yes\n", ":6: seed: true is not a whole number"),
    (MINIMAL + "seed: 1.5\n", ":6: seed: 1.5 is not a whole number"),
    (MINIMAL + "description: [a]\n", ":6: description: a list is not text"),
    (MINIMAL + "slos: {metric: error_ratio}\n", ":6: slos: a mapping is not a list"),
    (MINIMAL.replace("viewers: 1", "viewers: -1"),
     ":5: audience.viewers[0].viewers: -1 must be >= 0"),
    (MINIMAL.replace("viewers: 1", "viewers: 2.5"),
     ":5: audience.viewers[0].viewers: 2.5 is not a whole number"),
    (MINIMAL.replace("viewers: 1", "viewers: true"),
     ":5: audience.viewers[0].viewers: true is not a whole number"),
    (MINIMAL.replace("viewers: 1", "viewers:"),
     ":5: audience.viewers[0].viewers: has no value (expected a whole number)"),
    (MINIMAL.replace("-2m, viewers", "5x, viewers"), ":5: audience.viewers[0].at: '5x' is not a "
     "time offset (write e.g. -5m, 0s, 90s or 1h30m)"),
    (MINIMAL.replace("  viewers:\n    - {at: -2m, viewers: 1}\n", "  viewers: []\n"),
     ":4: audience.viewers: lists 0 entries; it needs at least 1"),
    (MINIMAL + "  event: .inf\n", ":6: audience.event: inf is not text"),
    (MINIMAL + "  scale: 0\n", ":6: audience.scale: 0 must be > 0"),
    (MINIMAL + "  subscribers: 1.5\n", ":6: audience.subscribers: 1.5 must be <= 1"),
    # unknown keys, at any level
    (MINIMAL + "time_sacle: 10\n", ":6: time_sacle: unknown key (did you mean 'time_scale'?)"),
    (MINIMAL.replace("end: 3m", "end: 3m, strat: 1"),
     ":2: timeline.strat: unknown key (did you mean 'start'?)"),
    (MINIMAL.replace("viewers: 1}", "viewers: 1, veiwers: 2}"),
     ":5: audience.viewers[0].veiwers: unknown key (did you mean 'viewers'?)"),
    (MINIMAL + "zebra: 1\n", ":6: zebra: unknown key (choose from name, description, platform, "
     "targets, journey, time_scale, fault_time_scale, seed, timeline, audience, slos, faults, faults_by_hand, halt_if, cmcd, server_metrics, stack_size)"),
    # timeline
    (MINIMAL.replace("end: 3m", "end: -3m"), ":2: timeline.end: -3m is not after start -2m"),
    (with_phases('{name: pre-match, at: -1m}'),
     ":6: timeline.phases[0].at: the first phase starts at -1m, not where the timeline starts "
     "(add a phase at -2m, e.g. pre-match)"),
    (with_phases('{name: pre-match, at: -2m}', '{name: kickoff, at: 1m}',
                 '{name: first-half, at: 1m}'),
     ":8: timeline.phases[2].at: 1m is not after the phase before it at 1m (list them in time "
     "order, one per moment)"),
    (with_phases('{name: pre-match, at: -2m}', '{name: after, at: 3m}'),
     ":7: timeline.phases[1].at: 3m is outside the timeline [-2m, 3m)"),
    (with_phases('{name: pre-match, at: -2m}', '{name: pre-match, at: 0s}'),
     ":7: timeline.phases[1].name: another phase is already named 'pre-match' (phase names are "
     "unique)"),
    (with_phases('{name: pre-match, at: -2m}', '{name: peak, at: 0s}'),
     ":7: timeline.phases[1].name: 'peak' is reserved for SLO phases (choose another name)"),
    ("""\
name: t
timeline:
  start: -2m
  end: 3m
  phases: []
audience: {viewers: [{at: -2m, viewers: 1}]}
""", ":5: timeline.phases: lists 0 entries; it needs at least 1"),
    (MINIMAL.replace("end: 3m", "end: 3m, peak: kikoff"),
     ":2: timeline.peak: no phase is named 'kikoff' (did you mean 'kickoff'?)"),
    # audience points
    (MINIMAL + "    - {at: 3m1ms, viewers: 1}\n",
     ":6: audience.viewers[1].at: 3m1ms is outside the timeline [-2m, 3m]"),
    (MINIMAL.replace("at: -2m", "at: -3m"),
     ":5: audience.viewers[0].at: -3m is outside the timeline [-2m, 3m]"),
    (MINIMAL + "    - {at: -2m, viewers: 1}\n", ":6: audience.viewers[1].at: -2m is not after the "
     "point before it at -2m (list them in time order, one per moment)"),
    # clients
    (MINIMAL + "  clients: {web: 0.5, app: 0.5, tvv: 0}\n",
     ":6: audience.clients.tvv: unknown key (did you mean 'tv'?)"),
    (MINIMAL + "  clients: {web: 0.5, app: 0.5, phone: 0}\n",
     ":6: audience.clients.phone: unknown key (choose from web, app, tv)"),
    (MINIMAL + "  clients: {web: 0.5, app: 0.4}\n",
     ":6: audience.clients: the shares add up to 0.9; they must add up to 1"),
    (MINIMAL + "  clients: {web: 1.5}\n", ":6: audience.clients.web: 1.5 must be <= 1"),
    # api users
    (MINIMAL + "  api_users: [{kind: epgg, users: 1, interval: 5s}]\n",
     ":6: audience.api_users[0].kind: unknown api user kind 'epgg' (did you mean 'epg'?)"),
    (MINIMAL + "  api_users: [{kind: epg, users: 0, interval: 5s}]\n",
     ":6: audience.api_users[0].users: 0 must be >= 1"),
    (MINIMAL + "  api_users: [{kind: epg, users: 1, interval: -5s}]\n",
     ":6: audience.api_users[0].interval: '-5s' is not a duration; it must be longer than 0 "
     "(write e.g. 30s, 2m or 1h30m)"),
    (MINIMAL + "  api_users: [{kind: epg, users: 1}]\n",
     ":6: audience.api_users[0].interval: is required but missing"),
    # slos
    (MINIMAL + "slos:\n  - {metric: startup_p95, max: 4s}\n",
     ":7: slos[0].metric: unknown metric 'startup_p95' (did you mean 'startup_time_p95'?)"),
    (MINIMAL + "slos:\n  - {metric: zzz, max: 4s}\n",
     ":7: slos[0].metric: unknown metric 'zzz' (see the metric catalogue in docs/scenarios.md)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%, min: 0}\n",
     ":7: slos[0]: give exactly one of max or min"),
    (MINIMAL + "slos:\n  - {metric: error_ratio}\n", ":7: slos[0]: give exactly one of max or min"),
    (MINIMAL + "slos:\n  - {metric: startup_time_p95, max: 5%}\n",
     ":7: slos[0].max: a percentage fits only a ratio, and startup_time_p95 is measured in s "
     "(write a duration like 4s)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 4s}\n",
     ":7: slos[0].max: a duration fits only a time, and error_ratio is measured in ratio (write a "
     "number)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 5}\n",
     ":7: slos[0].max: 5 is more than the whole; error_ratio is a ratio from 0 to 1 (write e.g. 5% "
     "or 0.05)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: -1}\n", ":7: slos[0].max: -1 must be >= 0"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: lots}\n",
     ":7: slos[0].max: 'lots' is not a threshold (write a number, a percentage like 1% or, for a "
     "time, a duration like 4s or 500ms)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%, phase: kickof}\n",
     ":7: slos[0].phase: unknown phase 'kickof' (did you mean 'kickoff'?)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%, phase: halftime}\n",
     ":7: slos[0].phase: unknown phase 'halftime' (use overall, baseline, peak, during:<fault>, "
     "recovery:<fault> or a timeline phase: pre-match, kickoff)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%, phase: 'during:x'}\n",
     ":7: slos[0].phase: no fault is named 'x' (the scenario has no faults)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%, phase: 'during:kil'}\n"
     "faults:\n  - {name: kill, kind: process-kill, target: edge, at: 0s}\n",
     ":7: slos[0].phase: no fault is named 'kil' (did you mean 'kill'?)"),
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%, phase: 'recovery:kill'}\n"
     "faults:\n  - {name: kill, kind: process-pause, target: edge, at: 0s}\n",
     ":7: slos[0].phase: fault 'kill' lasts until the end, so it has no recovery (give it a "
     "`for`)"),
    # faults
    (MINIMAL + "faults:\n  - {name: a, kind: process-kill, target: edge, at: 0s}\n"
     "  - {name: a, kind: process-kill, target: auth, at: 1m}\n",
     ":8: faults[1].name: another fault is already named 'a' (fault names are unique)"),
    (MINIMAL + "faults:\n  - {name: a, kind: process-kill, target: edge, at: 3m}\n",
     ":7: faults[0].at: 3m is outside the timeline [-2m, 3m)"),
    (MINIMAL + "faults:\n  - {name: a, kind: process-kill, target: edge, at: 0s, for: 0s}\n",
     ":7: faults[0].for: '0s' is not a duration; it must be longer than 0 (write e.g. 30s, 2m or "
     "1h30m)"),
    (MINIMAL + "faults:\n  - {name: a, kind: process-kill, target: orgin-a, at: 0s}\n",
     ":7: faults[0].target: the stack has no component named 'orgin-a' (did you mean "
     "'origin-a'?)"),
    (MINIMAL + "faults:\n  - {name: a, kind: cut, target: edge-orgin-a, at: 0s}\n",
     ":7: faults[0].target: the stack has no link named 'edge-orgin-a' (did you mean "
     "'edge-origin-a'?)"),
    (MINIMAL + "faults:\n  - {name: a, kind: process-kill, target: edge, at: 0s, params: [1]}\n",
     ":7: faults[0].params: a list is not a mapping"),
    (MINIMAL + "faults:\n  - {name: a, kind: '', target: edge, at: 0s}\n",
     ":7: faults[0].kind: unknown fault kind '' (choose from " + ", ".join([*KINDS, "random"])
     + ")"),
    (MINIMAL + "faults:\n  - {name: a, target: edge, at: 0s}\n",
     ":7: faults[0].kind: is required but missing"),
    # platform and targets
    (MINIMAL + "platform: external\n", ":6: platform: external needs a targets file describing the "
     "stack (add targets: FILE; see docs/scenarios.md)"),
    (MINIMAL + "targets: t.yaml\n", ":6: targets: is only read with platform external (this "
     "scenario runs on local; remove targets or set platform: external)"),
    # YAML itself
    (MINIMAL + "seed: 1\nseed: 2\n", ":7: seed: duplicate key (first given on line 6; keep one)"),
    ("", ":1: has no value (expected a mapping; its keys include name, description, platform)"),
    ("- name: t\n", ":1: the file is a YAML list, not a mapping (its keys include name, description, "
                    "platform)"),
])
def test_each_rule_reports_its_line_field_and_fix(tmp_path, text, expected):
    assert problem(tmp_path, text) == expected


def test_every_problem_is_reported_at_once_in_line_order(tmp_path):
    found = problems(tmp_path, """\
        name: Bad Name
        time_scale: -1
        timeline:
          start: -10m
          end: 15m
          peak: kikoff
        audience:
          viewers:
            - {at: 0s, viewers: 300}
            - {at: -5m, viewers: 20}
            - {at: 5x, viewers: 2.5}
          clients: {web: 0.5, app: 0.35, tw: 0.15}
        slos:
          - {metric: startup_p95, max: 4s}
        """)
    assert [line.split(":")[1] for line in found] == ["1", "2", "6", "10", "11", "11", "12", "14"]
    assert found[3] == (":10: audience.viewers[1].at: -5m is not after the point before it at 0s "
                        "(list them in time order, one per moment)")


def test_yaml_syntax_errors_name_their_line(tmp_path):
    assert problem(tmp_path, MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%\n") == (
        ":8: YAML syntax error: expected ',' or '}', but got '<stream end>' (while parsing a flow "
        "mapping)")
    assert problem(tmp_path, "name: t\ntimeline: {start: 0s\n  end: 1m}\n") == (
        ":3: YAML syntax error: expected ',' or '}', but got ':' (while parsing a flow mapping)")
    assert problem(tmp_path, "name: t\n  bad: indent\n") == (
        ":2: YAML syntax error: mapping values are not allowed here")
    assert problem(tmp_path, "a: &x [*x]\n") == ":1: YAML syntax error: an alias refers to itself"
    assert problem(tmp_path, MINIMAL + "---\nname: u\n") == (
        ":6: YAML syntax error: but found another document (expected a single document in the "
        "stream)")
    assert problem(tmp_path, "a: !!python/object/apply:os.system [ls]\n") == (
        ":1: YAML syntax error: unsupported tag tag:yaml.org,2002:python/object/apply:os.system")
    assert problem(tmp_path, "a: !!python/name:os.system x\n").startswith(
        ":1: YAML syntax error: could not determine a constructor for the tag")


def test_anchors_and_merge_keys_work_and_may_be_overridden(tmp_path):
    loaded = scenario.load(write(tmp_path, MINIMAL + textwrap.dedent("""\
        slos:
          - &strict {metric: error_ratio, max: 1%, phase: peak}
          - {<<: *strict, phase: overall}
        """)))
    assert [s.phase for s in loaded.slos] == ["peak", "overall"]


def test_an_unreadable_file_is_one_line(tmp_path):
    with pytest.raises(InvalidInput) as error:
        scenario.load(tmp_path / "missing.yaml")
    assert str(error.value) == (f"{tmp_path / 'missing.yaml'}: cannot read: No such file or "
                                "directory")
    (tmp_path / "latin1.yaml").write_bytes(b"name: M\xfcnchen\n")
    with pytest.raises(InvalidInput, match=r"latin1.yaml:1: cannot read: not UTF-8 text$"):
        scenario.load(tmp_path / "latin1.yaml")


# -- faults -------------------------------------------------------------------------------

def fault(line: str, platform: str = "local") -> str:
    """MINIMAL with `platform` (line 6) and one fault (line 8)."""
    return MINIMAL + f"platform: {platform}\nfaults:\n  - {line}\n"


def test_every_kind_loads_on_each_platform_that_offers_its_driver(tmp_path):
    # with the params random mode gives it, so those are valid too
    for platform, drivers in (("local", ("toxiproxy", "process")),
                              ("docker", ("toxiproxy", "docker"))):
        offered = [kind for kind in KINDS.values() if kind.driver in drivers]
        faults = "".join(
            f"  - {{name: f{i}, kind: {kind.name}, target: "
            f"{'edge-origin-a' if kind.hits == 'link' else 'origin-a'}, at: 0s, "
            f"params: {json.dumps(kind.picked)}}}\n"
            for i, kind in enumerate(offered))
        loaded = scenario.load(write(tmp_path, MINIMAL + f"platform: {platform}\nfaults:\n"
                                     + faults))
        assert [f.kind for f in loaded.faults] == [kind.name for kind in offered]
    # command faults run the operator's commands: only a targets file gives them
    assert {kind.driver for kind in KINDS.values()} == {"toxiproxy", "docker", "process",
                                                       "command"}


def test_random_mode_has_params_for_every_kind_that_requires_some():
    for kind in KINDS.values():
        assert set(kind.params.required) <= set(kind.picked), kind.name
        assert set(kind.picked) <= set(kind.params.fields), kind.name


def test_fault_params_are_kept_as_written(tmp_path):
    loaded = scenario.load(write(tmp_path, fault(
        "{name: a, kind: latency, target: edge-origin-a, at: 0s, params: {latency: 500ms, "
        "jitter: 100ms, stream: upstream, toxicity: 0.5}}")))
    assert loaded.faults[0].params == {"latency": "500ms", "jitter": "100ms", "stream": "upstream",
                                       "toxicity": 0.5}
    loaded = scenario.load(write(tmp_path, fault("{name: a, kind: cut, target: edge-auth, at: 0s, "
                                                 "params: {}}")))
    assert loaded.faults[0].params == {}


@pytest.mark.parametrize("line, expected", [
    # kinds
    ("{name: a, kind: proces-kill, target: edge, at: 0s}",
     ":8: faults[0].kind: unknown fault kind 'proces-kill' (did you mean 'process-kill'?)"),
    ("{name: a, kind: kill, target: edge, at: 0s}",
     ":8: faults[0].kind: unknown fault kind 'kill' (choose from latency, bandwidth, slow_close, "
     "timeout, reset_peer, slicer, limit_data, cut, container-kill, container-stop, "
     "container-restart, container-pause, network-disconnect, resource-squeeze, process-kill, "
     "process-pause, command, random)"),
    # targets: a link kind hits a link, a component kind a component or zone
    ("{name: a, kind: cut, target: origin-a, at: 0s}",
     ":8: faults[0].target: 'origin-a' is a component, and cut hits a link (target a link, or "
     "choose a kind that hits components)"),
    ("{name: a, kind: latency, target: redis, at: 0s, params: {latency: 1s}}",
     ":8: faults[0].target: 'redis' is a component, and latency hits a link (target a link, or "
     "choose a kind that hits components)"),
    ("{name: a, kind: cut, target: 'zone:a', at: 0s}",
     ":8: faults[0].target: 'zone:a' is a zone, and cut hits a link (target a link, or choose a "
     "kind that hits components)"),
    ("{name: a, kind: cut, target: db, at: 0s}",
     f":8: faults[0].target: the stack has no link named 'db' (choose from {LINK_NAMES})"),
    ("{name: a, kind: process-kill, target: edge-origin-a, at: 0s}",
     ":8: faults[0].target: 'edge-origin-a' is a link, and process-kill hits a component or zone "
     "(target one of those, or choose a kind that hits links)"),
    ("{name: a, kind: process-pause, target: auth-redis, at: 0s}",
     ":8: faults[0].target: 'auth-redis' is a link, and process-pause hits a component or zone "
     "(target one of those, or choose a kind that hits links)"),
    ("{name: a, kind: process-pause, target: db, at: 0s}",
     f":8: faults[0].target: the stack has no component named 'db' (choose from "
     f"{COMPONENT_NAMES})"),
    ("{name: a, kind: process-kill, target: 'zone:c', at: 0s}",
     f":8: faults[0].target: the stack has no zone 'c' (choose from {ZONE_NAMES})"),
    ("{name: a, kind: process-kill, target: 'zone:cor', at: 0s}",
     ":8: faults[0].target: the stack has no zone 'cor' (did you mean 'core'?)"),
    # params: read by the kind's fields
    ("{name: a, kind: process-kill, target: edge, at: 0s, params: {signl: SIGTERM}}",
     ":8: faults[0].params.signl: unknown key (did you mean 'signal'?)"),
    ("{name: a, kind: latency, target: edge-auth, at: 0s, params: {latency: 1s, colour: red}}",
     ":8: faults[0].params.colour: unknown key (choose from latency, jitter, stream, toxicity)"),
    ("{name: a, kind: cut, target: edge-auth, at: 0s, params: {latency: 1s}}",
     ":8: faults[0].params: cut takes no params (remove params)"),
    ("{name: a, kind: bandwidth, target: edge-auth, at: 0s, params: {rate: fast}}",
     ":8: faults[0].params.rate: 'fast' is not a whole number"),
    ("{name: a, kind: bandwidth, target: edge-auth, at: 0s, params: {rate: -1}}",
     ":8: faults[0].params.rate: -1 must be >= 0"),
    ("{name: a, kind: latency, target: edge-auth, at: 0s, params: {latency: slow}}",
     ":8: faults[0].params.latency: 'slow' is not a duration (write e.g. 30s, 2m or 1h30m)"),
    ("{name: a, kind: latency, target: edge-auth, at: 0s, params: {jitter: 10ms}}",
     ":8: faults[0].params.latency: is required but missing"),
    ("{name: a, kind: latency, target: edge-auth, at: 0s}",
     ":8: faults[0].params.latency: is required but missing"),
    ("{name: a, kind: slicer, target: edge-auth, at: 0s, params: {average_size: 0}}",
     ":8: faults[0].params.average_size: 0 must be >= 1"),
    ("{name: a, kind: process-kill, target: edge, at: 0s, params: {signal: SIGFOO}}",
     ":8: faults[0].params.signal: unknown signal 'SIGFOO' (choose from SIGKILL, SIGTERM, SIGINT, "
     "SIGQUIT, SIGHUP, SIGABRT, SIGSEGV)"),
    ("{name: a, kind: process-kill, target: edge, at: 0s, params: {signal: SIGKIL}}",
     ":8: faults[0].params.signal: unknown signal 'SIGKIL' (did you mean 'SIGKILL'?)"),
    ("{name: a, kind: latency, target: edge-auth, at: 0s, params: {latency: 1s, toxicity: 1.5}}",
     ":8: faults[0].params.toxicity: 1.5 must be <= 1"),
    ("{name: a, kind: latency, target: edge-auth, at: 0s, params: {latency: 1s, "
     "stream: downsteam}}",
     ":8: faults[0].params.stream: unknown stream 'downsteam' (did you mean 'downstream'?)"),
    # random
    ("{name: a, kind: random, target: any, at: 0s}",
     ":8: faults[0].params: random needs params every and kinds (see docs/faults.md)"),
    ("{name: a, kind: random, target: any, at: 0s, params: [cut]}",
     ":8: faults[0].params: a list is not a mapping"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 1m}}",
     ":8: faults[0].params.kinds: is required but missing"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: []}}",
     ":8: faults[0].params.kinds: lists 0 entries; it needs at least 1"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 0s, kinds: [cut]}}",
     ":8: faults[0].params.every: '0s' is not a duration; it must be longer than 0 (write e.g. "
     "30s, 2m or 1h30m)"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: [cut], evry: 1m}}",
     ":8: faults[0].params.evry: unknown key (did you mean 'every'?)"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: [cut, latncy]}}",
     ":8: faults[0].params.kinds[1]: unknown fault kind 'latncy' (did you mean 'latency'?)"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: [random]}}",
     ":8: faults[0].params.kinds[0]: unknown fault kind 'random' (choose from latency, bandwidth, "
     "slow_close, timeout, reset_peer, slicer, limit_data, cut, container-kill, container-stop, "
     "container-restart, container-pause, network-disconnect, resource-squeeze, process-kill, "
     "process-pause, command)"),
    ("{name: a, kind: random, target: edge-orgin-a, at: 0s, params: {every: 1m, kinds: [cut]}}",
     ":8: faults[0].target: the stack has no component or link named 'edge-orgin-a' (did you mean "
     "'edge-origin-a'?)"),
    ("{name: a, kind: random, target: everything, at: 0s, params: {every: 1m, kinds: [cut]}}",
     ":8: faults[0].target: the stack has no component or link named 'everything' (choose from "
     f"any, {COMPONENT_NAMES}, {LINK_NAMES})"),
    ("{name: a, kind: random, target: 'zone:z', at: 0s, params: {every: 1m, kinds: [cut]}}",
     f":8: faults[0].target: the stack has no zone 'z' (choose from {ZONE_NAMES})"),
])
def test_each_fault_rule_reports_its_line_field_and_fix(tmp_path, line, expected):
    assert problem(tmp_path, fault(line)) == expected


@pytest.mark.parametrize("platform, line, expected", [
    ("docker", "{name: a, kind: process-kill, target: edge, at: 0s}",
     ":8: faults[0].kind: process-kill is a process fault, which platform docker cannot carry out "
     "(it needs platform local)"),
    ("docker", "{name: a, kind: process-pause, target: 'zone:a', at: 0s}",
     ":8: faults[0].kind: process-pause is a process fault, which platform docker cannot carry "
     "out (it needs platform local)"),
    ("local", "{name: a, kind: container-kill, target: edge, at: 0s}",
     ":8: faults[0].kind: container-kill is a docker fault, which platform local cannot carry out "
     "(it needs platform docker, or external with docker_host: in its targets file)"),
    ("local", "{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: [cut, "
     "container-pause]}}",
     ":8: faults[0].params.kinds[1]: container-pause is a docker fault, which platform local "
     "cannot carry out (it needs platform docker, or external with docker_host: in its targets "
     "file)"),
    ("docker", "{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: "
     "[process-kill]}}",
     ":8: faults[0].params.kinds[0]: process-kill is a process fault, which platform docker "
     "cannot carry out (it needs platform local)"),
])
def test_a_kind_needs_a_platform_that_offers_its_driver(tmp_path, platform, line, expected):
    assert problem(tmp_path, fault(line, platform)) == expected


def test_component_kinds_may_hit_a_zone(tmp_path):
    for platform, kind in (("local", "process-kill"), ("docker", "container-kill")):
        faults = "".join(f"  - {{name: f{zone}, kind: {kind}, target: 'zone:{zone}', at: 0s}}\n"
                         for zone in ("core", "a", "b"))
        loaded = scenario.load(write(tmp_path, MINIMAL + f"platform: {platform}\nfaults:\n"
                                     + faults))
        assert [f.target for f in loaded.faults] == ["zone:core", "zone:a", "zone:b"]


def test_random_may_hit_any_target_or_keep_to_a_link_component_or_zone(tmp_path):
    faults = "".join(f"  - {{name: f{i}, kind: random, target: '{target}', at: 0s, "
                     f"params: {{every: 30s, lasting: 10s, kinds: [cut, process-kill]}}}}\n"
                     for i, target in enumerate(["any", "edge-origin-a", "origin-a", "zone:b"]))
    loaded = scenario.load(write(tmp_path, MINIMAL + "faults:\n" + faults))
    assert [(f.kind, f.target) for f in loaded.faults] == [
        ("random", "any"), ("random", "edge-origin-a"), ("random", "origin-a"),
        ("random", "zone:b")]
    assert loaded.faults[0].params == {"every": "30s", "lasting": "10s",
                                       "kinds": ["cut", "process-kill"]}


def test_a_random_kind_the_platform_cannot_carry_out_is_named_on_its_own_line(tmp_path):
    assert problem(tmp_path, MINIMAL + textwrap.dedent("""\
        faults:
          - name: chaos
            kind: random
            target: any
            at: 0s
            params:
              every: 30s
              kinds:
                - cut
                - container-kill
        """)) == (":15: faults[0].params.kinds[1]: container-kill is a docker fault, which "
                  "platform local cannot carry out (it needs platform docker, or external with "
                  "docker_host: in its targets file)")


def test_faults_may_target_every_component_and_link_of_the_reference_stack(tmp_path):
    from kickoff_stack.topology import COMPONENTS, LINKS

    components, links = [c.name for c in COMPONENTS], [link.name for link in LINKS]
    for platform, component_kind in (("local", "process-kill"), ("docker", "container-kill")):
        faults = "".join(f"  - {{name: c{i}, kind: {component_kind}, target: {name}, at: 0s}}\n"
                         for i, name in enumerate(components))
        faults += "".join(f"  - {{name: l{i}, kind: cut, target: {name}, at: 0s}}\n"
                          for i, name in enumerate(links))
        text = MINIMAL + f"platform: {platform}\nfaults:\n" + faults
        loaded = scenario.load(write(tmp_path, text))
        assert [f.target for f in loaded.faults] == components + links


def test_faults_on_an_external_stack_target_what_its_targets_file_lists(tmp_path):
    write(tmp_path, "edge: http://localhost\ntoxiproxy: http://localhost:8474\n"
                    "docker_host: unix:///var/run/docker.sock\ncomponents: [web]\n"
                    "links: [web-db]\n", "stack.yaml")
    head = MINIMAL + "platform: external\ntargets: stack.yaml\nfaults:\n"
    assert scenario.load(write(tmp_path, head + "  - {name: a, kind: cut, target: web-db, at: 0s}\n"
                                                "  - {name: b, kind: container-kill, target: web, "
                                                "at: 0s}\n"))
    assert problem(tmp_path, head + "  - {name: a, kind: cut, target: db, at: 0s}\n") == (
        ":9: faults[0].target: the stack has no link named 'db' (choose from web-db)")
    assert problem(tmp_path, head + "  - {name: a, kind: container-stop, target: db, "
                                     "at: 0s}\n") == (
        ":9: faults[0].target: the stack has no component named 'db' (choose from web)")
    assert problem(tmp_path, head + "  - {name: a, kind: container-stop, target: web-db, "
                                     "at: 0s}\n") == (
        ":9: faults[0].target: 'web-db' is a link, and container-stop hits a component or zone "
        "(target one of those, or choose a kind that hits links)")
    assert problem(tmp_path, head + "  - {name: a, kind: random, target: db, at: 0s, params: "
                                     "{every: 1m, kinds: [cut]}}\n") == (
        ":9: faults[0].target: the stack has no component or link named 'db' (choose from any, "
        "web, web-db)")
    assert problem(tmp_path, head + "  - {name: a, kind: container-kill, target: 'zone:a', "
                                     "at: 0s}\n") == (
        ":9: faults[0].target: the stack has no zone 'a' (this stack's description names no "
        "zones)")
    write(tmp_path, "edge: http://localhost\ntoxiproxy: http://localhost:8474\n", "stack.yaml")
    assert scenario.load(write(tmp_path, head + "  - {name: a, kind: cut, target: db, at: 0s}\n"))


@pytest.mark.parametrize("line, expected", [
    ("{name: a, kind: cut, target: edge-origin-a, at: 0s}",
     ":9: faults[0].kind: cut is a toxiproxy fault, which platform external cannot carry out (it "
     "needs platform local, docker, or external with toxiproxy: in its targets file)"),
    ("{name: a, kind: latency, target: edge-origin-a, at: 0s, params: {latency: 1s}}",
     ":9: faults[0].kind: latency is a toxiproxy fault, which platform external cannot carry out "
     "(it needs platform local, docker, or external with toxiproxy: in its targets file)"),
    ("{name: a, kind: container-kill, target: edge, at: 0s}",
     ":9: faults[0].kind: container-kill is a docker fault, which platform external cannot carry "
     "out (it needs platform docker, or external with docker_host: in its targets file)"),
    ("{name: a, kind: random, target: any, at: 0s, params: {every: 1m, kinds: [cut]}}",
     ":9: faults[0].params.kinds[0]: cut is a toxiproxy fault, which platform external cannot "
     "carry out (it needs platform local, docker, or external with toxiproxy: in its targets "
     "file)"),
])
def test_an_external_stack_offers_only_the_drivers_its_targets_file_reaches(tmp_path, line,
                                                                           expected):
    write(tmp_path, "edge: http://localhost\n", "stack.yaml")
    text = MINIMAL + f"platform: external\ntargets: stack.yaml\nfaults:\n  - {line}\n"
    assert problem(tmp_path, text) == expected


@pytest.mark.parametrize("kind", ["process-kill", "process-pause"])
def test_an_external_stack_never_offers_process_kinds(tmp_path, kind):
    write(tmp_path, "edge: http://localhost\ntoxiproxy: http://localhost:8474\n"
                    "docker_host: unix:///var/run/docker.sock\n", "stack.yaml")
    text = (MINIMAL + "platform: external\ntargets: stack.yaml\nfaults:\n"
            f"  - {{name: a, kind: {kind}, target: edge, at: 0s}}\n")
    assert problem(tmp_path, text) == (f":9: faults[0].kind: {kind} is a process fault, which "
                                       "platform external cannot carry out (it needs platform "
                                       "local)")


# -- targets files ------------------------------------------------------------------------

def test_a_targets_file_loads_to_the_model():
    assert load_targets(DATA / "targets" / "staging.yaml") == Targets(
        edge="http://staging.internal:8080", toxiproxy="http://127.0.0.1:8474",
        docker_host="unix:///var/run/docker.sock", compose_project="staging",
        components=("edge", "origin-a"), links=("edge-origin-a",),
        allow_hosts=("staging.internal",),
        source=DATA / "targets" / "staging.yaml")


def test_targets_defaults(tmp_path):
    targets = load_targets(write(tmp_path, "edge: http://localhost:8080\n", "t.yaml"))
    assert (targets.toxiproxy, targets.docker_host, targets.compose_project) == (None, None, None)
    assert (targets.components, targets.links, targets.allow_hosts) == ((), (), ())


@pytest.mark.parametrize("edge", ["http://127.0.0.1:8080", "https://localhost", "http://[::1]:80/x",
                                  "http://127.3.4.5:8080", "http://LOCALHOST:8080"])
def test_loopback_edges_need_no_allowing(tmp_path, edge):
    assert load_targets(write(tmp_path, f"edge: '{edge}'\n", "t.yaml")).edge == edge


def test_a_targets_file_may_leave_the_edge_out(tmp_path):
    assert load_targets(write(tmp_path, "toxiproxy: http://localhost:9\n", "t.yaml")).edge is None


def test_viewers_on_a_stack_without_an_edge_fail_validation_clearly(tmp_path):
    write(tmp_path, "toxiproxy: http://localhost:9\n", "stack.yaml")
    assert problem(tmp_path, MINIMAL + "platform: external\ntargets: stack.yaml\n") == (
        ":7: targets: the stack has no edge, and the viewers' journey starts at one (add edge: "
        "URL to the targets file, or give audience.stream a stream URL to play)")


def problem_in_targets(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text, "t.yaml")
    with pytest.raises(InvalidInput) as error:
        load_targets(path)
    return [line.removeprefix(str(path)) for line in str(error.value).splitlines()]


@pytest.mark.parametrize("text, expected", [
    ("edge: http://10.0.0.5:8080\n", ":1: edge: 10.0.0.5 is not this machine, and kickoff sends "
     "traffic only to 127.0.0.1, localhost or ::1 (if the stack at 10.0.0.5 is yours to load, add "
     "10.0.0.5 to allow_hosts)"),
    ("edge: http://staging.internal\nallow_hosts: [other.internal]\n",
     ":1: edge: staging.internal is not this machine, and kickoff sends traffic only to 127.0.0.1, "
     "localhost or ::1 (if the stack at staging.internal is yours to load, add staging.internal "
     "to allow_hosts)"),
    ("edge: http://localhost\ntoxiproxy: http://toxi.example.com:8474\n",
     ":2: toxiproxy: toxi.example.com is not this machine, and kickoff sends traffic only to "
     "127.0.0.1, localhost or ::1 (if the stack at toxi.example.com is yours to load, add "
     "toxi.example.com to allow_hosts)"),
    ("edge: http://localhost\ndocker_host: tcp://192.168.1.9:2375\n",
     ":2: docker_host: 192.168.1.9 is not this machine, and kickoff sends traffic only to "
     "127.0.0.1, localhost or ::1 (if the stack at 192.168.1.9 is yours to load, add 192.168.1.9 "
     "to allow_hosts)"),
    ("edge: ftp://localhost\n", ":1: edge: 'ftp://localhost' is not a http/https URL with a host "
     "(write e.g. http://127.0.0.1:8080)"),
    ("edge: localhost:8080\n", ":1: edge: 'localhost:8080' is not a http/https URL with a host "
     "(write e.g. http://127.0.0.1:8080)"),
    ("edge: http://localhost:80x\n", ":1: edge: 'http://localhost:80x' is not a http/https URL "
     "with a host (write e.g. http://127.0.0.1:8080)"),
    ("edge: http://\n", ":1: edge: 'http://' is not a http/https URL with a host (write e.g. "
     "http://127.0.0.1:8080)"),
    ("edge: http://localhost\ndocker_host: /var/run/docker.sock\n",
     ":2: docker_host: '/var/run/docker.sock' is not a unix/npipe/tcp/ssh/http/https URL (write "
     "e.g. unix:///var/run/docker.sock)"),
    ("edge: http://localhost\ncomponent: [edge]\n",
     ":2: component: unknown key (did you mean 'components'?)"),
    ("edge: http://localhost\nlinks: edge-origin-a\n", ":2: links: 'edge-origin-a' is not a list"),
])
def test_targets_rules(tmp_path, text, expected):
    assert problem_in_targets(tmp_path, text) == [expected]


def test_allow_hosts_lets_load_go_to_a_named_host(tmp_path):
    targets = load_targets(write(tmp_path, "edge: https://Staging.Internal\n"
                                           "toxiproxy: http://toxi.internal:8474\n"
                                           "allow_hosts: [staging.internal, TOXI.internal]\n",
                                 "t.yaml"))
    assert targets.edge == "https://Staging.Internal"


def test_a_scenario_reports_its_targets_file_problems_with_that_files_lines(tmp_path):
    write(tmp_path, "edge: http://10.1.1.1\nlinks: [a]\ncomponent: 1\n", "stack.yaml")
    found = problems(tmp_path, MINIMAL + "platform: external\ntargets: stack.yaml\nseed: x\n")
    assert found == [":8: seed: 'x' is not a whole number",
                     f"{tmp_path / 'stack.yaml'}:1: edge: 10.1.1.1 is not this machine, and "
                     "kickoff sends traffic only to 127.0.0.1, localhost or ::1 (if the stack at "
                     "10.1.1.1 is yours to load, add 10.1.1.1 to allow_hosts)",
                     f"{tmp_path / 'stack.yaml'}:3: component: unknown key (did you mean "
                     "'components'?)"]


def test_a_missing_targets_file_is_named_where_the_scenario_names_it(tmp_path):
    assert problem(tmp_path, MINIMAL + "platform: external\ntargets: stacks/nope.yaml\n") == (
        f":7: targets: no file {tmp_path / 'stacks' / 'nope.yaml'} (a relative path is read from "
        "the scenario's folder)")


# -- request groups -----------------------------------------------------------------------

def test_a_scenario_has_the_players_groups_and_its_journeys(tmp_path):
    loaded = scenario.load(write(tmp_path, MINIMAL + "slos:\n"
                                 "  - {metric: latency_p99.catalog, max: 1s}\n"
                                 "  - {metric: error_ratio.segment, max: 1%}\n"))
    # On local, the reference stack's journey and its groups, then the player's.
    assert loaded.groups == ("auth", "booking", "catalog", "home", "signup", *PLAYER_GROUPS)
    assert scenario.request_groups(None) == PLAYER_GROUPS  # a bare stream: the player's only
    assert [s.metric for s in loaded.slos] == ["latency_p99.catalog", "error_ratio.segment"]
    assert scenario.replace(loaded, seed=2).groups == loaded.groups


GROUPS_HINT = "its groups: auth, booking, catalog, home, signup, playlist, segment"


@pytest.mark.parametrize("text, expected", [
    (MINIMAL + "slos:\n  - {metric: error_ratio, max: 1%}\n  - {metric: error_ratio.login, "
               "max: 1%}\n",
     [f":8: slos[1].metric: the scenario has no request group 'login' ({GROUPS_HINT})"]),
    (MINIMAL + "slos:\n  - {metric: error_ratio.segmnt, max: 1%}\n",
     [":7: slos[0].metric: the scenario has no request group 'segmnt' (did you mean "
      f"'error_ratio.segment'? {GROUPS_HINT})"]),
    (MINIMAL + "halt_if:\n  - {metric: latency_p99.ath, above: 2s, for: 10s}\n",
     [":7: halt_if[0].metric: the scenario has no request group 'ath' (did you mean "
      f"'latency_p99.auth'? {GROUPS_HINT})"]),
    (MINIMAL + "halt_if:\n  - {metric: error_rate, above: 50%, for: 10s}\n",
     [":7: halt_if[0].metric: unknown metric 'error_rate' (did you mean 'error_ratio'?)"]),
    (MINIMAL + "slos:\n  - {metric: error_ratio.playlist, max: 4s}\n"
               "  - {metric: latency_p50.Login, max: 4s}\n"
               "halt_if:\n  - {metric: requests_per_second.nobody, below: 1, for: 5s}\n",
     [":7: slos[0].max: a duration fits only a time, and error_ratio.playlist is measured in "
      "ratio (write a number)",
      ":8: slos[1].metric: 'Login' is not a request group name (lowercase letters, digits, "
      "'_' and '-', starting with a letter or digit)",
      f":10: halt_if[0].metric: the scenario has no request group 'nobody' ({GROUPS_HINT})"]),
])
def test_a_metric_of_a_group_the_scenario_lacks_is_reported_on_its_line(tmp_path, text,
                                                                         expected):
    assert problems(tmp_path, text) == expected


def test_the_schema_takes_request_metrics_of_any_well_formed_group():
    metric = scenario.json_schema()["properties"]["slos"]["items"]["properties"]["metric"]
    assert all(conforms(name, metric) for name in (
        "rebuffering_ratio", "error_ratio", "error_ratio.login", "latency_p99.playback-info"))
    assert not any(conforms(name, metric) for name in (
        "error_ratio.Login", "rebuffering_ratio.segment", "error_ratio.", "errors"))


# -- the JSON Schema ----------------------------------------------------------------------

def conforms(value: object, schema: dict) -> bool:
    """The part of JSON Schema (2020-12) json_schema() uses; enough to hold files against it."""
    types = {"object": dict, "array": list, "string": str, "number": (int, float), "integer": int}
    checks = [
        ("type", lambda t: isinstance(value, types[t]) and not isinstance(value, bool)),
        ("enum", lambda choices: value in choices),
        ("const", lambda constant: value == constant),
        ("pattern", lambda p: re.search(p, value) is not None),
        ("minLength", lambda n: len(value) >= n),
        ("minimum", lambda n: value >= n),
        ("exclusiveMinimum", lambda n: value > n),
        ("maximum", lambda n: value <= n),
        ("minItems", lambda n: len(value) >= n),
        ("items", lambda item: all(conforms(v, item) for v in value)),
        ("required", lambda keys: all(k in value for k in keys)),
        ("properties", lambda props: all(conforms(value[k], s) for k, s in props.items()
                                         if k in value)),
        ("additionalProperties", lambda extra: extra or set(value) <= set(schema["properties"])),
        ("anyOf", lambda options: any(conforms(value, s) for s in options)),
        ("oneOf", lambda options: sum(conforms(value, s) for s in options) == 1),
        ("not", lambda other: not conforms(value, other)),
        ("if", lambda condition: conforms(value, schema["then"] if conforms(value, condition)
                                          else schema["else"])),
    ]
    # In this order: the keywords after "type" may assume it holds.
    return all(check(schema[keyword]) for keyword, check in checks if keyword in schema)


def yaml_files() -> list[Path]:
    return [*SHIPPED, DATA / "full.yaml", DATA / "external.yaml"]


def test_the_schema_accepts_every_valid_file():
    schema = scenario.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for path in yaml_files():
        assert conforms(yaml.safe_load(path.read_text()), schema), path
    assert conforms(yaml.safe_load(docs_example()), schema)


def test_the_schema_lists_the_fault_kinds():
    kind = scenario.json_schema()["properties"]["faults"]["items"]["properties"]["kind"]
    assert kind["enum"] == [*KINDS, "random"]


@pytest.mark.parametrize("change", [
    lambda d: d.pop("name"),
    lambda d: d.update(nmae="x"),
    lambda d: d.update(name="Bad Name"),
    lambda d: d.update(platform="moon"),
    lambda d: d.update(targets="t.yaml"),
    lambda d: d.update(platform="external"),
    lambda d: d.update(time_scale=0),
    lambda d: d["timeline"].update(start="5x"),
    lambda d: d["audience"]["viewers"][0].update(viewers=-1),
    lambda d: d["audience"]["viewers"][0].update(viewers=1.5),
    lambda d: d["audience"]["clients"].update(tw=0.1),
    lambda d: d["audience"]["api_users"][0].update(interval="-5s"),
    lambda d: d["slos"][0].update(min=1),
    lambda d: d["slos"][0].update(metric="startup_p95"),
    lambda d: d["slos"][0].update(max="lots"),
    lambda d: d["faults"][0].update(params=[]),
    lambda d: d["faults"][0].update(kind="kill"),
])
def test_the_schema_rejects_what_the_validator_rejects(change):
    data = yaml.safe_load((DATA / "full.yaml").read_text())
    change(data)
    assert not conforms(data, scenario.json_schema())
    with pytest.raises(InvalidInput):
        scenario.loads(yaml.safe_dump(data), DATA / "changed.yaml")


# -- shipped scenarios and docs -----------------------------------------------------------

def test_the_shipped_scenarios_validate():
    assert {p.name for p in SHIPPED} >= {"smoke.yaml", "kickoff-free-to-air.yaml"}
    for path in SHIPPED:
        assert scenario.load(path).name == path.stem


def test_smoke_is_ci_sized_and_the_headline_fits_a_small_machine():
    smoke = scenario.load(SCENARIOS_DIR / "smoke.yaml")
    assert smoke.wall_duration < 60 and not smoke.faults
    headline = scenario.load(SCENARIOS_DIR / "kickoff-free-to-air.yaml")
    peak = max(p.viewers for p in headline.audience.points) * headline.audience.scale
    assert peak <= 150 and headline.wall_duration <= 300
    assert [p.name for p in headline.timeline.phases] == ["pre-match", "kickoff-rush", "first-half",
                                                          "half-time", "second-half"]
    assert headline.timeline.peak == "kickoff-rush"
    (half_time,) = headline.audience.leaving  # a share leaves for the home screen, comes back
    assert half_time.flow == "home" and half_time.back is not None
    # the demo is the product's question: a component dies at kickoff
    (crash,) = headline.faults
    assert crash.at == 0 and crash.target == "origin-a"


def test_no_faults_runs_the_audience_alone():
    path = SCENARIOS_DIR / "kickoff-free-to-air.yaml"
    demand = overrides.load(path, no_faults=True)
    assert demand.faults == () and demand.audience == overrides.load(path).audience
    assert demand.wall_duration < scenario.load(path).wall_duration  # nothing at real time


def docs_example() -> str:
    complete = DOCS.read_text().split("## A complete example", 1)[1]
    return complete.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_docs_complete_example_validates_and_uses_every_key():
    example = docs_example()
    loaded = scenario.loads(example, DOCS)
    assert loaded.faults and loaded.slos and loaded.audience.api_users
    data = yaml.safe_load(example)
    schema = scenario.json_schema()
    # every key but targets (only with platform external) and journey (the platform's default
    # here), which are shown commented out
    assert set(data) == set(schema["properties"]) - {"targets", "journey"}
    assert "# targets:" in example and "# journey:" in example
    assert set(data["timeline"]) == set(schema["properties"]["timeline"]["properties"])
    # every audience key but stream, which replaces event and subscribers and is shown commented out
    assert set(data["audience"]) == set(schema["properties"]["audience"]["properties"]) - \
        {"stream"} and "# stream:" in example
    for key in ("slos", "faults", "halt_if"):
        used = {k for item in data[key] for k in item} | ({"below"} if key == "halt_if" else set())
        assert used == set(schema["properties"][key]["items"]["properties"])


def docs_section(heading: str) -> str:
    return DOCS.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_docs_fault_kinds_table_is_the_kinds_module():
    rows = [line.split("|")[1:-1] for line in docs_section("Fault kinds").splitlines()
            if line.startswith("| `")]
    table = {row[0].strip().strip("`"): [cell.strip() for cell in row[1:]] for row in rows
             if len(row) == 6}
    assert list(table) == list(KINDS)
    for name, (driver, hits, self_healing, params, what) in table.items():
        kind = KINDS[name]
        assert driver == kind.driver, name
        assert hits == ("link" if kind.hits == "link" else "component or zone"), name
        assert self_healing == ("yes" if kind.self_healing else "no"), name
        assert set(re.findall(r"`([a-z_]+)`", params)) == set(kind.params.fields), name
        assert what, name


def test_the_docs_random_example_validates(tmp_path):
    example = docs_section("Fault kinds").split("```yaml\n", 1)[1].split("```", 1)[0]
    text = MINIMAL.replace("end: 3m", "end: 15m") + "faults:\n" + example
    loaded = scenario.load(write(tmp_path, text))
    assert loaded.faults[0].kind == "random"


def test_the_docs_metric_catalogue_is_the_metrics_module():
    catalogue = DOCS.read_text().split("## Metrics", 1)[1].split("\n### ", 1)[0]
    named = re.findall(r"^\| `([^|]+)` \|", catalogue, re.MULTILINE)
    assert named == [*VIEWER_METRICS, *(f"{kind}`, `{kind}.<group>" for kind in REQUEST_KINDS)]
    groups = DOCS.read_text().split("### Request groups", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{group}`" in groups for group in PLAYER_GROUPS)
    assert f"`{GROUP_PATTERN}`" in groups


# -- the CLI ------------------------------------------------------------------------------

def test_validate_prints_ok_per_file_and_exits_0():
    result = harness("validate", *map(str, SHIPPED))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(SHIPPED)
    smoke = next(line for line in lines if "smoke.yaml" in line)
    assert smoke == (f"ok  {SCENARIOS_DIR / 'smoke.yaml'}  (smoke, 3 audience points, peak 8 "
                     "viewers, wall duration 30s at time_scale 10)")


def test_validate_prints_one_error_per_problem_and_exits_2(tmp_path):
    bad = write(tmp_path, MINIMAL + "time_scale: 0\nseed: x\n", "bad.yaml")
    result = harness("validate", str(SCENARIOS_DIR / "smoke.yaml"), str(bad),
                     str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("ok  ")
    assert result.stderr.splitlines() == [
        f"error: {bad}:6: time_scale: 0 must be >= 0.01",
        f"error: {bad}:7: seed: 'x' is not a whole number",
        f"error: {tmp_path / 'missing.yaml'}: cannot read: No such file or directory"]


def test_validate_needs_a_file():
    assert harness("validate").returncode == 2


def test_schema_prints_the_json_schema_of_the_files_top_level_keys():
    result = harness("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema == scenario.json_schema()
    assert set(schema["properties"]) == {"name", "description", "platform", "targets",
                                         "journey", "time_scale", "fault_time_scale", "seed",
                                         "timeline", "audience", "slos", "faults",
                                         "faults_by_hand", "halt_if", "cmcd", "server_metrics",
                                         "stack_size"}
    # a scenario written out names a journey only when it has its own, a stack size only
    # when it asks for one, faults by hand and server metrics only when it has some
    assert set(schema["properties"]) - {"journey", "stack_size", "faults_by_hand",
                                        "server_metrics"} == set(
        scenario.load(DATA / "external.yaml").to_dict())


def stream(url: str) -> str:
    return MINIMAL.replace("audience:\n", f"audience:\n  stream: {url}\n")


def test_a_bare_stream_and_cmcd_load_and_write_back(tmp_path):
    loaded = scenario.load(write(tmp_path, stream("http://127.0.0.1:8088/l/live.mpd")
                                 + "cmcd: headers\n"))
    assert loaded.audience.stream == "http://127.0.0.1:8088/l/live.mpd" and loaded.cmcd == "headers"
    assert scenario.replace(loaded) == loaded
    plain = scenario.load(write(tmp_path, MINIMAL))
    assert plain.audience.stream is None and plain.cmcd == "off"


@pytest.mark.parametrize("text, expected", [
    (stream("ftp://127.0.0.1/x.m3u8"), ":4: audience.stream: 'ftp://127.0.0.1/x.m3u8' "
     "is not an http/https URL with a host (write e.g. http://HOST:PORT/live/master.m3u8)"),
    (stream("https://cdn.example.com/x.m3u8"), ":4: audience.stream: cdn.example.com "
     "is not this machine, and kickoff sends traffic only to 127.0.0.1, localhost or ::1 (if the "
     "stack at cdn.example.com is yours to load, add cdn.example.com to allow_hosts)"),
    (stream("http://localhost/x.mpd").replace("audience:\n", "audience:\n  event: e\n"),
     ":4: audience.event: is not used with audience.stream: viewers play the stream without the "
     "app's journey (remove event or stream)"),
    (MINIMAL + "cmcd: json\n", ":6: cmcd: unknown CMCD mode 'json' (choose from off, query, "
     "headers)"),
])
def test_stream_and_cmcd_problems(tmp_path, text, expected):
    assert problem(tmp_path, text) == expected


def test_a_stream_on_a_host_the_targets_file_allows(tmp_path):
    write(tmp_path, "edge: http://127.0.0.1:8080\nallow_hosts: [cdn.staging.test]\n", "t.yaml")
    loaded = scenario.load(write(tmp_path, stream("https://cdn.staging.test/m.m3u8")
                                 + "platform: external\ntargets: t.yaml\n"))
    assert loaded.audience.stream == "https://cdn.staging.test/m.m3u8"
