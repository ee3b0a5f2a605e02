"""Scenario variants the orchestrators run (harness.orchestrate.variants)."""

from pathlib import Path

from harness import scenario
from harness.orchestrate import variants

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_at_peak_scales_the_curve_to_the_asked_peak():
    kickoff = scenario.load(SCENARIOS / "kickoff-free-to-air.yaml")
    scaled = variants.at_peak(kickoff, 40)
    assert variants.peak_viewers(scaled) == 40
    assert [p.viewers for p in scaled.audience.points] == [p.viewers for p in
                                                           kickoff.audience.points]


def test_without_faults_drops_the_slos_judged_on_them():
    failing = scenario.load(SCENARIOS / "component-failure-at-kickoff.yaml")
    control = variants.with_faults(failing, ())
    assert control.faults == ()
    assert all(s.fault is None for s in control.slos)
    assert len(control.slos) < len(failing.slos)
    one = variants.with_faults(failing, failing.faults[:1])
    assert {s.fault for s in one.slos} <= {None, failing.faults[0].name}


def test_named_renames():
    assert variants.named(scenario.load(SCENARIOS / "smoke.yaml"), "smoke-level-10").name == \
        "smoke-level-10"


def test_an_audience_that_arrives_by_rate_has_its_implied_peak_scaled(tmp_path):
    path = tmp_path / "arrivals.yaml"
    path.write_text("name: arrivals-only\ntime_scale: 10\ntimeline: {start: -2m, end: 2m}\n"
                    "audience:\n  arrivals:\n    - {at: -2m, per_minute: 60}\n"
                    "    - {at: 2m, per_minute: 120}\n  watch: {median: 1m, p90: 3m}\n")
    arriving = scenario.load(path)
    peak = variants.peak_viewers(arriving)
    assert peak > 0
    doubled = variants.peak_viewers(variants.at_peak(arriving, 2 * peak))
    assert abs(doubled - 2 * peak) <= 0.05 * 2 * peak  # arrivals are whole viewers
    held = variants.held_at_peak(arriving, 40, 10.0, 30.0, 0.25)
    assert held.audience.arrivals == () and variants.peak_viewers(held) == 40
