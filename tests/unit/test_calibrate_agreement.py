"""The agreement bounds of harness calibrate and tests/players on hand-made
figures: startup within max(0.3 s, 30%), stalls within one, stalled time
within 1 s a minute, the same rung; the nearest of several real players;
a bound the real players break between themselves is unsteady."""

from __future__ import annotations

from harness.calibrate.agreement import held, judge, table
from harness.calibrate.figures import Figures


def figures(startup: float | None = 0.3, stalls: int = 0, stalled: float = 0.0,
            rungs: dict[int, float] | None = None, player: str = "hls.js 1.7.4") -> Figures:
    return Figures(player, startup, stalls, stalled, 60.0, [1, 2, 3],
                   rungs if rungs is not None else {2: 60.0})


def states(kickoff: Figures, reals: list[Figures], seconds: float = 60.0, **options) -> dict:
    return {check.figure: check.shown for check in judge(kickoff, reals, seconds, **options)}


def test_startup_is_within_three_tenths_of_a_second_or_thirty_percent():
    assert states(figures(0.55), [figures(0.3)])["startup"] == "ok"
    assert states(figures(0.65), [figures(0.3)])["startup"] == "BROKEN"
    assert states(figures(2.9), [figures(2.0)])["startup"] == "BROKEN"  # 30% of 2 s is 0.6
    assert states(figures(2.5), [figures(2.0)])["startup"] == "ok"


def test_stalls_within_one_and_stalled_time_within_a_second_a_minute_of_play():
    checks = states(figures(stalls=3, stalled=1.4), [figures(stalls=2, stalled=0.5)])
    assert (checks["stalls"], checks["stalled"]) == ("ok", "ok")
    checks = states(figures(stalls=3, stalled=1.4), [figures(stalls=2, stalled=0.5)], seconds=30)
    assert checks["stalled"] == "BROKEN"  # 0.5 s for half a minute


def test_the_rung_played_longest_must_be_the_same():
    kickoff = figures(rungs={0: 5.0, 2: 50.0})
    assert kickoff.rung == 2
    assert states(kickoff, [figures(rungs={1: 40.0, 2: 20.0})])["rung"] == "BROKEN"
    assert not held(judge(kickoff, [figures(rungs={1: 40.0})], 60.0))


def test_kickoff_is_held_to_the_nearest_real_player_and_unsteady_bounds_are_shown_only():
    reals = [figures(0.3, stalls=0), figures(0.45, stalls=3)]
    checks = judge(figures(0.7, stalls=5), reals, 60.0)
    shown = {check.figure: check.shown for check in checks}
    assert shown["startup"] == "ok"  # within 0.3 s of 0.45
    assert shown["stalls"] == "unsteady"  # 0 and 3: the real players disagree themselves
    assert held(checks)


def test_figures_not_held_are_shown_and_a_missing_start_is_its_own_check():
    checks = judge(figures(stalls=9), [figures(stalls=0)], 60.0, figures=("startup", "rung"))
    assert {c.figure: c.shown for c in checks}["stalls"] == "not held" and held(checks)
    assert states(figures(None), [figures(0.3)])["startup"] == "BROKEN"
    assert states(figures(None), [figures(None)])["startup"] == "ok"


def test_the_table_shows_each_figure_of_both_sides():
    kickoff, reals = figures(0.31), [figures(0.38)]
    text = table([("hls, 60 s", kickoff, reals, judge(kickoff, reals, 60.0))])
    assert "hls.js 1.7.4" in text and "0.31 / 0.38 ok (±0.30 s)" in text
