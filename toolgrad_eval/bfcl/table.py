"""The terminal tables printed after a BFCL run: Overall and model-card columns, then per category."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from toolgrad_eval.bfcl.aggregate import CARD_COLUMNS, Overall, percent
from toolgrad_eval.bfcl.categories import AGENTIC, MULTI_TURN, SINGLE_TURN, native_name


def overall_cell(total: Overall | None) -> str:
    """``41.20`` for a complete Overall, ``12.35 (partial)`` when a category was counted as 0."""
    if total is None:
        return "N/A"
    return percent(total.accuracy) + (" (partial)" if total.partial else "")


def card_table(
    model: str,
    aggregates: Mapping[str, float | None],
    incomplete: Sequence[str] = (),
    total: Overall | None = None,
) -> str:
    """Overall (labelled partial when BFCL would count missing categories as 0), then the model-card
    columns (percent, 2 decimals; N/A when a needed category is missing)."""
    lead = [("Overall", overall_cell(total))] if total is not None else []
    headers = ["model", *(title for title, _ in lead), *(title for _, title in CARD_COLUMNS)]
    row = [model, *(cell for _, cell in lead), *(percent(aggregates.get(key)) for key, _ in CARD_COLUMNS)]
    text = github_table(headers, [row])
    if total is not None:
        text += f"\nOverall (BFCL {total.version}) parts scored: {total.scored_parts()}"
    if incomplete:
        text += "\n* scored with missing or unusable result lines counted as failed: " + ", ".join(incomplete)
    return text


def category_table(version: str, categories: Mapping[str, Mapping[str, Any]]) -> str:
    """One line per category: accuracy, correct/total, or N/A when not scored. Single-turn lines
    always; multi-turn and agentic lines when at least one category of the group was scored."""
    names = list(SINGLE_TURN)
    for group in (MULTI_TURN, AGENTIC):
        if any(c in categories for c in group):
            names += group
    rows = []
    for cat in names:
        c = categories.get(cat)
        name = native_name(version, cat)
        if c is None:
            rows.append([name, "N/A", ""])
        else:
            rows.append([name, percent(c["accuracy"]), f"{c['correct_count']}/{c['total_count']}"])
    for cat, c in categories.items():  # other categories scored (multi-turn), only when they were
        if cat not in SINGLE_TURN:
            rows.append([cat, percent(c["accuracy"]), f"{c['correct_count']}/{c['total_count']}"])
    return github_table(["category", "accuracy", "correct"], rows, colalign=("left", "right", "right"))


def github_table(headers: Sequence[str], rows: Sequence[Sequence[str]], colalign: Sequence[str] = ()) -> str:
    """A GitHub-style Markdown table of text cells (no number parsing: "N/A" and "83.50" stay as given),
    exactly as ``tabulate(..., tablefmt="github", disable_numparse=True)`` draws it.

    Tables of plain ASCII text, which is what a run prints, are drawn here: importing tabulate costs
    ~10 ms, about 3% of a whole single-model run. Anything else (wide or combining characters,
    line breaks, other alignments) is left to tabulate itself.
    """
    cells = [[cell.strip() for cell in row] for row in rows]
    # tabulate aligns the headers of a table without rows to the left, whatever colalign says
    align = [*colalign, *(["left"] * (len(headers) - len(colalign)))] if cells else ["left"] * len(headers)
    texts = [*headers, *(cell for row in cells for cell in row)]
    if (
        any(not text.isascii() or not text.isprintable() for text in texts)
        or any(len(row) != len(headers) for row in cells)
        or not set(align) <= {"left", "right"}
    ):
        from tabulate import tabulate

        return str(
            tabulate(
                rows, headers=list(headers), tablefmt="github", disable_numparse=True, colalign=tuple(colalign) or None
            )
        )
    widths = [max([len(h) + 2, *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        padded = (v.rjust(w) if a == "right" else v.ljust(w) for v, w, a in zip(values, widths, align))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in cells)])
