"""Number formatting shared by the HTML, Markdown and CSV views (display units throughout)."""

from __future__ import annotations

import math

from toolgrad_eval import units

MINUS = "\u2212"  # a real minus sign: it lines up with the plus and reads better than a hyphen


def value(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.{digits}f}".replace("-", MINUS)


def signed(x: float | None, digits: int = 2, zero: str = "±") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:+.{digits}f}"
    # "-0.00" and "+0.00" both say "no difference at this precision".
    if float(text) == 0:
        return f"{zero}{0:.{digits}f}"
    return text.replace("-", MINUS)


def interval(ci: tuple[float, float] | None, digits: int = 1, sign: bool = False) -> str:
    """``50.4–69.6`` for values; ``[−3.3, +8.7]`` for differences, where a dash would read as a minus."""
    if ci is None:
        return ""
    if sign:
        return f"[{signed(ci[0], digits, zero='')}, {signed(ci[1], digits, zero='')}]"
    return f"{value(ci[0], digits)}–{value(ci[1], digits)}"


def p_value(p: float | None) -> str:
    """The one p-value style (toolgrad_eval.units), shared with the terminal."""
    return units.p_value(p)


def percent(fraction: float | None, digits: int = 2) -> str:
    """A rate held as a fraction, in percent (toolgrad_eval.units), ``—`` when missing."""
    return units.percent(fraction, digits, missing="—").replace("-", MINUS)


def sort_key(x: float | None) -> str:
    """A data-k-* attribute value: plain decimal text that JavaScript's parseFloat reads back."""
    return "" if x is None else repr(float(x))
