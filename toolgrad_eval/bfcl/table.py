"""The terminal tables printed after a BFCL run: model-card columns, then per category."""

from __future__ import annotations

from typing import Mapping, Sequence

from toolgrad_eval.bfcl.aggregate import CARD_COLUMNS, percent
from toolgrad_eval.bfcl.categories import SINGLE_TURN, native_name


def card_table(model: str, aggregates: Mapping[str, float | None], incomplete: Sequence[str] = ()) -> str:
    """Model-card columns (percent, 2 decimals; N/A when a needed category is missing)."""
    headers = ["model", *(title for _, title in CARD_COLUMNS)]
    row = [model, *(percent(aggregates.get(key)) for key, _ in CARD_COLUMNS)]
    text = github_table(headers, [row])
    if incomplete:
        text += "\n* scored with missing or unusable result lines counted as failed: " + ", ".join(incomplete)
    return text


def category_table(version: str, categories: Mapping[str, Mapping]) -> str:
    """One line per single-turn category: accuracy, correct/total, or N/A when not scored."""
    rows = []
    for cat in SINGLE_TURN:
        c = categories.get(cat)
        name = native_name(version, cat)
        if c is None:
            rows.append([name, "N/A", ""])
        else:
            rows.append([name, percent(c["accuracy"]), f"{c['correct_count']}/{c['total_count']}"])
    return github_table(["category", "accuracy", "correct"], rows, colalign=("left", "right", "right"))


def github_table(headers: Sequence[str], rows: Sequence[Sequence[str]], colalign: Sequence[str] = ()) -> str:
    """``tabulate(rows, headers, tablefmt="github", disable_numparse=True, colalign=...)``, same text.

    Importing tabulate costs ~13 ms (it pulls in importlib.metadata), a twentieth of a whole BFCL
    run, for two small tables. Plain printable ASCII cells are laid out here exactly as tabulate
    does (a column is as wide as its widest cell, and at least its header plus 2); anything else
    (wide or combining characters, newlines, padding tabulate trims, no rows) goes to tabulate itself.
    """
    cells = [*headers, *(c for row in rows for c in row)]
    if not rows or any(len(row) != len(headers) for row in rows) \
            or not all(isinstance(c, str) and c.isascii() and c.isprintable() and c == c.strip() for c in cells):
        from tabulate import tabulate

        return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True,
                        colalign=tuple(colalign) or None)
    widths = [max([len(h) + 2, *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    right = [i < len(colalign) and colalign[i] == "right" for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
