"""Bar charts as plain geometry; the template draws them as inline SVG.

Readable without colour: reported bars are hatched and labelled "rep.", reproduced bars are solid
and labelled "ours", synthetic runs say so in their label, and every bar carries its value.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolgrad_eval.leaderboard import Column, Table
from toolgrad_eval.report import formatting

LABEL_W = 215  # the least label column; a chart whose labels need more gets it, up to MAX_LABEL_W
MAX_LABEL_W = 320
LABEL_PAD = 8  # between a label's end and its bar
FONT_PX = 11  # svg.bars font-size in report.css
BAR_W = 200
VALUE_W = 48
BAR_H = 13
GAP = 7
TOP = 20
SCALE_MAX = 100.0  # every column is a percentage or a 0-100 score


@dataclass(frozen=True)
class Bar:
    y: float
    label: str
    kind: str  # "reported" | "reproduced"
    synthetic: bool
    width: float
    value_text: str
    ci: tuple[float, float] | None  # x positions of the whisker ends


@dataclass(frozen=True)
class Chart:
    column: Column
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (x, text)
    label_w: int = LABEL_W
    bar_h: int = BAR_H
    bar_w: int = BAR_W


def charts(table: Table) -> list[Chart]:
    return [_chart(table, col) for col in table.columns]


def _x(v: float, label_w: int = LABEL_W) -> float:
    return label_w + max(0.0, min(v, SCALE_MAX)) / SCALE_MAX * BAR_W


def _chart(table: Table, col: Column) -> Chart:
    entries = []
    for group in table.groups:
        for row in group.rows:
            if row.kind == "difference":
                continue
            cell = row.cells[col.key]
            if cell.value is None:
                continue
            who = group.label if row.kind == "reported" else row.label
            tag = "rep." if row.kind == "reported" else ("ours, synthetic" if row.synthetic else "ours")
            entries.append((fit_label(who, f" ({tag})", MAX_LABEL_W - LABEL_PAD), row, cell))
    # The label column is as wide as the widest label needs (so none is clipped at the left edge).
    label_w = max([LABEL_W, *(int(text_width(label)) + LABEL_PAD + 1 for label, _, _ in entries)])
    bars: list[Bar] = []
    y = float(TOP)
    for label, row, cell in entries:
        ci = (_x(cell.ci[0], label_w), _x(cell.ci[1], label_w)) if cell.ci else None
        bars.append(
            Bar(
                y,
                label,
                row.kind,
                row.synthetic,
                _x(cell.value, label_w) - label_w,
                formatting.value(cell.value),
                ci,
            )
        )
        y += BAR_H + GAP
    ticks = [(_x(v, label_w), f"{v:g}") for v in (0, 25, 50, 75, 100)]
    return Chart(col, label_w + BAR_W + VALUE_W, int(y + 4), bars, ticks, label_w=label_w)


# Advance widths of DejaVu Sans (units of 1/2048 em), the widest of the fonts the stylesheet names and
# the one CI's Chromium uses; narrower system fonts only leave more room. Other characters: 1400.
_WIDTHS = {
    **dict.fromkeys("abdghnopqu", 1300),
    **dict.fromkeys("ceksvxyz", 1180),
    **dict.fromkeys("ijl", 569),
    **dict.fromkeys("ft", 803),
    "r": 842,
    "m": 1995,
    "w": 1675,
    **dict.fromkeys("0123456789", 1303),
    **dict.fromkeys(" .,:;", 651),
    **dict.fromkeys("()[]", 800),
    **dict.fromkeys("-_/", 1024),
    **dict.fromkeys("IJ", 604),
    **dict.fromkeys("MW", 2025),
    "…": 2048,
}


def text_width(text: str, font_px: float = FONT_PX) -> float:
    """A generous estimate of the rendered width of ``text`` in pixels (the SVG has no layout engine)."""
    return sum(_WIDTHS.get(ch, 1400) for ch in text) / 2048 * font_px


def fit_label(name: str, tag: str, room: float) -> str:
    """``name + tag``, the name shortened with "…" until the whole fits in ``room`` pixels."""
    if text_width(name + tag) <= room:
        return name + tag
    while name and text_width(name + "…" + tag) > room:
        name = name[:-1]
    return name + "…" + tag
