"""The Universal Scalability Law (Gunther) fitted to a capacity search's levels.

Throughput X at concurrency N:  X(N) = λN / (1 + σ(N−1) + κN(N−1)),
λ the throughput of one viewer alone, σ contention (the share of work that
queues for something shared), κ coherency (the cost of keeping shared state
in step, which makes throughput fall again past a point).

The fit is a least-squares on the linear form N/X = a + b(N−1) + cN(N−1)
(a = 1/λ, b = σ/λ, c = κ/λ), each level weighted by X/N so that its residual
is its relative error in X: a level at 40 viewers counts as much as one at
400. Three parameters need three levels; with exactly three the curve goes
through them and nothing checks it, which the description says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_LEVELS = 3


@dataclass(frozen=True)
class Fit:
    """The fitted law, or why there is none (`problem`)."""

    levels: int  # measured (N, X) pairs used
    problem: str | None = None  # set: no fit, and the rest is None
    lam: float | None = None  # λ, throughput per viewer alone
    sigma: float | None = None
    kappa: float | None = None
    residuals: tuple[float, ...] = ()  # (measured − fitted) / fitted, per level
    peak_n: float | None = None  # where the curve turns, sqrt((1−σ)/κ); None: it does not
    peak_x: float | None = None  # the throughput there
    largest_n: float | None = None  # the largest measured N
    notes: tuple[str, ...] = field(default=())  # what to mind, in words

    def predict(self, n: float) -> float:
        assert self.lam is not None and self.sigma is not None and self.kappa is not None, (
            f"no fit to predict with: {self.problem}"
        )
        return self.lam * n / (1 + self.sigma * (n - 1) + self.kappa * n * (n - 1))

    @property
    def rms_residual(self) -> float | None:
        if not self.residuals:
            return None
        return math.sqrt(sum(r * r for r in self.residuals) / len(self.residuals))

    @property
    def extrapolation(self) -> float | None:
        """How far past the measurements the turn lies: peak_n / largest_n."""
        if self.peak_n is None or self.largest_n is None:
            return None
        return self.peak_n / self.largest_n


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; None when singular."""
    size = len(vector)
    rows = [row[:] + [value] for row, value in zip(matrix, vector, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        if abs(rows[pivot][column]) < 1e-12 * max(1.0, max(abs(v) for v in rows[pivot])):
            return None
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(column + 1, size):
            factor = rows[row][column] / rows[column][column]
            rows[row] = [a - factor * b for a, b in zip(rows[row], rows[column], strict=True)]
    solution = [0.0] * size
    for row in reversed(range(size)):
        known = sum(rows[row][k] * solution[k] for k in range(row + 1, size))
        solution[row] = (rows[row][size] - known) / rows[row][row]
    return solution


def _least_squares(points: Sequence[tuple[float, float]]) -> list[float] | None:
    """(a, b, c) of the weighted linear form (see the module's docstring)."""
    design, target = [], []
    for n, x in points:
        weight = x / n
        design.append([weight, weight * (n - 1), weight * n * (n - 1)])
        target.append(weight * n / x)  # = 1: each level's relative error in X
    normal = [[sum(r[i] * r[j] for r in design) for j in range(3)] for i in range(3)]
    right = [sum(r[i] * t for r, t in zip(design, target, strict=True)) for i in range(3)]
    return _solve(normal, right)


def fit(points: Sequence[tuple[float, float]]) -> Fit:
    """The law fitted to (N, X) pairs (concurrent viewers, throughput)."""
    usable = [(float(n), float(x)) for n, x in points if n >= 1 and x > 0]
    if len({n for n, _ in usable}) < MIN_LEVELS:
        return Fit(
            len(usable),
            f"too few levels to fit: {len({n for n, _ in usable})} with "
            f"throughput at distinct viewer counts, {MIN_LEVELS} needed",
        )
    solution = _least_squares(usable)
    if solution is None or solution[0] <= 0:
        return Fit(
            len(usable),
            "no fit: the levels' throughput does not follow the law "
            "(the least-squares gives no positive single-viewer throughput)",
        )
    a, b, c = solution
    lam, sigma, kappa = 1 / a, b / a, c / a
    largest = max(n for n, _ in usable)
    partial = Fit(len(usable), None, lam, sigma, kappa, largest_n=largest)
    residuals = tuple((x - partial.predict(n)) / partial.predict(n) for n, x in usable)
    peak_n = math.sqrt((1 - sigma) / kappa) if kappa > 0 and sigma < 1 else None
    peak_x = partial.predict(peak_n) if peak_n is not None else None
    return Fit(
        len(usable),
        None,
        lam,
        sigma,
        kappa,
        residuals,
        peak_n,
        peak_x,
        largest,
        _notes(sigma, kappa, len({n for n, _ in usable})),
    )


def _notes(sigma: float, kappa: float, distinct: int) -> tuple[str, ...]:
    notes = []
    if distinct == MIN_LEVELS:
        notes.append(
            "exactly 3 levels: the curve goes through them, so its residuals check "
            "nothing; more levels would"
        )
    if sigma < -1e-6:
        notes.append(
            f"σ < 0 ({sigma:.3g}): throughput grew faster than linearly between "
            f"levels (noise, or warm-up at the smallest), which no real stack does; "
            f"treat the figures as rough"
        )
    if kappa <= 0:
        notes.append(
            "κ <= 0: no coherency cost measured, so the curve never turns within these levels"
        )
    elif sigma >= 1:
        notes.append("σ >= 1: contention is total, the curve turns at once")
    return tuple(notes)


def describe(result: Fit) -> list[str]:
    """The fit in lines for the console and the report."""
    if result.problem is not None:
        return [f"USL: {result.problem}"]
    lines = [
        f"USL fit over {result.levels} levels: σ (contention) {result.sigma:.4g}, "
        f"κ (coherency) {result.kappa:.4g}, λ {result.lam:.4g} req/s per viewer; "
        f"residuals rms {result.rms_residual:.1%} (largest "
        f"{max(abs(r) for r in result.residuals):.1%})"
    ]
    extrapolation = result.extrapolation
    if result.peak_n is not None and extrapolation is not None:
        lines.append(
            f"predicted peak throughput {result.peak_x:,.1f} req/s at N = "
            f"{result.peak_n:,.0f} viewers, {extrapolation:.2g}x the largest "
            f"measured level ({result.largest_n:,.0f})"
            + ("; an extrapolation, not a measurement" if extrapolation > 1.5 else "")
        )
    lines += [f"USL: {note}" for note in result.notes]
    return lines
