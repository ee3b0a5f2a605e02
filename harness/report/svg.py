"""Line charts as inline SVG, drawn in Python so a report needs no script and
no network: series against one or two y axes, a missing value (None) as a gap
in its line, shaded x spans (faults, labelled; seconds with a saturated load
generator, shaded with a bar along the top; its stalls, a thin mark at the
top with a tooltip) and labelled vertical markers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.spec.shown import markup

WIDTH, HEIGHT = 960, 290
TOP, BOTTOM, LEFT = 52, 34, 66
RIGHT_WITH_AXIS, RIGHT_PLAIN = 66, 40  # room for the last x label
X_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
MAX_X_TICKS = 10
CHAR_WIDTH = 6.6  # of an 11-12 px label, to keep labels from printing over each other


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Sequence[float | None]  # one per x of the frame
    dashed: bool = False
    right: bool = False  # plotted against the right axis


@dataclass(frozen=True)
class Axis:
    label: str
    format: Callable[[float], str]
    log: bool = False


@dataclass(frozen=True)
class Span:
    """A shaded stretch of x, labelled (a fault from injection to revert)."""

    label: str
    start: float
    end: float


@dataclass(frozen=True)
class Marker:
    """A vertical line, labelled; kind "kickoff" is drawn bold, "phase" dotted."""

    label: str
    x: float
    kind: str


@dataclass(frozen=True)
class Frame:
    """What every chart of a run shares: the x values, their range and format,
    the shaded spans and the markers."""

    xs: Sequence[float]
    start: float
    end: float
    format_x: Callable[[float], str]
    spans: Sequence[Span] = ()
    markers: Sequence[Marker] = ()
    saturated: Sequence[Span] = ()  # the load generator was saturated (label: a tooltip)
    stalls: Sequence[Span] = ()  # the load generator stalled once (label: a tooltip)


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


class _Scale:
    """Maps values of one axis to y pixels, with the ticks to label."""

    low: float  # log axes: powers of ten
    high: float

    def __init__(self, axis: Axis, values: list[float], top: float, bottom: float) -> None:
        self.axis, self.top, self.bottom = axis, top, bottom
        if axis.log:
            positive = [v for v in values if v > 0] or [1.0]
            low = math.floor(math.log10(min(positive)))
            high = max(low + 1, math.ceil(math.log10(max(positive))))
            self.low, self.high = low, high
            self.ticks = [10.0**k for k in range(low, high + 1)]
        else:
            # Headroom above the highest value keeps lines clear of the labels at the top.
            highest = max(values, default=0) * 1.1
            step = _nice_step(highest or 1)
            count = max(1, math.ceil(highest / step - 1e-9))
            self.low, self.high = 0, step * count
            self.ticks = [step * k for k in range(count + 1)]

    def y(self, value: float) -> float | None:
        if self.axis.log:
            if value <= 0:
                return None  # no place on a log axis: a gap
            share = (math.log10(value) - self.low) / (self.high - self.low)
        else:
            share = (value - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float, y: float, text: str, css: str, anchor: str = "start", rotate: bool = False
) -> str:
    transform = f' transform="rotate(-90 {_num(x)} {_num(y)})"' if rotate else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" class="{css}" text-anchor="{anchor}"'
        f"{transform}>{markup(text)}</text>"
    )


def _label_rows(labels: Sequence[tuple[float, str]], rows: Sequence[float]) -> list[float | None]:
    """A y for each label (x, text): the first row where it clears the labels to its
    left; None when no row has room (its line is drawn, its name is a tooltip)."""
    free_from = dict.fromkeys(rows, -math.inf)
    placed: list[float | None] = [None] * len(labels)
    for index in sorted(range(len(labels)), key=lambda i: labels[i][0]):
        x, text = labels[index]
        row = next((y for y in rows if free_from[y] <= x), None)
        if row is not None:
            free_from[row] = x + 10 + CHAR_WIDTH * len(text)
            placed[index] = row
    return placed


def _label(x: float, y: float | None, text: str, css: str) -> str:
    return _text(x + 4, y, text, css) if y is not None else f"<title>{markup(text)}</title>"


def _line(points: list[tuple[float, float | None]], series: Series) -> str:
    """One path for the series, broken at gaps; a point alone between gaps is a dot."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    path = " ".join(
        "M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in run) for run in runs if len(run) > 1
    )
    dash = ' stroke-dasharray="6 4"' if series.dashed else ""
    parts = (
        [
            f'<path d="{path}" fill="none" stroke="{series.colour}" stroke-width="1.8" '
            f'stroke-linejoin="round"{dash}/>'
        ]
        if path
        else []
    )
    parts += [
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2" fill="{series.colour}"/>'
        for run in runs
        if len(run) == 1
        for x, y in run
    ]
    return f'<g class="series" data-series="{markup(series.label)}">{"".join(parts)}</g>'


def _legend(series: Sequence[Series]) -> str:
    parts, x = [], LEFT
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        label = s.label + (" (right axis)" if s.right else "")
        parts.append(
            f'<line x1="{x}" y1="14" x2="{x + 22}" y2="14" stroke="{s.colour}" '
            f'stroke-width="3"{dash}/>' + _text(x + 28, 18, label, "legend")
        )
        x += 40 + 7 * len(label)
    return f'<g class="legend">{"".join(parts)}</g>'


def line_chart(
    key: str,
    title: str,
    frame: Frame,
    series: Sequence[Series],
    left: Axis,
    right: Axis | None = None,
) -> str:
    """An <svg data-chart="key"> of the series over the frame's x range."""
    plot_right = WIDTH - (RIGHT_WITH_AXIS if right else RIGHT_PLAIN)
    top, bottom = TOP, HEIGHT - BOTTOM
    width = max(frame.end - frame.start, 1e-9)

    def px(x: float) -> float:
        return LEFT + (min(max(x, frame.start), frame.end) - frame.start) / width * (
            plot_right - LEFT
        )

    def values(on_right: bool) -> list[float]:
        return [v for s in series if s.right == on_right for v in s.values if v is not None]

    scales = {False: _Scale(left, values(False), top, bottom)}
    if right:
        scales[True] = _Scale(right, values(True), top, bottom)

    parts = [
        f"<title>{markup(title)}</title>",
        f'<rect x="{LEFT}" y="{top}" width="{_num(plot_right - LEFT)}" '
        f'height="{bottom - top}" class="plot"/>',
    ]
    for span in frame.saturated:
        x1, shaded = px(span.start), _num(max(px(span.end) - px(span.start), 2))
        parts.append(
            f'<g class="saturated"><title>{markup(span.label)}</title>'
            f'<rect x="{_num(x1)}" y="{top}" width="{shaded}" '
            f'height="{bottom - top}" class="saturated-window"/>'
            f'<rect x="{_num(x1)}" y="{top}" width="{shaded}" height="5" '
            f'class="saturated-strip"/></g>'
        )
    for span in frame.stalls:
        x1 = px(span.start)
        parts.append(
            f'<g class="stall"><title>{markup(span.label)}</title>'
            f'<rect x="{_num(x1)}" y="{top}" '
            f'width="{_num(max(px(span.end) - x1, 2))}" height="9" '
            f'class="stall-mark"/></g>'
        )
    fault_rows = _label_rows([(px(s.start), s.label) for s in frame.spans], (top + 28, top + 42))
    for span, row in zip(frame.spans, fault_rows, strict=True):
        x1, x2 = px(span.start), px(span.end)
        parts.append(
            f'<g class="fault" data-fault="{markup(span.label)}">'
            f'<rect x="{_num(x1)}" y="{top}" width="{_num(max(x2 - x1, 2))}" '
            f'height="{bottom - top}" class="fault-window"/>'
            + _label(x1, row, span.label, "fault-label")
            + "</g>"
        )
    for on_right, scale in scales.items():
        axis_x, anchor = (plot_right + 6, "start") if on_right else (LEFT - 6, "end")
        for tick in scale.ticks:
            y = scale.y(tick)
            if y is None:  # ticks are on their axis (a log axis's are above 0)
                continue
            if not on_right:
                parts.append(
                    f'<line x1="{LEFT}" y1="{_num(y)}" x2="{_num(plot_right)}" '
                    f'y2="{_num(y)}" class="grid"/>'
                )
            parts.append(_text(axis_x, y + 4, scale.axis.format(tick), "tick", anchor))
        label_x = WIDTH - 12 if on_right else 14
        parts.append(
            _text(
                label_x, (top + bottom) / 2, scale.axis.label, "axis-label", "middle", rotate=True
            )
        )
    step = next((s for s in X_STEPS if width / s <= MAX_X_TICKS), X_STEPS[-1])
    tick = math.ceil(frame.start / step) * step
    while tick <= frame.end:
        parts.append(
            f'<line x1="{_num(px(tick))}" y1="{bottom}" x2="{_num(px(tick))}" '
            f'y2="{bottom + 5}" class="axis"/>'
            + _text(px(tick), bottom + 19, frame.format_x(tick), "tick", "middle")
        )
        tick += step
    # Kickoff is named inside the plot; phases above it, where they cannot hide data.
    phase_rows = _label_rows(
        [(px(m.x), m.label) for m in frame.markers if m.kind != "kickoff"], (top - 5, top - 17)
    )
    for marker in frame.markers:
        x = px(marker.x)
        row = top + 13 if marker.kind == "kickoff" else phase_rows.pop(0)
        parts.append(
            f'<g class="marker {marker.kind}" data-marker="{markup(marker.label)}">'
            f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{bottom}"/>'
            + _label(x, row, marker.label, f"{marker.kind}-label")
            + "</g>"
        )
    for s in series:
        scale = scales[s.right]
        parts.append(
            _line(
                [
                    (px(x), None if v is None else scale.y(v))
                    for x, v in zip(frame.xs, s.values, strict=True)
                ],
                s,
            )
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{_num(plot_right)}" y2="{bottom}" class="axis"/>'
    )
    parts.append(_legend(series))
    return (
        f'<svg data-chart="{markup(key)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart">{"".join(parts)}</svg>'
    )
