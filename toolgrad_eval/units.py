"""The display units every surface shares: rates in percent, p-values in one style.

The terminal tables, the leaderboard and the diff pages all format through these two functions,
so a number reads the same wherever it is printed: a rate held as a fraction (0.7286) is shown in
percent (``72.86``), and a p-value as ``p = 0.012`` or ``p < 0.001``, never ``0.0000`` or
``2.2e-09``. A leaf module (imports nothing of the package) so every layer can use it.
"""

from __future__ import annotations

import math

__all__ = ["p_value", "percent"]


def percent(fraction: float | None, digits: int = 2, missing: str = "N/A") -> str:
    """A rate held as a fraction, in percent: ``0.7944`` -> ``79.44``; ``missing`` for no value
    (never 0 for a missing column)."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return missing
    return f"{100 * fraction:.{digits}f}"


def p_value(p: float | None, missing: str = "") -> str:
    """``p < 0.001``, ``p = 0.012`` (three places below 0.01) or ``p = 0.34``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return missing
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"
