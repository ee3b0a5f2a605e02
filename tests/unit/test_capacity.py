"""The capacity search's parts that need no stack: the USL fit on synthetic
figures, the step-then-bisect search on synthetic level outcomes, the rush
rate variant, the component-down variant and audience.forecast."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from harness import scenario
from harness.spec.errors import InvalidInput
from harness.orchestrate import capacity_search as cs
from harness.orchestrate import usl, variants
from harness.orchestrate.capacity import down_kind
from harness.orchestrate.capacity_answer import headroom, nearest_limit
from harness.platforms.registry import stack_of

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _law(lam: float, sigma: float, kappa: float, ns) -> list[tuple[float, float]]:
    return [(n, lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))) for n in ns]


@pytest.mark.parametrize("sigma, kappa", [(0.05, 0.0004), (0.2, 0.00002), (0.01, 0.001)])
def test_usl_recovers_sigma_and_kappa_from_exact_figures(sigma, kappa):
    fit = usl.fit(_law(3.0, sigma, kappa, (5, 10, 20, 40, 80, 160, 320)))
    assert fit.problem is None
    assert fit.sigma == pytest.approx(sigma, rel=1e-6)
    assert fit.kappa == pytest.approx(kappa, rel=1e-6)
    assert fit.lam == pytest.approx(3.0, rel=1e-6)
    assert fit.peak_n == pytest.approx(((1 - sigma) / kappa) ** 0.5, rel=1e-6)
    assert fit.peak_x == pytest.approx(max(3.0 * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
                                           for n in range(1, 5000)), rel=1e-4)
    assert fit.rms_residual < 1e-9


def test_usl_recovers_sigma_and_kappa_through_noise():
    noise = random.Random(7)
    sigma, kappa = 0.05, 0.0004
    exact = _law(2.0, sigma, kappa, range(10, 170, 10))
    fit = usl.fit([(n, x * (1 + noise.gauss(0, 0.01))) for n, x in exact])
    assert fit.sigma == pytest.approx(sigma, abs=0.02)
    assert fit.kappa == pytest.approx(kappa, rel=0.2)
    assert fit.peak_n == pytest.approx(((1 - sigma) / kappa) ** 0.5, rel=0.1)
    assert 0.003 < fit.rms_residual < 0.03  # the noise shows in the residuals
    assert fit.extrapolation == pytest.approx(fit.peak_n / 160)


def test_usl_degenerate_fits_are_told_in_words():
    too_few = usl.fit(_law(2.0, 0.1, 0.001, (10, 20)))
    assert too_few.problem.startswith("too few levels") and too_few.sigma is None
    assert usl.describe(too_few) == [f"USL: {too_few.problem}"]
    linear = usl.fit([(n, 2.0 * n) for n in (10, 20, 40, 80)])
    assert linear.peak_n is None and any("never turns" in note for note in linear.notes)
    assert not any("predicted peak" in line for line in usl.describe(linear))
    three = usl.fit(_law(2.0, 0.1, 0.001, (10, 20, 40)))
    assert any("exactly 3 levels" in note for note in three.notes)
    falling = usl.fit([(10, 50.0), (20, 20.0), (40, 5.0)])  # no physical law gives this
    assert falling.sigma < 0 and any(note.startswith("σ < 0") for note in falling.notes)


def _outcomes(breaks_at: float, bound_at: float | None = None):
    ran = []

    def measure(value: float) -> str:
        ran.append(value)
        if bound_at is not None and value >= bound_at:
            return cs.BOUND
        return cs.BROKE if value >= breaks_at else cs.HELD
    return ran, measure


def test_search_steps_up_then_bisects_to_the_resolution():
    ran, measure = _outcomes(breaks_at=75)
    found = cs.search(cs.Plan(10, 400, cs.Step(factor=2.0), cs.Resolution(amount=5)), measure)
    assert ran[:4] == [10, 20, 40, 80]  # stepping until the first break
    assert found.stop == cs.BISECTED
    assert found.held < 75 <= found.broke and found.broke - found.held <= 5
    assert all(40 < v < 80 for v in ran[4:])  # then only between the last held and first broke
    assert [v for v, _ in found.levels] == ran


def test_search_stops_at_max_without_a_break():
    ran, measure = _outcomes(breaks_at=1000)
    found = cs.search(cs.Plan(10, 50, cs.Step(add=15)), measure)
    assert ran == [10, 25, 40, 50] and found.stop == cs.NO_BREAK
    assert (found.held, found.broke) == (50, None)


def test_a_generator_bound_level_ends_the_search_without_a_figure():
    ran, measure = _outcomes(breaks_at=1000, bound_at=40)
    found = cs.search(cs.Plan(10, 400), measure)
    assert ran == [10, 20, 40] and found.stop == cs.STOPPED_BOUND
    assert found.levels[-1] == (40, cs.BOUND)


def test_a_first_level_that_breaks_steps_down_then_bisects():
    ran, measure = _outcomes(breaks_at=23)
    found = cs.search(cs.Plan(100, 400, resolution=cs.Resolution(amount=2)), measure)
    assert ran[:4] == [100, 50, 25, 12]  # halving until a level holds
    assert found.stop == cs.BISECTED and found.held < 23 <= found.broke <= found.held + 2


def test_the_lowest_level_breaking_is_no_capacity():
    ran, measure = _outcomes(breaks_at=1)
    found = cs.search(cs.Plan(10, 400, cs.Step(add=4), minimum=3), measure)
    assert ran == [10, 6, 3] and found.stop == cs.LOWEST_BROKE and found.held is None


def test_rates_move_in_tenths_and_a_tiny_step_still_moves():
    ran, measure = _outcomes(breaks_at=1.0)
    found = cs.search(cs.Plan(0.5, 2, cs.Step(add=0.01), cs.Resolution(share=0.5), whole=False),
                      measure)
    assert ran[:2] == [0.5, 0.6] and found.stop == cs.BISECTED


@pytest.mark.parametrize("text", ["1x", "0", "x2", "-5", "2 x"])
def test_bad_steps_are_refused(text):
    with pytest.raises(ValueError, match="not a step"):
        cs.parse_step(text)


def test_steps_and_resolutions_parse():
    assert cs.parse_step("2x") == cs.Step(factor=2.0)
    assert cs.parse_step("+50") == cs.parse_step("50") == cs.Step(add=50.0)
    assert cs.parse_resolution("10%") == cs.Resolution(share=0.1)
    assert cs.parse_resolution("20") == cs.Resolution(amount=20.0)
    with pytest.raises(ValueError, match="not a resolution"):
        cs.parse_resolution("0%")


def test_the_rush_rate_variant_makes_the_steepest_rise_deliver_the_rate():
    smoke = scenario.load(SCENARIOS / "smoke.yaml")
    index, own = variants.rush(smoke)
    steeper = variants.at_rush_rate(smoke, own * 4)
    assert variants.rush(steeper)[1] == pytest.approx(own * 4, rel=1e-3)
    assert variants.peak_viewers(steeper) == variants.peak_viewers(smoke)
    rise_end = smoke.audience.points[index + 1]
    assert rise_end in steeper.audience.points  # the rise still ends where it did
    with pytest.raises(ValueError, match="slower than its own rush"):
        variants.at_rush_rate(smoke, own / 2)


def test_a_component_down_for_the_whole_run():
    failing = scenario.load(SCENARIOS / "component-failure-at-kickoff.yaml")
    down = variants.with_component_down(failing, "origin-a", "process-kill")
    (fault,) = down.faults
    assert (fault.target, fault.at) == ("origin-a", failing.timeline.start)
    assert fault.at + fault.duration == failing.timeline.end
    assert all(s.fault is None for s in down.slos)


def test_without_an_unknown_component_is_bad_input():
    with pytest.raises(InvalidInput, match="no component named 'origin-x'.*origin-"):
        down_kind(stack_of("local"), "local", "origin-x")
    assert down_kind(stack_of("local"), "local", "origin-a") == "process-kill"
    assert down_kind(stack_of("docker"), "docker", "origin-a") == "container-stop"


def test_forecast_reads_counts_and_refuses_the_rest(tmp_path):
    text = (SCENARIOS / "smoke.yaml").read_text().replace(
        "  subscribers: 0.25", "  subscribers: 0.25\n  forecast: FORECAST")
    path = tmp_path / "smoke.yaml"
    for written, count in (("1.2M", 1_200_000), ("250k", 250_000), ("900", 900)):
        loaded = scenario.loads(text.replace("FORECAST", written), path)
        assert loaded.audience.forecast == count
        assert scenario.replace(loaded, seed=2).audience.forecast == count  # to_dict round trip
    for written in ("1.2G", "0", "2.5", "1.00005k"):
        with pytest.raises(InvalidInput, match=r"smoke.yaml:\d+: audience.forecast: "):
            scenario.loads(text.replace("FORECAST", written), path)


def test_headroom_and_the_component_nearest_its_limit():
    room = headroom(1_200_000, 300, at_least=False)
    assert room["units"] == 4000 and room["share_of_forecast"] == pytest.approx(0.00025)
    assert headroom(None, 300, False) is None and headroom(1000, None, False) is None
    used = {"edge": {"cores": 0.3, "limit": 1.0}, "origin-a": {"cores": 0.45, "limit": 0.5},
            "redis": {"cores": 0.9, "limit": None}}
    assert nearest_limit(used)["name"] == "origin-a"
    assert nearest_limit({"edge": {"cores": 0.3, "limit": None},
                          "auth": {"cores": 0.5, "limit": None}})["name"] == "auth"
    assert nearest_limit(None) is None


@pytest.mark.parametrize("options, words", [
    (("--without", "origin-x"), "no component named 'origin-x'"),
    (("--axis", "arrival", "--start", "0.1"), "slower than its own rush"),
    (("--start", "20", "--max", "10"), "0 < start <= max"),
])
def test_capacity_bad_input_is_one_line_and_exit_2_before_any_run(options, words, capsys):
    from harness.cli.main import main

    assert main(["capacity", str(SCENARIOS / "smoke.yaml"), *options]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0]
