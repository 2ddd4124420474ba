"""Bar charts as plain geometry; the template draws them as inline SVG.

Readable without colour: reported bars are hatched and labelled "rep.", reproduced bars are solid
and labelled "ours", synthetic runs say so in their label, and every bar carries its value.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolgrad_eval.leaderboard import Column, Table
from toolgrad_eval.report import formatting

LABEL_W = 215
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


def charts(table: Table) -> list[Chart]:
    return [_chart(table, col) for col in table.columns]


def _x(v: float) -> float:
    return LABEL_W + max(0.0, min(v, SCALE_MAX)) / SCALE_MAX * BAR_W


def _chart(table: Table, col: Column) -> Chart:
    bars: list[Bar] = []
    y = float(TOP)
    for group in table.groups:
        for row in group.rows:
            if row.kind == "difference":
                continue
            cell = row.cells[col.key]
            if cell.value is None:
                continue
            who = group.label if row.kind == "reported" else row.label
            tag = "rep." if row.kind == "reported" else ("ours, synthetic" if row.synthetic else "ours")
            ci = (_x(cell.ci[0]), _x(cell.ci[1])) if cell.ci else None
            bars.append(
                Bar(
                    y,
                    f"{_short(who)} ({tag})",
                    row.kind,
                    row.synthetic,
                    _x(cell.value) - LABEL_W,
                    formatting.value(cell.value),
                    ci,
                )
            )
            y += BAR_H + GAP
    ticks = [(_x(v), f"{v:g}") for v in (0, 25, 50, 75, 100)]
    return Chart(col, LABEL_W + BAR_W + VALUE_W, int(y + 4), bars, ticks)


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
