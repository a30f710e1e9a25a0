"""Charts as plain geometry for inline SVG (no script, no asset from the internet): bars,
weekly lines, the p-chart with its 3-sigma limits, and heatmaps (annotator pairs,
confusion matrices). Templates draw them with the macros of dashboard/_charts.html."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.services.dashboard.control_chart import PChart

PALETTE = ("#1f5fbf", "#1b7f3b", "#b3261e", "#a86200", "#6b4fbb", "#5b6477")


@dataclass(frozen=True)
class Frame:
    """The drawing area: size and padding (left, right, top, bottom)."""

    width: int = 560
    height: int = 220
    left: int = 44
    right: int = 12
    top: int = 14
    bottom: int = 40

    def x(self, fraction: float) -> float:
        """Return the x of a fraction (0–1) of the plot's width."""
        return round(self.left + (self.width - self.left - self.right) * fraction, 1)

    def y(self, fraction: float) -> float:
        """Return the y of a fraction (0–1) of the plot's height, 0 at the bottom."""
        return round(
            self.height - self.bottom - (self.height - self.top - self.bottom) * fraction, 1
        )


@dataclass(frozen=True)
class Bar:
    """One bar: position, size, label and value."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    colour: str


@dataclass(frozen=True)
class BarChart:
    """Vertical bars with a value axis."""

    frame: Frame
    bars: list[Bar]
    y_ticks: list[tuple[float, str]]


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(frame: Frame, top: float, fmt=lambda v: f"{v:g}") -> list[tuple[float, str]]:
    return [(frame.y(i / 4), fmt(top * i / 4)) for i in range(5)]


def bar_chart(values: Sequence[tuple[str, float]], *, frame: Frame | None = None) -> BarChart:
    """Return bars for (label, value) pairs, scaled to a rounded maximum."""
    frame = frame or Frame()
    top = _nice_top(max((v for _l, v in values), default=0))
    slot = (frame.width - frame.left - frame.right) / max(1, len(values))
    bars = []
    for i, (label, value) in enumerate(values):
        y = frame.y(value / top)
        bars.append(
            Bar(
                round(frame.left + slot * i + slot * 0.15, 1),
                y,
                round(slot * 0.7, 1),
                round(frame.y(0) - y, 1),
                label,
                value,
                PALETTE[i % len(PALETTE)],
            )
        )
    return BarChart(frame, bars, _ticks(frame, top))


@dataclass(frozen=True)
class Series:
    """One line of a line chart."""

    name: str
    colour: str
    points: str
    values: list[float]


@dataclass(frozen=True)
class LineChart:
    """Lines over labelled periods."""

    frame: Frame
    series: list[Series]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    frame: Frame | None = None,
    top: float | None = None,
    fmt=lambda v: f"{v:g}",
) -> LineChart:
    """Return one polyline per named series over the labelled periods."""
    frame = frame or Frame()
    top = top or _nice_top(max((v for vs in series.values() for v in vs), default=0))
    span = max(1, len(labels) - 1)
    lines = []
    for i, (name, values) in enumerate(series.items()):
        points = " ".join(f"{frame.x(j / span)},{frame.y(v / top)}" for j, v in enumerate(values))
        lines.append(Series(name, PALETTE[i % len(PALETTE)], points, list(values)))
    step = max(1, math.ceil(len(labels) / 8))
    x_ticks = [(frame.x(j / span), label) for j, label in enumerate(labels) if j % step == 0]
    return LineChart(frame, lines, x_ticks, _ticks(frame, top, fmt))


@dataclass(frozen=True)
class ControlChart:
    """A p-chart drawn: proportions, centre line, per-period limits, points out of control."""

    frame: Frame
    points: list[tuple[float, float, bool, str]]
    line: str
    centre_y: float
    ucl: str
    lcl: str
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    centre: float


def control_chart(chart: PChart, *, frame: Frame | None = None) -> ControlChart:
    """Return the geometry of a p-chart: the limits are steps, as n changes per period."""
    frame = frame or Frame()
    top = _nice_top(max([p.ucl for p in chart.points] + [p.p for p in chart.points]))
    n = len(chart.points)
    width = 1 / n

    def steps(values: list[float]) -> str:
        return " ".join(
            f"{frame.x(i * width)},{frame.y(v / top)} {frame.x((i + 1) * width)},{frame.y(v / top)}"
            for i, v in enumerate(values)
        )

    centres = [((i + 0.5) * width) for i in range(n)]
    points = [
        (frame.x(c), frame.y(p.p / top), p.out_of_control, p.label)
        for c, p in zip(centres, chart.points, strict=True)
    ]
    stride = max(1, math.ceil(n / 8))
    return ControlChart(
        frame,
        points,
        " ".join(f"{x},{y}" for x, y, _o, _l in points),
        frame.y(chart.centre / top),
        steps([p.ucl for p in chart.points]),
        steps([p.lcl for p in chart.points]),
        [
            (frame.x(c), p.label)
            for i, (c, p) in enumerate(zip(centres, chart.points, strict=True))
            if i % stride == 0
        ],
        _ticks(frame, top, lambda v: f"{v * 100:.3g} %"),
        chart.centre,
    )


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: where, its fill, the text shown and the text colour."""

    x: float
    y: float
    fill: str
    text: str
    ink: str
    title: str


@dataclass(frozen=True)
class Heatmap:
    """A matrix of coloured cells with row and column labels."""

    width: int
    height: int
    size: int
    left: int
    top: int
    rows: list[tuple[float, str]]
    columns: list[tuple[float, str]]
    cells: list[Cell] = field(default_factory=list)


def _shade(value: float) -> tuple[str, str]:
    """Return (fill, ink) for a value in [-1, 1]: blue for agreement, red below zero."""
    v = max(-1.0, min(1.0, value))
    base = (31, 95, 191) if v >= 0 else (179, 38, 30)
    mix = abs(v)
    r, g, b = (round(255 + (c - 255) * mix) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}", ("#ffffff" if mix > 0.55 else "#1d2433")


def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    shades: Sequence[Sequence[float | None]],
    texts: Sequence[Sequence[str]],
    titles: Sequence[Sequence[str]],
    *,
    size: int = 40,
    left: int = 150,
    top: int = 110,
) -> Heatmap:
    """Return cells coloured by `shades` (−1..1; None blank) and labelled by `texts`."""
    cells = []
    for i, row in enumerate(shades):
        for j, shade in enumerate(row):
            fill, ink = _shade(shade) if shade is not None else ("#f6f7fa", "#5b6477")
            cells.append(
                Cell(left + j * size, top + i * size, fill, texts[i][j], ink, titles[i][j])
            )
    return Heatmap(
        left + size * len(column_labels) + 110,
        top + size * len(row_labels) + 10,
        size,
        left,
        top,
        [(top + (i + 0.5) * size, label) for i, label in enumerate(row_labels)],
        [(left + (j + 0.5) * size, label) for j, label in enumerate(column_labels)],
        cells,
    )
