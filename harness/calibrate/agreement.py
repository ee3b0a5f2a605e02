"""Whether kickoff's viewer agrees with a real player on one stream: the
bounds a viewer model must keep, and the table that shows them.

- startup within max(0.3 s, 30% of the real player's);
- stalls within one of the real player's count;
- stalled time within 1 s per minute of play;
- the same rung played longest (renditions by bitrate, lowest first).

A real player does not repeat itself exactly on a live stream: its start
point, its timers and the network differ from one play to the next. With
several real players on the same stream at the same time, kickoff is held to
the bounds around the nearest of their figures (any of their rungs), and a
figure on which the real players break the bound between themselves is
unsteady: shown, not held against kickoff (nothing can agree with a player
that does not agree with itself).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from tabulate import tabulate

from harness.calibrate.figures import Figures

STARTUP_S, STARTUP_SHARE = 0.3, 0.3
STALLS = 1
STALLED_S_PER_MINUTE = 1.0


FIGURES = ("startup", "stalls", "stalled", "rung")


@dataclass(frozen=True)
class Check:
    figure: str  # one of FIGURES
    kickoff: float | int | None
    real: tuple[float | int | None, ...]  # each real player's
    allowed: str  # the bound, as a reader sees it
    held: bool
    steady: bool = True  # the real players keep the bound between themselves
    counted: bool = True  # False: shown, not held against kickoff (judge's `figures`)

    @property
    def broken(self) -> bool:
        return not self.held and self.steady and self.counted

    @property
    def shown(self) -> str:
        if self.held:
            return "ok"
        return "BROKEN" if self.broken else ("unsteady" if not self.steady else "not held")


def _nearest(value: float, reals: Sequence[float]) -> float:
    return min(reals, key=lambda real: abs(real - value))


def _steady(check: Check, reals: Sequence[Figures], seconds: float) -> Check:
    """The check, marked unsteady when some real player breaks its bound
    against another (judged as kickoff is)."""
    for index, real in enumerate(reals):
        others = [other for k, other in enumerate(reals) if k != index]
        if (
            others
            and not next(
                c for c in judge(real, others, seconds, gate=False) if c.figure == check.figure
            ).held
        ):
            return replace(check, steady=False)
    return check


def judge(
    kickoff: Figures,
    reals: Sequence[Figures],
    seconds: float,
    gate: bool = True,
    figures: Collection[str] = FIGURES,
) -> list[Check]:
    """Each bound, for a comparison of `seconds` of play: with `gate`, each
    marked unsteady where the real players break it between themselves; those
    not in `figures` are shown, not held against kickoff."""
    checks = []
    startups = [real.startup_s for real in reals if real.startup_s is not None]
    if kickoff.startup_s is None or len(startups) < len(reals):
        checks.append(
            Check(
                "startup",
                kickoff.startup_s,
                tuple(r.startup_s for r in reals),
                "both start",
                kickoff.startup_s is None and not startups,
            )
        )
    else:
        nearest = _nearest(kickoff.startup_s, startups)
        within = max(STARTUP_S, STARTUP_SHARE * nearest)
        checks.append(
            Check(
                "startup",
                kickoff.startup_s,
                tuple(startups),
                f"±{within:.2f} s",
                abs(kickoff.startup_s - nearest) <= within,
            )
        )
    stalls = [real.stalls for real in reals]
    checks.append(
        Check(
            "stalls",
            kickoff.stalls,
            tuple(stalls),
            f"±{STALLS}",
            abs(kickoff.stalls - _nearest(kickoff.stalls, stalls)) <= STALLS,
        )
    )
    stalled = [real.stalled_s for real in reals]
    within = STALLED_S_PER_MINUTE * seconds / 60
    checks.append(
        Check(
            "stalled",
            kickoff.stalled_s,
            tuple(stalled),
            f"±{within:.2f} s",
            abs(kickoff.stalled_s - _nearest(kickoff.stalled_s, stalled)) <= within,
        )
    )
    rungs = tuple(real.rung for real in reals)
    checks.append(
        Check(
            "rung", kickoff.rung, rungs, "same", kickoff.rung is not None and kickoff.rung in rungs
        )
    )
    if gate:
        checks = [_steady(check, reals, seconds) for check in checks]
    return [replace(check, counted=check.figure in figures) for check in checks]


def held(checks: Sequence[Check]) -> bool:
    """No bound broken (unsteady ones, and those not held against kickoff, aside)."""
    return not any(check.broken for check in checks)


def _shown(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _reals(values: Sequence[float | int | None]) -> str:
    return ", ".join(_shown(value) for value in values)


def table(rows: Sequence[tuple[str, Figures, Sequence[Figures], Sequence[Check]]]) -> str:
    """One line per comparison (what was played, and how): each bound's
    figures, kickoff's then the real players', and whether it held; then
    failed attempts and the bitrate each counts."""
    lines = []
    for label, kickoff, reals, checks in rows:
        line = [label, reals[0].player]
        for check in checks:
            line.append(
                f"{_shown(check.kickoff)} / {_reals(check.real)} {check.shown} ({check.allowed})"
            )
        line.append(f"{kickoff.failures} / {_reals([real.failures for real in reals])}")
        line.append(f"{_shown(kickoff.kbps)} / {_reals([real.kbps for real in reals])}")
        lines.append(line)
    return tabulate(
        lines,
        headers=[
            "stream, condition",
            "real player",
            "startup s (kickoff / real)",
            "stalls",
            "stalled s",
            "rung",
            "failures",
            "kbps",
        ],
    )
