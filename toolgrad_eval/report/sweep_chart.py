"""A checkpoint sweep as plain geometry: one line chart per column, drawn as inline SVG.

Every point carries its value as text and its 95% CI as a whisker, so the chart reads without
colour; synthetic points are hollow and the chart says so in its label.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolgrad_eval.report import formatting
from toolgrad_eval.report.comparisons import SweepSeries

LEFT, RIGHT, TOP, BOTTOM = 34, 96, 16, 72
PLOT_H = 160
SCALE_MAX = 100.0  # every column is a percentage or a 0-100 score
LABEL_CHARS = 16


@dataclass(frozen=True)
class Point:
    x: float
    y: float | None  # None: the run has no value for this column (no line through it)
    label: str
    value_text: str
    ci: tuple[float, float] | None  # y of the whisker ends
    synthetic: bool


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: list[Point]
    segments: list[str]  # polyline point lists, broken where a value is missing
    y_ticks: list[tuple[float, str]]
    plot_bottom: float
    left: int = LEFT


def _y(v: float) -> float:
    return TOP + (1 - max(0.0, min(v, SCALE_MAX)) / SCALE_MAX) * PLOT_H


def line_chart(series: SweepSeries) -> LineChart:
    n = len(series.points)
    step = 64 if n <= 8 else 36 if n <= 20 else 20
    width = LEFT + RIGHT + step * max(n - 1, 1)
    points: list[Point] = []
    for i, p in enumerate(series.points):
        x = LEFT + step * i + (step / 2 if n == 1 else 0)
        value = p.cell.value
        ci = (_y(p.cell.ci[1]), _y(p.cell.ci[0])) if p.cell.ci and value is not None else None
        label = p.label if len(p.label) <= LABEL_CHARS else p.label[: LABEL_CHARS - 1] + "…"
        points.append(Point(x, None if value is None else _y(value), label, formatting.value(value), ci, p.synthetic))
    segments: list[str] = []
    current: list[str] = []
    for p in points:
        if p.y is None:
            if len(current) > 1:
                segments.append(" ".join(current))
            current = []
            continue
        current.append(f"{p.x:.1f},{p.y:.1f}")
    if len(current) > 1:
        segments.append(" ".join(current))
    ticks = [(_y(v), f"{v:g}") for v in (0, 25, 50, 75, 100)]
    return LineChart(int(width), TOP + PLOT_H + BOTTOM, points, segments, ticks, TOP + PLOT_H)
