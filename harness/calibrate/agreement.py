"""Whether kickoff's viewer agrees with a real player on one stream: the
bounds a viewer model must keep, and the table that shows them.

- startup within max(0.3 s, 30% of the real player's);
- stalls within one of the real player's count;
- stalled time within 1 s per minute of play;
- the same rung played longest (renditions by bitrate, lowest first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tabulate import tabulate

from harness.calibrate.figures import Figures

STARTUP_S, STARTUP_SHARE = 0.3, 0.3
STALLS = 1
STALLED_S_PER_MINUTE = 1.0


@dataclass(frozen=True)
class Check:
    figure: str  # "startup", "stalls", "stalled", "rung"
    kickoff: float | int | None
    real: float | int | None
    allowed: str  # the bound, as a reader sees it
    held: bool


def judge(kickoff: Figures, real: Figures, seconds: float) -> list[Check]:
    """Each bound, for a comparison of `seconds` of play."""
    checks = []
    if kickoff.startup_s is None or real.startup_s is None:
        checks.append(Check("startup", kickoff.startup_s, real.startup_s, "both start",
                            kickoff.startup_s is None and real.startup_s is None))
    else:
        within = max(STARTUP_S, STARTUP_SHARE * real.startup_s)
        checks.append(Check("startup", kickoff.startup_s, real.startup_s, f"±{within:.2f} s",
                            abs(kickoff.startup_s - real.startup_s) <= within))
    checks.append(Check("stalls", kickoff.stalls, real.stalls, f"±{STALLS}",
                        abs(kickoff.stalls - real.stalls) <= STALLS))
    within = STALLED_S_PER_MINUTE * seconds / 60
    checks.append(Check("stalled", kickoff.stalled_s, real.stalled_s, f"±{within:.2f} s",
                        abs(kickoff.stalled_s - real.stalled_s) <= within))
    checks.append(Check("rung", kickoff.rung, real.rung, "same",
                        kickoff.rung is not None and kickoff.rung == real.rung))
    return checks


def held(checks: Sequence[Check]) -> bool:
    return all(check.held for check in checks)


def _shown(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def table(rows: Sequence[tuple[str, Figures, Figures, Sequence[Check]]]) -> str:
    """One line per comparison (what was played, and how), each bound's two
    figures and whether it held; then failures and the bitrates as each
    player counts them."""
    lines = []
    for label, kickoff, real, checks in rows:
        line = [label, real.player]
        for check in checks:
            line.append(f"{_shown(check.kickoff)} / {_shown(check.real)} "
                        f"{'ok' if check.held else 'BROKEN'} ({check.allowed})")
        line.append(f"{kickoff.failures} / {real.failures}")
        line.append(f"{_shown(kickoff.kbps)} / {_shown(real.kbps)}")
        lines.append(line)
    return tabulate(lines, headers=["stream, condition", "real player",
                                    "startup s (kickoff / real)", "stalls", "stalled s",
                                    "rung", "failures", "kbps"])
