"""A checkpoint sweep as plain geometry: one line chart per column, drawn as inline SVG.

Every point carries its value as text and its 95% CI as a whisker, so the chart reads without
colour; synthetic points are hollow and the chart says so in its label.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from toolgrad_eval.report import formatting
from toolgrad_eval.report.charts import fit_label, text_width
from toolgrad_eval.report.comparisons import SweepSeries

LEFT, TOP = 34, 16
INSET = 16  # the first point sits this far right of the axis, clear of the tick labels
PLOT_H = 160
SCALE_MAX = 100.0  # every column is a percentage or a 0-100 score
LABEL_PX = 10  # font size of the run labels under the axis
LABEL_ROOM = 150.0  # the longest run label, in pixels, before it is shortened with "…"
ANGLE = 35  # degrees the run labels are turned
VALUE_ROOM = 44  # right of the last point: its value label ("100.00") and the whisker cap


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
    prefix: str = ""  # left out of every run label (shared by all of them; the page says so)


def _y(v: float) -> float:
    return TOP + (1 - max(0.0, min(v, SCALE_MAX)) / SCALE_MAX) * PLOT_H


def common_prefix(names: list[str]) -> str:
    """The prefix all run names share, cut after its last separator, when leaving it out helps.

    Checkpoints are usually named ``my-model-step1000``, ``my-model-step2000``: what tells them apart
    is the end, which a shortened label would lose."""
    if len(names) < 2:
        return ""
    prefix = os.path.commonprefix(names)
    cut = max(prefix.rfind(c) for c in "-_/.:")
    prefix = prefix[: cut + 1] if cut >= 0 else ""
    return prefix if len(prefix) >= 4 and all(len(n) > len(prefix) for n in names) else ""


def line_chart(series: SweepSeries, prefix: str | None = None) -> LineChart:
    """``prefix``: left out of the run labels (default: what this series' names share)."""
    n = len(series.points)
    step = 64 if n <= 8 else 36 if n <= 20 else 20
    if prefix is None or not all(p.label.startswith(prefix) for p in series.points):
        prefix = common_prefix([p.label for p in series.points])
    labels = [fit_label(p.label[len(prefix) :], "", LABEL_ROOM) for p in series.points]
    widths = [text_width(label, LABEL_PX) for label in labels]
    turn = math.radians(ANGLE)
    # The turned labels hang below the plot and to the right of their point: room for the longest.
    bottom = int(18 + max(widths, default=0) * math.sin(turn) + LABEL_PX)
    right = int(max(VALUE_ROOM, (widths[-1] if widths else 0) * math.cos(turn) + 8))
    width = LEFT + INSET + step * max(n - 1, 0) + right
    points: list[Point] = []
    for i, p in enumerate(series.points):
        x = LEFT + INSET + step * i
        value = p.cell.value
        ci = (_y(p.cell.ci[1]), _y(p.cell.ci[0])) if p.cell.ci and value is not None else None
        points.append(
            Point(x, None if value is None else _y(value), labels[i], formatting.value(value), ci, p.synthetic)
        )
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
    return LineChart(int(width), TOP + PLOT_H + bottom, points, segments, ticks, TOP + PLOT_H, prefix=prefix)
