"""Random mode: a seeded chaos monkey expands into concrete faults before the run."""

from pathlib import Path

from kickoff_stack.topology import BY_NAME, LINKS_BY_NAME

from harness.run.chaos import expand
from harness.faults.registry import KINDS
from harness.platforms.registry import stack_of
from harness.scenario import loads

MONKEY = """\
name: monkey
seed: {seed}
timeline: {{start: -2m, end: 3m}}
audience: {{viewers: [{{at: -2m, viewers: 1}}]}}
faults:
  - {{name: fixed, kind: cut, target: auth-redis, at: 0s, for: 30s}}
  - {{name: monkey, kind: random, target: {target}, at: -1m, for: 2m,
     params: {{every: 30s, lasting: 10s, kinds: [process-kill, latency, process-pause]}}}}
"""


def expanded(seed: int = 1, target: str = "any"):
    return expand(loads(MONKEY.format(seed=seed, target=target), Path("monkey.yaml")),
                  stack_of("local"))


def test_picks_every_interval_inside_the_window_with_the_kinds_given():
    faults = expanded()
    assert faults[0].name == "fixed"  # concrete faults stay as they are
    picks = faults[1:]
    assert [f.name for f in picks] == ["monkey-1", "monkey-2", "monkey-3", "monkey-4"]
    assert [f.at for f in picks] == [-60.0, -30.0, 0.0, 30.0]
    assert all(f.duration == 10.0 and f.kind in ("process-kill", "latency", "process-pause")
               for f in picks)
    for fault in picks:  # each target is one the kind can hit, never Toxiproxy itself
        targets = LINKS_BY_NAME if KINDS[fault.kind].hits == "link" else BY_NAME
        assert fault.target in targets and fault.target != "toxiproxy"
    assert all(f.params == ({"latency": "500ms", "jitter": "100ms"} if f.kind == "latency"
                            else {}) for f in picks)


def test_the_same_seed_picks_the_same_faults_and_another_seed_others():
    assert expanded(seed=7) == expanded(seed=7)
    assert any(expanded(seed=s)[1:] != expanded(seed=7)[1:] for s in range(8, 12))


def test_a_zone_target_keeps_the_picks_inside_the_zone():
    picks = expanded(target="zone:a")[1:]
    for fault in picks:
        expected = "edge-origin-a" if fault.kind == "latency" else "origin-a"
        assert fault.target == expected
